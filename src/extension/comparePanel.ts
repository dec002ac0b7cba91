// Host of the compare webview: one comparison folder written by `velo-calib compare` (compare.json, the Δ and
// significance maps) and the two scans' own maps for the scatter, histograms and hover readout.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { COMPARE_JSON_FILE, COMPARE_REPORT_FILE, COMPARED_QUANTITIES, ComparedQuantity, deltaMapFileName } from '../contract/compareFiles';
import { STATUS_NAMES } from '../contract/quantities';
import type { ScanComparison } from '../engine/campaign/compare';
import { CompareApi, CompareInit, CompareMapData, CompareState, DeltaSummary } from '../protocol';
import { AnalysisOutput, readResultMatrix } from './analysisOutput';
import type { PanelRegistry } from './panelRegistry';
import { Handlers, matrixViewHtml, webviewOptions, WebviewHost } from './webviewHost';

/** compare.json of a comparison folder (read through its published link), or undefined when there is none. */
export function readComparison(compareDir: string): ScanComparison | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(compareDir, COMPARE_JSON_FILE), 'utf8')) as ScanComparison;
  } catch {
    return undefined;
  }
}

export class ComparePanel extends WebviewHost<CompareApi, never> {
  static readonly viewType = 'veloCalib.compare';
  readonly comparison: ScanComparison;
  /** The run folder the link showed when opened: the Δ maps always match the compare.json shown. */
  private readonly runDir: string;

  static restore(registry: PanelRegistry, panel: vscode.WebviewPanel, state: CompareState): ComparePanel {
    return new ComparePanel(registry, panel, state);
  }

  /** Shows the comparison in `compareDir`; a panel already showing it is replaced (the comparison may have been re-run). */
  static async show(registry: PanelRegistry, compareDir: string): Promise<ComparePanel> {
    registry.compares.get(compareDir)?.panel.dispose();
    const panel = vscode.window.createWebviewPanel(ComparePanel.viewType, 'VELO Compare', registry.mainColumn(),
      webviewOptions(registry.host.extensionUri));
    const p = new ComparePanel(registry, panel, { compareDir });
    await p.ready;
    return p;
  }

  private constructor(registry: PanelRegistry, panel: vscode.WebviewPanel, private readonly state: CompareState) {
    super(registry.host, panel, 'compare', state);
    this.runDir = fs.realpathSync(state.compareDir);
    const c = readComparison(this.runDir);
    if (!c) throw new Error(`${state.compareDir}: no ${COMPARE_JSON_FILE}`);
    this.comparison = c;
    registry.compares.set(state.compareDir, this);
    panel.title = `Compare · ${c.b.label} − ${c.a.label}`;
    this.register({ dispose: () => { if (registry.compares.get(state.compareDir) === this) registry.compares.delete(state.compareDir); } });
  }

  protected body(): string {
    return `<div id="toolbar">
  <label>Quantity <select id="quantity"></select></label>
  <label>Show <select id="show"><option value="delta">Δ = B − A</option><option value="significance">significance Δ/√(e_A² + e_B²)</option></select></label>
  <vscode-button id="openReport" secondary>Open compare.md</vscode-button>
  <span id="title"></span>
</div>
${matrixViewHtml('deltaMap', 'Δ map', `
    <table id="numbers"></table>
    <div id="scatterBox"><canvas id="scatter" width="160" height="160" aria-label="B against A, pixel density"></canvas>
      <div id="scatterX" class="hint"></div></div>`)}
<div id="compareHist"><canvas id="histogram" aria-label="histograms of A and B"></canvas></div>
<section><h3>Conclusions</h3><ul id="compareConclusions"></ul></section>`;
  }

  protected handlers(): Handlers<CompareApi> {
    return {
      ready: state => this.init(state),
      map: ({ quantity }) => this.mapData(quantity),
      openReport: async () => {
        await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(path.join(this.state.compareDir, COMPARE_REPORT_FILE)));
        return null;
      },
    };
  }

  private init(state: CompareState): CompareInit {
    const c = this.comparison;
    const quantities = COMPARED_QUANTITIES.map(q => q.name).filter(q => c.delta[q]);
    const deltas: CompareInit['deltas'] = {};
    for (const q of quantities) deltas[q] = c.delta[q] as DeltaSummary;
    const side = (s: ScanComparison['a']) => ({ scan: s.scan, label: s.label, folder: s.dir });
    return {
      title: `${c.b.label} − ${c.a.label}`, a: side(c.a), b: side(c.b), rows: c.shape.rows, cols: c.shape.cols, okBoth: c.ok_both,
      statusNames: [...STATUS_NAMES], quantities, quantity: state.quantity && quantities.includes(state.quantity) ? state.quantity : quantities[0] ?? 'mu',
      deltas, conclusions: c.conclusions,
    };
  }

  private mapData(quantity: ComparedQuantity): CompareMapData {
    if (!this.comparison.delta[quantity]) throw new Error(`this comparison has no ${quantity}`);
    const a = AnalysisOutput.open(this.comparison.a.dir), b = AnalysisOutput.open(this.comparison.b.dir);
    const map = (o: AnalysisOutput, name: string) => {
      const m = o.map(name);
      if (!m) throw new Error(`${o.dir}: no ${name} map`);
      return m;
    };
    return {
      quantity, delta: readResultMatrix(path.join(this.runDir, deltaMapFileName(quantity))),
      significance: readResultMatrix(path.join(this.runDir, deltaMapFileName(quantity, true))),
      a: map(a, quantity), aErr: map(a, `${quantity}_err`), b: map(b, quantity), bErr: map(b, `${quantity}_err`),
      statusA: Uint8Array.from(map(a, 'status')), statusB: Uint8Array.from(map(b, 'status')),
    };
  }
}
