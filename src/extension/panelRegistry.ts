// The one owner of every open panel (disposed with the extension context): map panels by output folder, ONE
// Fit Diagnostics panel that follows the maps, overviews by output folder, compare panels by comparison folder,
// the colour ranges locked per quantity, and the scans used last (the quick pick offers them first). Serializers restore panels after a window reload
// from the state their webview saved.
import * as path from 'path';
import * as vscode from 'vscode';
import { CompareState, MapQuantity } from '../protocol';
import { AsicOverviewPanel } from './asicOverviewPanel';
import type { CampaignPanel } from './campaignPanel';
import { ComparePanel, readComparison } from './comparePanel';
import { FitDiagnosticsPanel } from './fitDiagnosticsPanel';
import { PixelMapPanel } from './pixelMapPanel';
import { readSummary } from './analysisResults';
import { HostContext } from './webviewHost';

export class PanelRegistry implements vscode.Disposable {
  readonly maps = new Map<string, PixelMapPanel>();
  readonly overviews = new Map<string, AsicOverviewPanel>();
  /** Campaign panels by root folder (their serializer is registered with the Collect Campaign command). */
  readonly campaigns = new Map<string, CampaignPanel>();
  /** Compare panels by comparison folder. */
  readonly compares = new Map<string, ComparePanel>();
  diagnostics: FitDiagnosticsPanel | undefined;
  readonly lockedRanges: Partial<Record<MapQuantity, [number, number]>> = {};
  /** Output folders, most recently used first. */
  readonly recentDirs: string[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly host: HostContext) {}

  registerSerializers(): vscode.Disposable[] {
    const restore = (fn: (panel: vscode.WebviewPanel, state: { outputDir: string }) => void): vscode.WebviewPanelSerializer => ({
      deserializeWebviewPanel: async (panel, state: { outputDir?: string } | undefined) => {
        if (!state?.outputDir || !readSummary(state.outputDir)) { panel.dispose(); return; }
        fn(panel, state as { outputDir: string });
      },
    });
    return [
      vscode.window.registerWebviewPanelSerializer(PixelMapPanel.viewType, restore((panel, state) => PixelMapPanel.restore(this, panel, state))),
      vscode.window.registerWebviewPanelSerializer(FitDiagnosticsPanel.viewType,
        restore((panel, state) => FitDiagnosticsPanel.restore(this, panel, state as never))),
      vscode.window.registerWebviewPanelSerializer(AsicOverviewPanel.viewType, restore((panel, state) => AsicOverviewPanel.restore(this, panel, state))),
      vscode.window.registerWebviewPanelSerializer(ComparePanel.viewType, {
        deserializeWebviewPanel: async (panel, state: CompareState | undefined) => {
          if (!state?.compareDir || !readComparison(state.compareDir)) { panel.dispose(); return; }
          ComparePanel.restore(this, panel, state);
        },
      }),
    ];
  }

  /** Remembers `dir` as the scan used last. */
  used(dir: string): void {
    const i = this.recentDirs.indexOf(dir);
    if (i >= 0) this.recentDirs.splice(i, 1);
    this.recentDirs.unshift(dir);
  }

  /** Where a map or overview opens: beside the other maps and overviews, else the active group (never a new group). */
  mainColumn(): vscode.ViewColumn {
    const open = [...this.maps.values(), ...this.overviews.values()].find(p => p.panel.viewColumn !== undefined);
    return open?.panel.viewColumn ?? vscode.ViewColumn.Active;
  }

  /** Fit Diagnostics opens once beside the maps, then stays where the user put it. */
  diagnosticsColumn(): vscode.ViewColumn {
    const main = this.mainColumn();
    return this.diagnostics?.panel.viewColumn ?? (main === vscode.ViewColumn.Active ? vscode.ViewColumn.Beside : main + 1);
  }

  /** Tells every map panel of the quantity's locked colour range (null: automatic again). */
  lockRange(quantity: MapQuantity, range: [number, number] | null, from?: PixelMapPanel): void {
    if (range) this.lockedRanges[quantity] = range; else delete this.lockedRanges[quantity];
    for (const p of this.maps.values()) if (p !== from) void p.showLockedRange(quantity, range);
  }

  /**
   * `outputDir` was published anew by a live watch: every open panel of it (maps, overview, diagnostics) redraws
   * from the new run in place, keeping what the user chose (quantity, threshold, zoom, range, pixel).
   */
  async refresh(outputDir: string): Promise<void> {
    const same = (dir: string) => path.resolve(dir) === path.resolve(outputDir);
    const panels = [...this.maps.values(), ...this.overviews.values(), this.diagnostics].filter(p => p && same(p.outputDir));
    await Promise.all(panels.map(p => p!.refresh().catch(e => this.host.log.error(`refresh of ${p!.panel.title}: ${(e as Error).message}`))));
  }

  track(d: vscode.Disposable): void { this.disposables.push(d); }

  dispose(): void {
    for (const p of [...this.maps.values(), ...this.overviews.values(), ...this.compares.values(), ...this.campaigns.values(), this.diagnostics]) p?.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
