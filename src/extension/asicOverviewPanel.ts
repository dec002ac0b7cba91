// Host of the ASIC-overview webview: ASIC flux vs threshold with its fit, key numbers, the heterogeneity conclusions.
import * as path from 'path';
import * as vscode from 'vscode';
import { formatNumber, formatWithError } from '../contract/format';
import { AnalysisSummary } from '../contract/summary';
import { OverviewApi, OverviewData, OverviewPush, OverviewState } from '../protocol';
import { AnalysisOutput } from './analysisOutput';
import type { PanelRegistry } from './panelRegistry';
import { Handlers, webviewOptions, WebviewHost } from './webviewHost';

export class AsicOverviewPanel extends WebviewHost<OverviewApi, OverviewPush> {
  static readonly viewType = 'veloCalib.asicOverview';
  private shown: AnalysisOutput;

  /** The run this panel shows (a live watch's newer snapshot replaces it in place: refresh()). */
  get output(): AnalysisOutput { return this.shown; }

  static restore(registry: PanelRegistry, panel: vscode.WebviewPanel, state: OverviewState): AsicOverviewPanel {
    return new AsicOverviewPanel(registry, panel, state.outputDir);
  }

  static async show(registry: PanelRegistry, outputDir: string): Promise<AsicOverviewPanel> {
    registry.used(outputDir);
    let p = registry.overviews.get(outputDir);
    if (p) { p.panel.reveal(p.panel.viewColumn); return p; }
    const panel = vscode.window.createWebviewPanel(AsicOverviewPanel.viewType, 'VELO ASIC Overview', registry.mainColumn(),
      webviewOptions(registry.host.extensionUri));
    p = new AsicOverviewPanel(registry, panel, outputDir);
    await p.ready;
    return p;
  }

  private constructor(registry: PanelRegistry, panel: vscode.WebviewPanel, readonly outputDir: string) {
    super(registry.host, panel, 'asicOverview', { outputDir } satisfies OverviewState);
    this.shown = AnalysisOutput.open(outputDir);
    registry.overviews.get(outputDir)?.panel.dispose();
    registry.overviews.set(outputDir, this);
    this.setTitle();
    this.register({ dispose: () => { if (registry.overviews.get(outputDir) === this) registry.overviews.delete(outputDir); } });
  }

  protected body(): string {
    return `<h2 id="title"></h2><div id="folder" class="hint"></div><div class="chartBox"><canvas id="asicCurve" aria-label="ASIC flux vs threshold"></canvas></div>
<div id="columns"><section><h3>Key numbers</h3><table id="numbers"></table></section>
<section><h3>Conclusions</h3><ul id="conclusions"></ul></section></div>`;
  }

  protected handlers(): Handlers<OverviewApi> {
    return { ready: () => overviewData(this.output) };
  }

  /** Shows the run `outputDir` shows now, redrawn in place (a live watch published a new snapshot). */
  async refresh(): Promise<void> {
    this.shown = AnalysisOutput.open(this.outputDir);
    this.setTitle();
    await this.ready;
    await this.push({ type: 'refresh', data: overviewData(this.shown) });
  }

  private setTitle(): void {
    const s = this.shown.summary;
    this.panel.title = `ASIC · ${s.scan.id}${s.live ? ` (live, ${s.live.files_counted} files)` : ''}`;
  }
}

/** Key numbers of an analysis, as shown in the overview. */
export function keyNumbers(s: AnalysisSummary): Array<[string, string]> {
  const f = s.fit?.asic, h = s.heterogeneity;
  const rows: Array<[string, string]> = [
    ['acquisitions (good / bad / unreadable)', `${s.acquisitions.good} / ${s.acquisitions.bad} / ${s.acquisitions.failed}`],
    ['masked pixels', String(s.mask.maskedPixels)],
  ];
  if (f) {
    rows.push(['ASIC μ', formatWithError(f.params.mu, f.errors.mu, 'DAC')], ['ASIC σ', formatWithError(f.params.sigma, f.errors.sigma, 'DAC')],
      ['ASIC deviance / ndf', `${formatNumber(f.chi2)} / ${f.ndf ?? 'n/a'}`]);
  }
  if (h) {
    rows.push(['ok pixels', String(h.status_counts.ok)], ['robust rms of μ over pixels', formatNumber(h.mu.robustRms, 3) + ' DAC'],
      ['median μ fit error', formatNumber(h.mu.median_fit_error, 2) + ' DAC'], ['intrinsic μ spread', formatNumber(h.mu.intrinsic_rms, 3) + ' DAC'],
      ['⟨σ⟩ pixels', formatNumber(h.sigma.mean, 3) + ' DAC'], ['σ_ASIC / √(⟨σ²⟩+var μ)', formatNumber(h.asic_width.ratio, 3)],
      ['pixels inconsistent with ASIC shape', `${formatNumber(100 * h.asic_shape_refit.fraction_inconsistent, 3)} %`]);
  }
  return rows;
}

export function overviewData(output: AnalysisOutput): OverviewData {
  const s = output.summary, f = s.fit?.asic;
  return {
    title: s.scan.id, folder: s.dataFolder ?? path.dirname(output.dir), thresholds: s.thresholds,
    flux: s.per_threshold.map(t => t.asic_flux), fluxError: s.per_threshold.map(t => t.asic_flux_error),
    allBad: s.per_threshold.filter(t => t.all_bad).map(t => t.threshold),
    fit: output.asicCurve(), chi2: f?.chi2 ?? null, ndf: f?.ndf ?? null,
    conclusions: s.heterogeneity?.conclusions ?? [], keyNumbers: keyNumbers(s), live: s.live ?? null,
  };
}
