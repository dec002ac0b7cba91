// Host of the pixel-map webview: sends result maps as typed arrays; a clicked pixel opens its fit diagnostics.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { FromPixelMapMessage, MapQuantity, STATUS_NAMES, ToPixelMapMessage } from '../protocol';
import { AnalysisOutput } from './analysisOutput';
import { FitDiagnosticsPanel } from './fitDiagnosticsPanel';
import { webviewOptions, WebviewHost } from './webviewHost';

const VIEW_TYPE = 'veloCalib.pixelMap';
const FIT_QUANTITIES: MapQuantity[] = ['mu', 'sigma', 'amplitude', 'slope', 'chi2_ndf', 'pvalue', 'status', 'delta_deviance'];

export interface PixelMapState { outputDir: string; quantity?: MapQuantity; threshold?: number; pixel?: [number, number] }

export class PixelMapPanel extends WebviewHost<ToPixelMapMessage, FromPixelMapMessage> {
  private static readonly panels = new Map<string, PixelMapPanel>();
  readonly output: AnalysisOutput;
  /** Draw times reported by the webview, per quantity (ms). */
  readonly lastDrawMs: Partial<Record<MapQuantity, number>> = {};

  static register(context: vscode.ExtensionContext): void {
    context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PixelMapState | undefined) {
        if (!state?.outputDir || !fs.existsSync(path.join(state.outputDir, 'summary.json'))) { panel.dispose(); return; }
        new PixelMapPanel(context, panel, state);
      },
    }));
  }

  static async show(context: vscode.ExtensionContext, outputDir: string, initial: Omit<PixelMapState, 'outputDir'> = {}): Promise<PixelMapPanel> {
    let p = PixelMapPanel.panels.get(outputDir);
    if (p && !p.output.current) { p.panel.dispose(); p = undefined; } // shows a run that a newer analysis replaced
    if (p) {
      p.panel.reveal();
      await p.ready;
      if (initial.quantity) await p.sendMap(initial.quantity, initial.threshold);
      if (initial.pixel) p.selectPixel(initial.pixel[0], initial.pixel[1]);
      return p;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'VELO Pixel Map', vscode.ViewColumn.Beside, webviewOptions(context.extensionUri));
    p = new PixelMapPanel(context, panel, { outputDir, ...initial });
    await p.ready;
    return p;
  }

  private constructor(private readonly context: vscode.ExtensionContext, panel: vscode.WebviewPanel, private readonly initial: PixelMapState) {
    super(context.extensionUri, panel, 'pixelMap', { outputDir: initial.outputDir });
    this.output = new AnalysisOutput(initial.outputDir);
    PixelMapPanel.panels.set(initial.outputDir, this);
    panel.title = `Pixel Map · ${this.output.summary.scan.id}`;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'velo.svg');
    this.register({ dispose: () => PixelMapPanel.panels.delete(initial.outputDir) });
  }

  protected body(): string {
    return `<div id="toolbar">
  <label>Quantity <select id="quantity"></select></label>
  <label id="thresholdLabel">Threshold <select id="threshold"></select></label>
  <label>Scale <select id="scale"><option value="lin">linear</option><option value="log">log</option></select></label>
  <label>Range <select id="rangeMode"><option value="auto">auto (1–99 %)</option><option value="manual">manual</option></select></label>
  <input id="rangeMin" type="number" step="any" aria-label="range minimum" hidden>
  <input id="rangeMax" type="number" step="any" aria-label="range maximum" hidden>
  <vscode-button id="resetZoom" secondary>Reset zoom</vscode-button>
  <vscode-button id="exportPng" secondary>Export PNG</vscode-button>
  <vscode-button id="exportCsv" secondary>Export CSV</vscode-button>
  <span id="title"></span>
</div>
<div id="main">
  <div id="mapBox"><canvas id="map" width="256" height="256" aria-label="pixel map" tabindex="0"></canvas></div>
  <div id="side">
    <div id="colorbar"><canvas id="bar" width="16" height="256"></canvas><div id="barLabels"><span id="barMax"></span><span id="barMin"></span></div></div>
    <div id="readout" role="status">hover a pixel</div>
    <div id="asic"></div>
    <table id="pixelTable"></table>
    <div id="histBox"><canvas id="histogram" width="320" height="180" aria-label="histogram"></canvas></div>
  </div>
</div>`;
  }

  protected async onReady(): Promise<void> {
    const s = this.output.summary;
    const quantities: MapQuantity[] = this.output.hasFits ? ['flux', ...FIT_QUANTITIES] : ['flux'];
    const quantity = this.initial.quantity ?? (this.output.hasFits ? 'mu' : 'flux');
    const threshold = this.initial.threshold ?? s.thresholds[0];
    await this.post({ type: 'init', title: s.scan.id, rows: s.shape.rows, cols: s.shape.cols, thresholds: s.thresholds, quantities,
      statusNames: [...STATUS_NAMES], initial: { quantity, threshold, pixel: this.initial.pixel } });
    await this.sendMap(quantity, threshold);
    if (this.initial.pixel) this.selectPixel(this.initial.pixel[0], this.initial.pixel[1], false);
    void this.output.preload();
  }

  protected async onMessage(m: FromPixelMapMessage): Promise<void> {
    switch (m.type) {
      case 'requestMap': await this.sendMap(m.quantity, m.threshold); break;
      case 'selectPixel': this.selectPixel(m.row, m.col); break;
      case 'drawn': this.lastDrawMs[m.quantity] = m.milliseconds; break;
      case 'export': await this.exportMap(m.format, m.quantity, m.data); break;
    }
  }

  async sendMap(quantity: MapQuantity, threshold?: number): Promise<void> {
    const out = this.output, s = out.summary;
    let values: Float64Array, errors: Float64Array | undefined, asicValue: number | null = null;
    if (quantity === 'flux') {
      const thr = threshold ?? s.thresholds[0];
      ({ values, errors } = out.fluxMap(thr));
      const asic = s.per_threshold.find(t => t.threshold === thr)?.asic_flux ?? null;
      const unmasked = s.shape.rows * s.shape.cols - s.mask.maskedPixels;
      asicValue = asic !== null && unmasked ? asic / unmasked : null; // mean flux per unmasked pixel
      threshold = thr;
    } else {
      values = out.map(quantity)!;
      errors = out.map(`${quantity}_err`);
      const asic = s.fit?.asic;
      if (asic && quantity === 'amplitude') asicValue = asic.per_pixel_amplitude;
      else if (asic && (quantity === 'mu' || quantity === 'sigma' || quantity === 'slope')) {
        asicValue = quantity === 'slope' && asic.params.slope !== null ? asic.params.slope / asic.unmasked_pixels : asic.params[quantity] ?? null;
      }
      threshold = undefined;
    }
    const statusMap = out.map('status');
    await this.post({ type: 'map', quantity, threshold, values, errors, status: statusMap && Uint8Array.from(statusMap), asicValue });
  }

  /** Marks the pixel in the map and opens (or updates) the fit diagnostics beside it. */
  selectPixel(row: number, col: number, openDiagnostics = true): void {
    void this.post({ type: 'pixel', row, col, fit: this.output.pixelFit(row, col) });
    if (openDiagnostics && this.output.hasFits) void FitDiagnosticsPanel.show(this.context, this.output.dir, row, col);
  }

  private async exportMap(format: 'png' | 'csv', quantity: MapQuantity, data: string): Promise<void> {
    const base = `${this.output.summary.scan.id}_${quantity}.${format}`;
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(this.output.dir, base)),
      filters: format === 'png' ? { 'PNG image': ['png'] } : { CSV: ['csv'] } });
    if (!target) return;
    const bytes = format === 'png' ? Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64') : Buffer.from(data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`VELO: map exported to ${target.fsPath}`);
  }
}
