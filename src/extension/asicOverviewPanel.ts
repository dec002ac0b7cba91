// Host of the ASIC-overview webview: ASIC flux vs threshold with its fit (and the fit of the ok pixels' curve), key
// numbers, the gain numbers and baseline-aligned curve when the scan has a noise baseline, the conclusions.
import * as path from 'path';
import * as vscode from 'vscode';
import { formatNumber, formatWithError } from '../contract/format';
import { PARAMETER_NAMES } from '../contract/quantities';
import { AnalysisSummary, CurveFitSummary, GainSummary } from '../contract/summary';
import { CurveSpec, OverviewApi, OverviewData, OverviewPush, OverviewState } from '../protocol';
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
<section><h3>Conclusions</h3><ul id="conclusions"></ul></section></div>
<div id="gain" hidden><h3>Gain (noise baseline)</h3><div id="columnsGain"><table id="gainNumbers"></table>
<div class="chartBox small"><canvas id="alignedCurve" aria-label="baseline-aligned ASIC curve"></canvas></div></div></div>`;
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
  const good = s.fit?.asic_good;
  if (f) {
    if (good) rows.push([`ASIC good (${good.pixels} ok pixels) μ / σ`, `${formatWithError(good.params.mu, good.errors.mu, 'DAC')} / ${formatWithError(good.params.sigma, good.errors.sigma, 'DAC')}`]);
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

/** The gain numbers of an analysis with a noise baseline, as the overview shows them (empty without one). */
export function gainNumbers(g: GainSummary | undefined): Array<[string, string]> {
  if (!g) return [];
  const b = g.baseline, a = g.aligned_asic, p = g.pixels;
  const base = (file: string | null) => (file ? path.basename(file) : 'none');
  const rows: Array<[string, string]> = [
    ['baseline', `${base(b.file)} (${b.source === 'auto' ? 'found in the data folder' : 'chosen'}; ${b.pixels_with_baseline} pixels)`],
    ['baseline width', b.width_file ? `${base(b.width_file)} (propagated into the target errors)` : 'none'],
    ['ASIC K (baseline-aligned curve)', formatWithError(g.asic.gain, g.asic.gain_error, 'e⁻/DAC')],
    ['ASIC target (baseline-aligned curve)', formatWithError(g.asic.target, g.asic.target_error, 'DAC')],
    [`pixel K median ± robust spread (${p.count} ok pixels)`, formatWithError(p.gain_median, p.gain_spread, 'e⁻/DAC')],
    ['pixel target median ± robust spread', formatWithError(p.target_median, p.target_spread, 'DAC')],
    // the common scale uncertainty of every K, stated once: it is in no error above
    ['n_eh = E_line / w (scale of every K)', `${formatWithError(g.n_eh, g.n_eh * g.n_eh_scale_uncertainty, 'e⁻')} ` +
      `(${g.line_ev} eV / ${g.pair_ev} eV; ±${formatNumber(100 * g.n_eh_scale_uncertainty, 2)} % common to every K, not in the errors above)`],
  ];
  if (p.not_positive_target > 0) rows.push(['ok pixels with target ≤ 0 (no K)', String(p.not_positive_target)]);
  if (a) {
    rows.push([`σ_aligned (${a.grid === 'exact' ? 'exact DAC shifts' : `${a.bin_dac}-DAC bins`})`, formatWithError(a.sigma_aligned, a.sigma_aligned_error, 'DAC')],
      ['√(⟨σ²⟩ + var target) expected', `${formatNumber(a.sigma_expected, 3)} DAC`],
      ['σ_ASIC', formatWithError(a.sigma_asic, a.sigma_asic_error, 'DAC')],
      ['ASIC edge broadening removed by the alignment', a.broadening_removed === null ? 'n/a' : `${formatNumber(100 * a.broadening_removed, 3)} %`],
      ['aligned fit deviance / ndf', `${formatNumber(a.chi2)} / ${a.ndf ?? 'n/a'}`]);
  }
  if (g.kbeta) rows.push([`K-beta edge beyond K-alpha (${g.kbeta_ev} eV)`, `${formatNumber(g.kbeta.separation_dac, 3)} DAC`]);
  return rows;
}

/** A curve fit of the summary as the webviews draw it. */
function curveOf(c: CurveFitSummary | null | undefined): CurveSpec | null {
  return c ? { model: c.model, polarity: c.polarity, params: PARAMETER_NAMES.map(n => c.params[n] ?? NaN) } : null;
}

export function overviewData(output: AnalysisOutput): OverviewData {
  const s = output.summary, f = s.fit?.asic;
  return {
    title: s.scan.id, folder: s.dataFolder ?? path.dirname(output.dir), thresholds: s.thresholds,
    flux: s.per_threshold.map(t => t.asic_flux), fluxError: s.per_threshold.map(t => t.asic_flux_error),
    allBad: s.per_threshold.filter(t => t.all_bad).map(t => t.threshold),
    fit: output.asicCurve(), chi2: f?.chi2 ?? null, ndf: f?.ndf ?? null,
    conclusions: s.heterogeneity?.conclusions ?? [], keyNumbers: keyNumbers(s), live: s.live ?? null,
    asicGood: curveOf(s.fit?.asic_good), gainNumbers: gainNumbers(s.gain), aligned: curveOf(s.gain?.aligned_asic),
  };
}
