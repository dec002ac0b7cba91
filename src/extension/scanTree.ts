// "VELO Scans" tree: data folders → scans → thresholds → acquisitions, with analysis results once available.
import * as path from 'path';
import * as vscode from 'vscode';
import { Scan, ThresholdFiles } from '../engine/scanFiles';
import { scanStates, StoredResult } from './analysisResults';
import { analyseOptionsFromSettings } from './settings';

export type ScanTreeNode =
  | { kind: 'folder'; folder: string }
  | { kind: 'scan'; folder: string; scan: Scan; result?: StoredResult }
  | { kind: 'threshold'; folder: string; scan: Scan; thresholds: ThresholdFiles; result?: StoredResult }
  | { kind: 'acquisition'; file: string; name: string; acquisition: number; bad: boolean; skipReason?: string };

const SCAN_GLOB = '**/*_THR_*_*.csv';
// results are never data: the default output link, and every result store (hidden `.<output>.runs/` run folders)
const EXCLUDE_GLOB = '**/{node_modules,velo-calib,.git,.*.runs}/**';

function formatFlux(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return v >= 1000 || v < 0.01 ? v.toExponential(2) : v.toPrecision(3);
}

/** Why an acquisition was left out (summary.json `bad_acquisitions` reasons, `excluded_acquisitions`). */
const SKIP_REASON_TEXT: Record<string, string> = {
  'noisy-last-columns': 'noisy last columns', empty: 'empty acquisition', 'count-outlier': 'total count inconsistent with the other acquisitions',
  excluded: 'excluded by hand (veloCalib.exclude)',
};

export class ScanTreeProvider implements vscode.TreeDataProvider<ScanTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ScanTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private folders: Promise<string[]> | undefined;

  constructor() {
    // A scan still being taken: new files appear; refresh at most every 500 ms.
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{csv,json}');
    const poke = () => this.scheduleRefresh();
    this.disposables.push(watcher, watcher.onDidCreate(poke), watcher.onDidDelete(poke), watcher.onDidChange(poke),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('veloCalib')) this.refresh(); }));
  }

  scheduleRefresh(delayMs = 500): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; this.refresh(); }, delayMs);
  }

  refresh(): void {
    this.folders = undefined;
    this.changed.fire(undefined);
  }

  /** Folders of the workspace that hold scan files. */
  dataFolders(): Promise<string[]> {
    this.folders ??= (async () => {
      const files = await vscode.workspace.findFiles(SCAN_GLOB, EXCLUDE_GLOB, 100000);
      return [...new Set(files.map(f => path.dirname(f.fsPath)))].sort();
    })();
    return this.folders;
  }

  async getChildren(node?: ScanTreeNode): Promise<ScanTreeNode[]> {
    if (!node) return (await this.dataFolders()).map(folder => ({ kind: 'folder', folder }));
    switch (node.kind) {
      case 'folder': {
        return scanStates(analyseOptionsFromSettings(node.folder)).map(({ scan, result }) => ({ kind: 'scan', folder: node.folder, scan, result }));
      }
      case 'scan':
        return node.scan.thresholds.map(thresholds => ({ kind: 'threshold', folder: node.folder, scan: node.scan, thresholds, result: node.result }));
      case 'threshold': {
        const summary = node.result?.summary, thr = node.thresholds.threshold;
        const skipped = new Map<number, string>();
        for (const [t, a, reason] of summary?.bad_acquisitions ?? []) if (t === thr) skipped.set(a, SKIP_REASON_TEXT[reason ?? 'noisy-last-columns'] ?? reason!);
        for (const [t, a] of summary?.excluded_acquisitions ?? []) if (t === thr) skipped.set(a, SKIP_REASON_TEXT.excluded);
        return node.thresholds.acquisitions.map(a => ({
          kind: 'acquisition', file: a.path, name: a.name, acquisition: a.acquisition, bad: skipped.has(a.acquisition), skipReason: skipped.get(a.acquisition),
        }));
      }
      default:
        return [];
    }
  }

  getTreeItem(node: ScanTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const ws = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(node.folder));
        const label = ws ? path.relative(ws.uri.fsPath, node.folder) || ws.name : node.folder;
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
        item.resourceUri = vscode.Uri.file(node.folder);
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'dataFolder';
        item.tooltip = node.folder;
        return item;
      }
      case 'scan': {
        const s = node.scan;
        const nAcq = s.thresholds.reduce((n, t) => n + t.acquisitions.length, 0);
        const item = new vscode.TreeItem(s.prefix.replace(/_+$/, '') || s.id, vscode.TreeItemCollapsibleState.Collapsed);
        const state = node.result ? (node.result.upToDate ? 'analysed' : 'analysis out of date') : 'not analysed';
        item.description = `${s.shutterText} · ${s.thresholds.length} thresholds · ${nAcq} acquisitions · ${state}`;
        // File names are untrusted: they enter the tooltip as text, never as markdown.
        const tooltip = new vscode.MarkdownString();
        tooltip.appendText(s.id).appendMarkdown('\n\n').appendText(`shutter ${s.shutterSeconds} s, thresholds ${s.thresholds[0]?.threshold}–${s.thresholds[s.thresholds.length - 1]?.threshold}`);
        if (s.missing.length) tooltip.appendMarkdown('\n\n').appendText(`${s.missing.length} missing acquisitions`);
        for (const c of node.result?.summary.heterogeneity?.conclusions ?? []) tooltip.appendMarkdown('\n\n').appendText(c);
        item.tooltip = tooltip;
        item.iconPath = new vscode.ThemeIcon(node.result?.upToDate ? 'pass' : 'beaker');
        item.contextValue = 'scan';
        item.id = `scan:${node.folder}:${s.id}`;
        return item;
      }
      case 'threshold': {
        const t = node.thresholds;
        const summary = node.result?.summary.per_threshold.find(p => p.threshold === t.threshold);
        const item = new vscode.TreeItem(`THR ${t.threshold}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `thr:${node.folder}:${node.scan.id}:${t.threshold}`;
        if (summary) {
          item.description = `${summary.good} good / ${summary.bad} bad${summary.failed ? ` / ${summary.failed} unreadable` : ''}${summary.excluded ? ` / ${summary.excluded} excluded` : ''} · ${formatFlux(summary.asic_flux)} Hz`;
          item.iconPath = summary.all_bad ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon('pulse');
          item.tooltip = summary.all_bad ? 'Every acquisition at this threshold is bad: flux is NaN' : `ASIC flux ${formatFlux(summary.asic_flux)} ± ${formatFlux(summary.asic_flux_error)} Hz`;
          item.command = { command: 'veloCalib.openThresholdMap', title: 'Open Threshold Flux Map', arguments: [node.folder, node.scan.id, t.threshold] };
        } else {
          item.description = `${t.acquisitions.length} acquisitions`;
          item.iconPath = new vscode.ThemeIcon('circle-outline');
        }
        item.contextValue = summary?.all_bad ? 'thresholdAllBad' : 'threshold';
        return item;
      }
      case 'acquisition': {
        const item = new vscode.TreeItem(`#${node.acquisition}`, vscode.TreeItemCollapsibleState.None);
        item.description = node.bad ? `skipped (${node.skipReason})` : node.name;
        if (node.bad) item.tooltip = `${node.name}\nskipped: ${node.skipReason}`;
        item.resourceUri = vscode.Uri.file(node.file);
        item.iconPath = node.bad ? new vscode.ThemeIcon('error') : vscode.ThemeIcon.File;
        item.command = { command: 'vscode.open', title: 'Open Acquisition', arguments: [vscode.Uri.file(node.file)] };
        item.contextValue = 'acquisition';
        return item;
      }
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
