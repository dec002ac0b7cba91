// Host of the per-pixel fit-diagnostics webview: one pixel's counts, fit and the ASIC curve scaled to it.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { FromDiagnosticsMessage, ToDiagnosticsMessage } from '../protocol';
import { AnalysisOutput } from './analysisOutput';
import { webviewOptions, WebviewHost } from './webviewHost';

const VIEW_TYPE = 'veloCalib.fitDiagnostics';

interface DiagnosticsState { outputDir: string; row: number; col: number }

export class FitDiagnosticsPanel extends WebviewHost<ToDiagnosticsMessage, FromDiagnosticsMessage> {
  private static current: FitDiagnosticsPanel | undefined;
  readonly output: AnalysisOutput;
  /** The pixel on display (for tests and the serializer). */
  pixel: [number, number];

  static register(context: vscode.ExtensionContext): void {
    context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: DiagnosticsState | undefined) {
        if (!state?.outputDir || !fs.existsSync(path.join(state.outputDir, 'summary.json'))) { panel.dispose(); return; }
        FitDiagnosticsPanel.current = new FitDiagnosticsPanel(context, panel, state);
      },
    }));
  }

  static async show(context: vscode.ExtensionContext, outputDir: string, row: number, col: number): Promise<FitDiagnosticsPanel> {
    let p = FitDiagnosticsPanel.current;
    if (p && (p.output.dir !== outputDir || !p.output.current)) { p.panel.dispose(); p = undefined; }
    if (p) {
      await p.ready;
      p.sendPixel(row, col, false);
      p.panel.reveal(undefined, true);
      return p;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'VELO Fit Diagnostics', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(context.extensionUri));
    p = FitDiagnosticsPanel.current = new FitDiagnosticsPanel(context, panel, { outputDir, row, col });
    await p.ready;
    return p;
  }

  private constructor(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, state: DiagnosticsState) {
    super(context.extensionUri, panel, 'fitDiagnostics', { outputDir: state.outputDir });
    this.output = new AnalysisOutput(state.outputDir);
    this.pixel = [state.row, state.col];
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'velo.svg');
    this.register({ dispose: () => { if (FitDiagnosticsPanel.current === this) FitDiagnosticsPanel.current = undefined; } });
  }

  protected body(): string {
    return `<div id="toolbar"><span id="title"></span>
  <span class="hint">← ↑ → ↓ neighbouring pixel · P pin for overlay · C clear pins</span>
  <vscode-button id="pin" secondary>Pin</vscode-button><vscode-button id="clearPins" secondary>Clear pins</vscode-button></div>
<div id="charts"><div class="chartBox"><canvas id="curve" aria-label="flux vs threshold"></canvas></div>
<div class="chartBox small"><canvas id="pulls" aria-label="pulls"></canvas></div></div>
<table id="params"></table>`;
  }

  protected async onReady(): Promise<void> {
    const s = this.output.summary;
    await this.post({ type: 'init', title: s.scan.id, rows: s.shape.rows, cols: s.shape.cols, asic: this.output.asicCurve() });
    this.sendPixel(this.pixel[0], this.pixel[1], false);
  }

  protected async onMessage(m: FromDiagnosticsMessage): Promise<void> {
    if (m.type === 'requestPixel') this.sendPixel(m.row, m.col, m.pin);
  }

  sendPixel(row: number, col: number, pin: boolean): void {
    const { rows, cols } = this.output.summary.shape;
    if (row < 0 || col < 0 || row >= rows || col >= cols) return;
    if (!pin) this.pixel = [row, col];
    this.panel.title = `Fit · pixel (${row}, ${col})`;
    void this.post({ type: 'pixel', curve: this.output.pixelCurve(row, col), pin });
  }
}
