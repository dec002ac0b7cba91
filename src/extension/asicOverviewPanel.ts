// Host of the ASIC-overview webview: ASIC flux vs threshold with its fit, the heterogeneity conclusions.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { FromOverviewMessage, ToOverviewMessage } from '../protocol';
import { AnalysisOutput } from './analysisOutput';
import { webviewOptions, WebviewHost } from './webviewHost';

const fmt = (v: number | null | undefined, digits = 4) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : Number(v.toPrecision(digits)).toString());

export class AsicOverviewPanel extends WebviewHost<ToOverviewMessage, FromOverviewMessage> {
  static readonly viewType = 'veloCalib.asicOverview';
  readonly output: AnalysisOutput;
  /** The message sent to the webview (for tests). */
  lastMessage: ToOverviewMessage | undefined;

  static register(context: vscode.ExtensionContext): void {
    context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(AsicOverviewPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: { outputDir?: string } | undefined) {
        if (!state?.outputDir || !fs.existsSync(path.join(state.outputDir, 'summary.json'))) { panel.dispose(); return; }
        new AsicOverviewPanel(context, panel, state.outputDir);
      },
    }));
  }

  static async show(context: vscode.ExtensionContext, outputDir: string): Promise<AsicOverviewPanel> {
    const panel = vscode.window.createWebviewPanel(AsicOverviewPanel.viewType, 'VELO ASIC Overview', vscode.ViewColumn.Beside, webviewOptions(context.extensionUri));
    const p = new AsicOverviewPanel(context, panel, outputDir);
    await p.ready;
    return p;
  }

  private constructor(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, outputDir: string) {
    super(context.extensionUri, panel, 'asicOverview', { outputDir });
    this.output = new AnalysisOutput(outputDir);
    panel.title = `ASIC · ${this.output.summary.scan.id}`;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'velo.svg');
  }

  protected body(): string {
    return `<h2 id="title"></h2><div class="chartBox"><canvas id="asicCurve" aria-label="ASIC flux vs threshold"></canvas></div>
<div id="columns"><section><h3>Key numbers</h3><table id="numbers"></table></section>
<section><h3>Conclusions</h3><ul id="conclusions"></ul></section></div>`;
  }

  protected async onReady(): Promise<void> {
    const s = this.output.summary, f = s.fit?.asic, h = s.heterogeneity;
    const keyNumbers: Array<[string, string]> = [
      ['acquisitions (good / bad / unreadable)', `${s.acquisitions.good} / ${s.acquisitions.bad} / ${s.acquisitions.failed}`],
      ['masked pixels', String(s.mask.maskedPixels)],
    ];
    if (f) {
      keyNumbers.push(['ASIC μ (DAC)', `${fmt(f.params.mu)} ± ${fmt(f.errors.mu, 2)}`], ['ASIC σ (DAC)', `${fmt(f.params.sigma)} ± ${fmt(f.errors.sigma, 2)}`],
        ['ASIC deviance / ndf', `${fmt(f.chi2)} / ${f.ndf}`]);
    }
    if (h) {
      keyNumbers.push(['ok pixels', String(h.status_counts.ok)], ['robust rms of μ over pixels (DAC)', fmt(h.mu.robustRms)],
        ['median μ fit error (DAC)', fmt(h.mu.median_fit_error)], ['intrinsic μ spread (DAC)', fmt(h.mu.intrinsic_rms)],
        ['⟨σ⟩ pixels (DAC)', fmt(h.sigma.mean)], ['σ_ASIC / √(⟨σ²⟩+var μ)', fmt(h.asic_width.ratio)],
        ['pixels inconsistent with ASIC shape', `${fmt(100 * h.asic_shape_refit.fraction_inconsistent, 3)} %`]);
    }
    const params = ['mu', 'sigma', 'amplitude', 'slope', 'background'];
    this.lastMessage = {
      type: 'overview', title: s.scan.id, thresholds: s.thresholds,
      flux: s.per_threshold.map(t => t.asic_flux), fluxError: s.per_threshold.map(t => t.asic_flux_error),
      allBad: s.per_threshold.filter(t => t.all_bad).map(t => t.threshold),
      fit: this.output.asicCurve(), fitErrors: params.map(p => f?.errors[p] ?? null), chi2: f?.chi2 ?? null, ndf: f?.ndf ?? null,
      conclusions: h?.conclusions ?? [], keyNumbers,
    };
    await this.post(this.lastMessage);
  }

  protected async onMessage(): Promise<void> { /* the overview only listens */ }
}
