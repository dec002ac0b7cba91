// Host of the ONE fit-diagnostics panel: one pixel's counts, fit and the ASIC curve scaled to it. It follows the
// maps (a pixel chosen in any map, of any scan, is shown here) and moves their marker when it steps to a neighbour.
import * as vscode from 'vscode';
import { DiagnosticsApi, DiagnosticsInit, DiagnosticsPush, DiagnosticsState } from '../protocol';
import { AnalysisOutput } from './analysisOutput';
import type { PanelRegistry } from './panelRegistry';
import { PixelMapPanel } from './pixelMapPanel';
import { Handlers, webviewOptions, WebviewHost } from './webviewHost';

export class FitDiagnosticsPanel extends WebviewHost<DiagnosticsApi, DiagnosticsPush> {
  static readonly viewType = 'veloCalib.fitDiagnostics';
  private state: DiagnosticsState;

  static restore(registry: PanelRegistry, panel: vscode.WebviewPanel, state: DiagnosticsState): FitDiagnosticsPanel {
    const row = Number.isInteger(state.row) ? state.row : 0, col = Number.isInteger(state.col) ? state.col : 0;
    return new FitDiagnosticsPanel(registry, panel, { outputDir: state.outputDir, row, col });
  }

  /**
   * Shows pixel (row, col) of `outputDir` in the one diagnostics panel (created on first use). It never covers the
   * map it serves: when it sits in the map's editor group it moves beside it.
   */
  static async show(registry: PanelRegistry, outputDir: string, row: number, col: number): Promise<FitDiagnosticsPanel> {
    registry.used(outputDir);
    const existing = registry.diagnostics;
    if (existing) {
      await existing.ready;
      await existing.showPixel(outputDir, row, col);
      const mapColumn = registry.maps.get(outputDir)?.panel.viewColumn;
      if (mapColumn !== undefined && existing.panel.viewColumn === mapColumn) existing.panel.reveal(mapColumn + 1, true);
      else if (!existing.panel.visible) existing.panel.reveal(existing.panel.viewColumn, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(FitDiagnosticsPanel.viewType, 'VELO Fit Diagnostics',
      { viewColumn: registry.diagnosticsColumn(), preserveFocus: true }, webviewOptions(registry.host.extensionUri));
    const p = new FitDiagnosticsPanel(registry, panel, { outputDir, row, col });
    await p.ready;
    return p;
  }

  private constructor(private readonly registry: PanelRegistry, panel: vscode.WebviewPanel, state: DiagnosticsState) {
    super(registry.host, panel, 'fitDiagnostics', state);
    this.state = state;
    registry.diagnostics?.panel.dispose();
    registry.diagnostics = this;
    this.setTitle();
    this.register({ dispose: () => { if (registry.diagnostics === this) registry.diagnostics = undefined; } });
  }

  protected body(): string {
    return `<div id="toolbar"><span id="title"></span>
  <span class="hint">← ↑ → ↓ neighbouring pixel · P pin for overlay · C clear pins</span>
  <vscode-button id="pin" secondary>Pin</vscode-button><vscode-button id="clearPins" secondary>Clear pins</vscode-button>
  <vscode-button id="openInMap" secondary>Show in map</vscode-button></div>
<div id="charts"><div class="chartBox"><canvas id="curve" aria-label="flux vs threshold"></canvas></div>
<div class="chartBox small"><canvas id="pulls" aria-label="pulls"></canvas></div></div>
<table id="params"></table>`;
  }

  protected handlers(): Handlers<DiagnosticsApi> {
    return {
      ready: state => {
        if (state?.outputDir) this.state = { outputDir: state.outputDir, row: state.row, col: state.col };
        return this.init();
      },
      pixel: ({ row, col, pin }) => {
        const curve = AnalysisOutput.open(this.state.outputDir).pixelCurve(row, col);
        if (!pin) {
          this.state = { ...this.state, row, col };
          this.setTitle();
          void this.registry.maps.get(this.state.outputDir)?.markPixel(row, col);
        }
        return curve;
      },
      openInMap: async ({ row, col }) => { await PixelMapPanel.show(this.registry, this.state.outputDir, { pixel: [row, col] }); return null; },
    };
  }

  private init(): DiagnosticsInit {
    const output = AnalysisOutput.open(this.state.outputDir), s = output.summary;
    this.setTitle();
    return { outputDir: output.dir, title: s.scan.id, rows: s.shape.rows, cols: s.shape.cols, asic: output.asicCurve(),
      curve: output.pixelCurve(this.state.row, this.state.col) };
  }

  /** The output folder whose pixel is shown. */
  get outputDir(): string { return this.state.outputDir; }

  /** The same pixel (and pins) from the run `outputDir` shows now, redrawn in place (a live watch published anew). */
  async refresh(): Promise<void> {
    await this.ready;
    await this.push({ type: 'refresh', init: this.init() });
  }

  private async showPixel(outputDir: string, row: number, col: number): Promise<void> {
    this.state = { outputDir, row, col };
    await this.push({ type: 'show', init: this.init() });
  }

  private setTitle(): void {
    this.panel.title = `Fit · pixel (${this.state.row}, ${this.state.col})`;
  }
}
