// Host of the pixel-map webview: answers the webview's requests (init, maps as typed arrays, a pixel's fit,
// export, colour-range lock); a clicked pixel is shown in the one Fit Diagnostics panel.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { FIT_QUANTITIES, GAIN_QUANTITIES, MapQuantity, STATUS_NAMES } from '../contract/quantities';
import { asicReference } from '../contract/summary';
import { MapData, PixelMapApi, PixelMapInit, PixelMapPush, PixelMapState } from '../protocol';
import { AnalysisOutput } from './analysisOutput';
import { FitDiagnosticsPanel } from './fitDiagnosticsPanel';
import type { PanelRegistry } from './panelRegistry';
import { Handlers, matrixViewHtml, webviewOptions, WebviewHost } from './webviewHost';

export class PixelMapPanel extends WebviewHost<PixelMapApi, PixelMapPush> {
  static readonly viewType = 'veloCalib.pixelMap';
  readonly outputDir: string;
  private shown: AnalysisOutput;

  /** The run this panel shows (a live watch's newer snapshot replaces it in place: refresh()). */
  get output(): AnalysisOutput { return this.shown; }

  static restore(registry: PanelRegistry, panel: vscode.WebviewPanel, state: PixelMapState): PixelMapPanel {
    return new PixelMapPanel(registry, panel, state);
  }

  /** Shows the map of `outputDir` (reusing its panel), then the quantity / threshold / pixel asked for. */
  static async show(registry: PanelRegistry, outputDir: string, initial: Omit<PixelMapState, 'outputDir'> = {}): Promise<PixelMapPanel> {
    registry.used(outputDir);
    let p = registry.maps.get(outputDir);
    if (p && !p.output.current) { p.panel.dispose(); p = undefined; } // shows a run that a newer analysis replaced
    if (!p) {
      const panel = vscode.window.createWebviewPanel(PixelMapPanel.viewType, 'VELO Pixel Map', registry.mainColumn(),
        webviewOptions(registry.host.extensionUri));
      p = new PixelMapPanel(registry, panel, { outputDir, ...initial });
      await p.ready;
      return p;
    }
    p.panel.reveal(p.panel.viewColumn);
    await p.ready;
    if (initial.pixel) void p.markPixel(initial.pixel[0], initial.pixel[1]);
    return p;
  }

  private constructor(private readonly registry: PanelRegistry, panel: vscode.WebviewPanel, state: PixelMapState) {
    super(registry.host, panel, 'pixelMap', state);
    this.outputDir = state.outputDir;
    this.shown = AnalysisOutput.open(state.outputDir);
    registry.maps.get(state.outputDir)?.panel.dispose();
    registry.maps.set(state.outputDir, this);
    this.setTitle();
    this.register({ dispose: () => { if (registry.maps.get(state.outputDir) === this) registry.maps.delete(state.outputDir); } });
    this.register(panel.onDidChangeViewState(e => { if (e.webviewPanel.active) registry.used(state.outputDir); }));
  }

  protected body(): string {
    return `<div id="toolbar">
  <label>Quantity <select id="quantity"></select></label>
  <label id="thresholdLabel">Threshold <select id="threshold"></select></label>
  <label>Scale <select id="scale"><option value="lin">linear</option><option value="log">log</option></select></label>
  <label>Range <select id="rangeMode"><option value="auto">auto (1–99 %)</option><option value="manual">manual</option></select></label>
  <input id="rangeMin" type="number" step="any" aria-label="range minimum" hidden>
  <input id="rangeMax" type="number" step="any" aria-label="range maximum" hidden>
  <label title="Use this colour range for every map of this quantity"><input id="lockRange" type="checkbox"> Lock colour range</label>
  <label><input id="logY" type="checkbox"> log y</label>
  <vscode-button id="resetZoom" secondary>Reset zoom</vscode-button>
  <vscode-button id="exportPng" secondary>Export PNG</vscode-button>
  <vscode-button id="exportCsv" secondary>Export CSV</vscode-button>
  <span id="title"></span>
</div>
${matrixViewHtml('map', 'pixel map', `
    <div id="asic"></div>
    <div id="histBox"><canvas id="histogram" aria-label="histogram"></canvas></div>
    <div id="spread" class="hint" hidden></div>
    <table id="pixelTable"></table>`, '<ul id="legend" hidden></ul>')}`;
  }

  /**
   * Shows the run `outputDir` shows now, in place: the webview redraws into the same canvas and keeps its quantity,
   * threshold, zoom, pan, colour range and selected pixel (a live watch published a new snapshot).
   */
  async refresh(): Promise<void> {
    this.shown = AnalysisOutput.open(this.outputDir);
    this.setTitle();
    await this.ready;
    await this.push({ type: 'refresh', init: this.init({ outputDir: this.outputDir }) });
  }

  /**
   * The run to read from: when the one shown was replaced and removed (a newer publication, whose refresh is on
   * its way), the one shown now; reading the removed one could only fail.
   */
  private reading(): AnalysisOutput {
    if (!this.shown.current && !fs.existsSync(this.shown.runDir)) void this.refresh().catch(e => this.host.log.error(`pixel map refresh: ${(e as Error).message}`));
    return this.shown;
  }

  private setTitle(): void {
    const s = this.shown.summary;
    this.panel.title = `Pixel Map · ${s.scan.id}${s.live ? ` (live, ${s.live.files_counted} files)` : ''}`;
  }

  protected handlers(): Handlers<PixelMapApi> {
    return {
      ready: state => this.init(state),
      map: ({ quantity, threshold }) => this.mapData(quantity, threshold),
      selectPixel: ({ row, col, open }) => {
        const output = this.reading();
        if (open && output.hasFits) void this.showDiagnostics(row, col);
        return output.pixelFit(row, col);
      },
      export: ({ format, quantity, threshold, data }) => this.exportMap(format, quantity, threshold, data),
      lockRange: ({ quantity, range }) => { this.registry.lockRange(quantity, range, this); return null; },
    };
  }

  private init(state: PixelMapState): PixelMapInit {
    const output = this.reading(), s = output.summary;
    // target and gain only when the scan was analysed with a noise baseline
    const quantities: MapQuantity[] = output.hasFits
      ? ['flux', ...FIT_QUANTITIES, ...GAIN_QUANTITIES.filter(q => output.hasMap(q))] : ['flux'];
    void output.preload();
    return {
      title: s.scan.id, folder: s.dataFolder ?? path.dirname(output.dir), rows: s.shape.rows, cols: s.shape.cols,
      thresholds: s.thresholds, quantities, statusNames: [...STATUS_NAMES],
      quantity: state.quantity && quantities.includes(state.quantity) ? state.quantity : quantities.includes('mu') ? 'mu' : 'flux',
      threshold: state.threshold !== undefined && s.thresholds.includes(state.threshold) ? state.threshold : s.thresholds[0],
      lockedRanges: this.registry.lockedRanges, live: s.live ?? null,
    };
  }

  mapData(quantity: MapQuantity, threshold?: number): MapData {
    const out = this.reading(), s = out.summary;
    const thr = quantity === 'flux' ? threshold ?? s.thresholds[0] : undefined;
    const { values, errors } = quantity === 'flux' ? out.fluxMap(thr!) : { values: out.map(quantity), errors: out.map(`${quantity}_err`) };
    if (!values) throw new Error(`this result has no ${quantity} map`);
    const status = out.map('status');
    const asic = asicReference(s, quantity, thr);
    return {
      quantity, threshold: thr, values, errors, status: status && Uint8Array.from(status),
      sigmaUpper: quantity === 'sigma' ? out.map('sigma_upper') : undefined, asicValue: asic.value, asicError: asic.error, asicLabel: asic.label,
    };
  }

  /** Marks a pixel in this map (another panel or a command chose it). */
  markPixel(row: number, col: number): Thenable<boolean> {
    return this.push({ type: 'pixel', row, col, fit: this.reading().pixelFit(row, col) });
  }

  showLockedRange(quantity: MapQuantity, range: [number, number] | null): Thenable<boolean> {
    return this.push({ type: 'lockedRange', quantity, range });
  }

  private showDiagnostics(row: number, col: number): Promise<unknown> {
    return FitDiagnosticsPanel.show(this.registry, this.output.dir, row, col).catch(e => this.host.log.error(`fit diagnostics: ${(e as Error).message}`));
  }

  private async exportMap(format: 'png' | 'csv', quantity: MapQuantity, threshold: number | undefined, data: string): Promise<string | null> {
    const base = `${this.output.summary.scan.id}_${quantity}${threshold !== undefined ? `_THR_${threshold}` : ''}.${format}`;
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(path.dirname(this.output.dir), base)),
      filters: format === 'png' ? { 'PNG image': ['png'] } : { CSV: ['csv'] } });
    if (!target) return null;
    const bytes = format === 'png' ? Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64') : Buffer.from(data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`VELO: map exported to ${target.fsPath}`);
    return target.fsPath;
  }
}
