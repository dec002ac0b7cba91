// Host of the pixel-map webview: reads result maps from an output folder and sends them as typed arrays.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { FromPixelMapMessage, MapQuantity, PixelFitRow, ToPixelMapMessage } from '../protocol';

const VIEW_TYPE = 'veloCalib.pixelMap';
const STATUS_NAMES = ['ok', 'masked', 'dead', 'failed', 'bad-fit', 'too-few-points'];
const MAP_FILE: Partial<Record<MapQuantity, string>> = {
  mu: 'map_mu.csv', sigma: 'map_sigma.csv', amplitude: 'map_amplitude.csv', slope: 'map_slope.csv',
  chi2_ndf: 'map_chi2_ndf.csv', pvalue: 'map_pvalue.csv', status: 'map_status.csv', delta_deviance: 'map_delta_deviance.csv',
};

/** Reads a CSV matrix written by the engine (numbers and `nan`). */
export function readResultMatrix(file: string): Float64Array {
  const text = fs.readFileSync(file, 'latin1');
  const cells = text.trim().split(/[\n,]/);
  return Float64Array.from(cells, c => (c === 'nan' ? NaN : Number(c)));
}

interface PanelState { outputDir: string; quantity?: MapQuantity; threshold?: number; pixel?: [number, number] }

export class PixelMapPanel {
  private static panels = new Map<string, PixelMapPanel>();
  private readonly summary: { scan: { id: string }; shape: { rows: number; cols: number }; thresholds: number[]; per_threshold: Array<{ threshold: number; asic_flux: number | null }>; fit?: { asic: { params: Record<string, number | null>; per_pixel_amplitude: number | null } } };
  private fitRows: string[] | undefined;
  /** Timing reported by the webview (map draw), for tests and the log. */
  lastDrawMs: Partial<Record<MapQuantity, number>> = {};
  private readyResolve!: () => void;
  readonly ready = new Promise<void>(r => { this.readyResolve = r; });

  static register(context: vscode.ExtensionContext): void {
    context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined) {
        if (!state?.outputDir || !fs.existsSync(path.join(state.outputDir, 'summary.json'))) { panel.dispose(); return; }
        new PixelMapPanel(context, panel, state.outputDir, state);
      },
    }));
  }

  static async show(context: vscode.ExtensionContext, outputDir: string, initial: Omit<PanelState, 'outputDir'> = {}): Promise<PixelMapPanel> {
    let p = PixelMapPanel.panels.get(outputDir);
    if (p) {
      p.panel.reveal(vscode.ViewColumn.Beside);
      await p.ready;
      if (initial.quantity) await p.sendMap(initial.quantity, initial.threshold);
      if (initial.pixel) p.sendPixel(initial.pixel[0], initial.pixel[1]);
      return p;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'VELO Pixel Map', vscode.ViewColumn.Beside, {
      enableScripts: true, retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    });
    p = new PixelMapPanel(context, panel, outputDir, initial);
    await p.ready;
    return p;
  }

  private constructor(private readonly context: vscode.ExtensionContext, readonly panel: vscode.WebviewPanel, readonly outputDir: string,
    private readonly initial: Omit<PanelState, 'outputDir'>) {
    this.summary = JSON.parse(fs.readFileSync(path.join(outputDir, 'summary.json'), 'utf8'));
    PixelMapPanel.panels.set(outputDir, this);
    panel.title = `Pixel Map · ${this.summary.scan.id}`;
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')] };
    panel.webview.html = this.html();
    panel.onDidDispose(() => PixelMapPanel.panels.delete(outputDir));
    panel.webview.onDidReceiveMessage((m: FromPixelMapMessage) => this.onMessage(m));
  }

  private post(m: ToPixelMapMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  private async onMessage(m: FromPixelMapMessage): Promise<void> {
    switch (m.type) {
      case 'ready': {
        const hasFits = fs.existsSync(path.join(this.outputDir, 'pixel_fits.csv'));
        const quantities: MapQuantity[] = hasFits ? ['flux', 'mu', 'sigma', 'amplitude', 'slope', 'chi2_ndf', 'pvalue', 'status', 'delta_deviance'] : ['flux'];
        const quantity = this.initial.quantity ?? (hasFits ? 'mu' : 'flux');
        const threshold = this.initial.threshold ?? this.summary.thresholds[0];
        await this.post({ type: 'init', title: this.summary.scan.id, rows: this.summary.shape.rows, cols: this.summary.shape.cols,
          thresholds: this.summary.thresholds, quantities, statusNames: STATUS_NAMES, initial: { quantity, threshold, pixel: this.initial.pixel } });
        await this.sendMap(quantity, threshold);
        if (this.initial.pixel) this.sendPixel(this.initial.pixel[0], this.initial.pixel[1]);
        this.readyResolve();
        break;
      }
      case 'requestMap': await this.sendMap(m.quantity, m.threshold); break;
      case 'selectPixel': this.sendPixel(m.row, m.col); break;
      case 'drawn': this.lastDrawMs[m.quantity] = m.milliseconds; break;
    }
  }

  async sendMap(quantity: MapQuantity, threshold?: number): Promise<void> {
    const id = this.summary.scan.id;
    let values: Float64Array, errors: Float64Array | undefined, asicValue: number | null = null;
    if (quantity === 'flux') {
      const thr = threshold ?? this.summary.thresholds[0];
      values = readResultMatrix(path.join(this.outputDir, `Fluxperpixel_${id}_THR_${thr}.csv`));
      errors = readResultMatrix(path.join(this.outputDir, `UncertaintyFluxperpixel_${id}_THR_${thr}.csv`));
      const asic = this.summary.per_threshold.find(t => t.threshold === thr)?.asic_flux ?? null;
      const unmasked = values.reduce((n, v) => n + (Number.isNaN(v) ? 0 : 1), 0);
      asicValue = asic !== null && unmasked ? asic / unmasked : null; // mean flux per pixel
    } else {
      values = readResultMatrix(path.join(this.outputDir, MAP_FILE[quantity]!));
      const errFile = path.join(this.outputDir, `map_${quantity}_err.csv`);
      if (fs.existsSync(errFile)) errors = readResultMatrix(errFile);
      const p = this.summary.fit?.asic.params;
      if (p && quantity === 'amplitude') asicValue = this.summary.fit!.asic.per_pixel_amplitude;
      else if (p && (quantity === 'mu' || quantity === 'sigma')) asicValue = p[quantity] ?? null;
    }
    const statusFile = path.join(this.outputDir, 'map_status.csv');
    const status = fs.existsSync(statusFile) ? Uint8Array.from(readResultMatrix(statusFile)) : undefined;
    await this.post({ type: 'map', quantity, threshold, values, errors, status, asicValue });
  }

  /** The pixel's row of pixel_fits.csv (read once, lazily). */
  pixelFit(row: number, col: number): PixelFitRow | null {
    const file = path.join(this.outputDir, 'pixel_fits.csv');
    if (!fs.existsSync(file)) return null;
    this.fitRows ??= fs.readFileSync(file, 'utf8').trim().split('\n');
    const header = this.fitRows[0].split(',');
    const line = this.fitRows[1 + row * this.summary.shape.cols + col];
    if (!line) return null;
    const cells = line.split(',');
    const values: Record<string, number | null> = {};
    header.forEach((h, i) => { if (h !== 'status') values[h] = cells[i] === 'nan' ? null : Number(cells[i]); });
    return { status: cells[2], values };
  }

  sendPixel(row: number, col: number): void {
    void this.post({ type: 'pixel', row, col, fit: this.pixelFit(row, col) });
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview', 'pixelMap.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', 'pixelMap.css'));
    const state = JSON.stringify({ outputDir: this.outputDir }).replace(/</g, '\\u003c');
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data: blob:; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${style}" rel="stylesheet"><title>VELO Pixel Map</title></head>
<body>
<div id="toolbar">
  <label>Quantity <select id="quantity"></select></label>
  <label id="thresholdLabel">Threshold <select id="threshold"></select></label>
  <label>Scale <select id="scale"><option value="lin">linear</option><option value="log">log</option></select></label>
  <span id="title"></span>
</div>
<div id="main">
  <canvas id="map" width="256" height="256" aria-label="pixel map"></canvas>
  <div id="side">
    <div id="colorbar"><canvas id="bar" width="16" height="256"></canvas><div id="barLabels"><span id="barMax"></span><span id="barMin"></span></div></div>
    <div id="readout" role="status">hover a pixel</div>
    <div id="asic"></div>
    <table id="pixelTable"></table>
  </div>
</div>
<script nonce="${nonce}">window.veloState = ${state};</script>
<script nonce="${nonce}" src="${script}"></script>
</body></html>`;
  }
}
