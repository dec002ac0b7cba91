// Which analysed scan a command is about: the one given (tree node, output folder), else the only one, else the
// user's choice in a quick pick that lists the scans used last first. Commands never guess among several scans.
import * as path from 'path';
import * as vscode from 'vscode';
import { readSummary, storedResults } from './analysisResults';
import type { PanelRegistry } from './panelRegistry';
import type { ScanTreeProvider } from './scanTree';
import { analyseOptionsFromSettings } from './settings';

export interface ScanChoice { dir: string; scanId: string; folder: string }

export class ScanChooser {
  constructor(private readonly registry: PanelRegistry, private readonly tree: ScanTreeProvider) {}

  /** The output folder a command `arg` names: an output folder path or a tree node with a result. */
  static given(arg: unknown): string | undefined {
    if (typeof arg === 'string' && readSummary(arg)) return arg;
    const node = arg as { result?: { outputDir?: string } } | undefined;
    return node?.result?.outputDir;
  }

  /** The output folder to act on; asks with `title` when several scans are analysed. */
  async choose(arg: unknown, title: string, among?: string[]): Promise<string | undefined> {
    const given = ScanChooser.given(arg);
    if (given) return given;
    const choices = among ? among.flatMap(dir => this.describe(dir)) : await this.analysed();
    if (choices.length === 0) {
      void vscode.window.showWarningMessage('VELO: no analysed scan yet. Run "VELO: Analyse Folder…" first.');
      return undefined;
    }
    if (choices.length === 1) return choices[0].dir;
    const rank = (dir: string) => { const i = this.registry.recentDirs.indexOf(dir); return i < 0 ? Infinity : i; };
    choices.sort((a, b) => rank(a.dir) - rank(b.dir) || a.scanId.localeCompare(b.scanId));
    const items = choices.map((c, i) => ({
      label: c.scanId, description: vscode.workspace.asRelativePath(c.folder), detail: i === 0 && rank(c.dir) < Infinity ? 'last used' : undefined, dir: c.dir,
    }));
    const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'Which scan?', matchOnDescription: true });
    return pick?.dir;
  }

  private describe(dir: string): ScanChoice[] {
    const s = readSummary(dir);
    return s ? [{ dir, scanId: s.scan.id, folder: s.dataFolder ?? path.dirname(dir) }] : [];
  }

  /** Every analysed scan of the workspace's data folders, plus any scan opened from elsewhere. */
  async analysed(): Promise<ScanChoice[]> {
    const found = (await this.tree.dataFolders()).flatMap(f => storedResults(analyseOptionsFromSettings(f)))
      .map(r => ({ dir: r.outputDir, scanId: r.scan.id, folder: r.scan.folder }));
    const known = new Set(found.map(c => c.dir));
    return [...found, ...this.registry.recentDirs.filter(d => !known.has(d)).flatMap(d => this.describe(d))];
  }
}
