// "VELO Scans" tree: [module →] [ASIC →] data folders → scans → thresholds → acquisitions, with analysis results once
// available and each scan's progress while its folder analyses (grouping rule: scanGroups.ts).
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { formatNumber, formatWithError } from '../contract/format';
import { isHiddenEntry, OUTPUT_FOLDER_NAME, SUMMARY_FILE } from '../contract/outputFiles';
import { SKIP_REASON_TEXT, skippedAcquisitions } from '../contract/summary';
import { Scan, ThresholdFiles } from '../engine/scanFiles';
import { scanStates, StoredResult } from './analysisResults';
import { conditionText, groupScans, ScanGrouping } from './scanGroups';
import { analyseOptionsFromSettings } from './settings';

export type ScanTreeNode =
  | { kind: 'group'; level: 'module' | 'asic'; label: string; key: string; children: ScanTreeNode[] }
  /** `scanIds`: below a module/ASIC group, only those scans of the folder. */
  | { kind: 'folder'; folder: string; key?: string; scanIds?: string[] }
  | { kind: 'scan'; folder: string; scan: Scan; result?: StoredResult }
  | { kind: 'threshold'; folder: string; scan: Scan; thresholds: ThresholdFiles; result?: StoredResult }
  | { kind: 'acquisition'; file: string; name: string; acquisition: number;
      /** Why the analysis left this file out (bad, excluded, unreadable), when it did. */
      skipped?: string };

const SCAN_GLOB = '**/*_THR_*_*.csv';
const EXCLUDE_GLOB = `**/{node_modules,${OUTPUT_FOLDER_NAME},.*}/**`;

/** True for files the engine writes (its output folders, staging and versioned hidden folders): not scan data. */
export function isEngineOutput(file: string): boolean {
  const parts = file.split(/[\\/]/);
  if (parts.slice(0, -1).some(p => p === OUTPUT_FOLDER_NAME || isHiddenEntry(p))) return true;
  const dir = path.dirname(file);
  return fs.existsSync(path.join(dir, SUMMARY_FILE)) || fs.existsSync(path.join(path.dirname(dir), SUMMARY_FILE));
}

const scanKey = (folder: string, scanId: string) => `${path.resolve(folder)}\n${scanId}`;

function countScans(node: ScanTreeNode): number {
  if (node.kind === 'scan') return 1;
  if (node.kind === 'folder') return node.scanIds?.length ?? 0;
  return node.kind === 'group' ? node.children.reduce((n, c) => n + countScans(c), 0) : 0;
}

/** Why each acquisition of a threshold was left out: acquisition → reason. */
function skippedAt(result: StoredResult | undefined, threshold: number): Map<number, string> {
  const out = new Map<number, string>();
  if (!result) return out;
  for (const a of skippedAcquisitions(result.summary)) if (a.threshold === threshold) out.set(a.acquisition, SKIP_REASON_TEXT[a.reason]);
  for (const f of result.summary.skipped_files ?? []) {
    if (f.threshold === threshold) out.set(f.acquisition, `unreadable: ${f.reason}${f.line ? ` (line ${f.line}${f.column ? `, column ${f.column}` : ''})` : ''}`);
  }
  return out;
}

/** Which noise baseline the scan's result used (plain text: the file name is untrusted), when it was fitted. */
export function baselineText(result: StoredResult | undefined): string | undefined {
  if (!result?.summary.fit) return undefined;
  const b = result.summary.gain?.baseline;
  if (!b) return 'no noise baseline: no gain (veloCalib.baselineFile, or a *Noise*/*Baseline* file naming the ASIC)';
  const width = b.width_file ? `, width ${path.basename(b.width_file)}` : '';
  return `baseline ${path.basename(b.file)} (${b.source === 'auto' ? 'found in the data folder' : 'chosen'})${width}`;
}

export class ScanTreeProvider implements vscode.TreeDataProvider<ScanTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ScanTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private folders: Promise<string[]> | undefined;
  /** What each scan's row shows while something runs on it, by folder and scan id: an analysis's progress
   *  ("fitting 40 %") or a live watch's status (`live`). */
  private readonly rowStatus = new Map<string, { text: string; live: boolean }>();
  /** Folders a live watch follows (resolved paths): their scan rows are `scanLive` (a stop button, no analyse/watch). */
  private readonly watchedFolders = new Set<string>();
  /** The scan nodes last shown, by the same key (a status change redraws just that row). */
  private readonly scanNodes = new Map<string, ScanTreeNode>();
  private readonly dirtyScans = new Set<ScanTreeNode>();
  private rowTimer: NodeJS.Timeout | undefined;

  constructor() {
    // A scan still being taken: new files appear; refresh at most every 500 ms.
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{csv,json}');
    const poke = (uri: vscode.Uri) => { if (!isEngineOutput(uri.fsPath)) this.scheduleRefresh(); };
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

  /** Marks `folder`'s row and every scan row of it as live-watched (or no longer: back to its stored state and menus). */
  setWatched(folder: string, watched: boolean): void {
    const key = path.resolve(folder);
    if (watched) this.watchedFolders.add(key);
    else {
      this.watchedFolders.delete(key);
      this.clearProgress(folder);
    }
    this.refresh();
  }

  private isWatched(folder: string): boolean {
    return this.watchedFolders.has(path.resolve(folder));
  }

  /** Shows a live watch's status on the scan's row. */
  setLiveStatus(folder: string, scanId: string, text: string): void {
    this.setRowStatus(folder, scanId, { text, live: true });
  }

  /** Folders of the workspace that hold scan files. */
  dataFolders(): Promise<string[]> {
    this.folders ??= (async () => {
      const files = await vscode.workspace.findFiles(SCAN_GLOB, EXCLUDE_GLOB, 100000);
      return [...new Set(files.map(f => path.dirname(f.fsPath)))].sort();
    })();
    return this.folders;
  }

  /** Shows `text` as the scan's state while its folder analyses (undefined: back to its stored state). */
  setScanProgress(folder: string, scanId: string, text: string | undefined): void {
    this.setRowStatus(folder, scanId, text === undefined ? undefined : { text, live: false });
  }

  private setRowStatus(folder: string, scanId: string, status: { text: string; live: boolean } | undefined): void {
    const key = scanKey(folder, scanId), old = this.rowStatus.get(key);
    if (old?.text === status?.text && old?.live === status?.live) return;
    if (status === undefined) this.rowStatus.delete(key); else this.rowStatus.set(key, status);
    const node = this.scanNodes.get(key);
    if (!node) return;
    // at most ~3 redraws a second however fast the engine reports (a watch: every file)
    this.dirtyScans.add(node);
    this.rowTimer ??= setTimeout(() => {
      this.rowTimer = undefined;
      for (const n of this.dirtyScans) this.changed.fire(n);
      this.dirtyScans.clear();
    }, 300);
  }

  /** Forgets every row status of `folder` (its analysis or watch ended). */
  clearProgress(folder: string): void {
    const prefix = scanKey(folder, '');
    for (const key of [...this.rowStatus.keys()]) if (key.startsWith(prefix)) this.rowStatus.delete(key);
  }

  private scanNode(folder: string, scan: Scan, result?: StoredResult): ScanTreeNode {
    const node: ScanTreeNode = { kind: 'scan', folder, scan, result };
    this.scanNodes.set(scanKey(folder, scan.id), node);
    return node;
  }

  /** Every scan of the workspace, grouped by module → ASIC → folder where that tells them apart. */
  private async rootNodes(): Promise<ScanTreeNode[]> {
    const scans = (await this.dataFolders()).flatMap(folder => folderScanStates(folder)
      .map(state => ({ folder, scanId: state.scan.id, state })));
    const toNode = (g: ScanGrouping<typeof scans[number]>): ScanTreeNode => {
      switch (g.kind) {
        case 'scan': return this.scanNode(g.scan.folder, g.scan.state.scan, g.scan.state.result);
        case 'folder': return { kind: 'folder', folder: g.folder, key: g.key, scanIds: g.children.flatMap(c => (c.kind === 'scan' ? [c.scan.scanId] : [])) };
        default: return { kind: 'group', level: g.kind, label: g.label, key: g.key, children: g.children.map(toNode) };
      }
    };
    return groupScans(scans).map(toNode);
  }

  async getChildren(node?: ScanTreeNode): Promise<ScanTreeNode[]> {
    if (!node) return this.rootNodes();
    switch (node.kind) {
      case 'group':
        return node.children;
      case 'folder': {
        return folderScanStates(node.folder).filter(({ scan }) => !node.scanIds || node.scanIds.includes(scan.id))
          .map(({ scan, result }) => this.scanNode(node.folder, scan, result));
      }
      case 'scan':
        return node.scan.thresholds.map(thresholds => ({ kind: 'threshold', folder: node.folder, scan: node.scan, thresholds, result: node.result }));
      case 'threshold': {
        const skipped = skippedAt(node.result, node.thresholds.threshold);
        return node.thresholds.acquisitions.map(a => ({ kind: 'acquisition', file: a.path, name: a.name, acquisition: a.acquisition,
          skipped: skipped.get(a.acquisition) }));
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
        // a watched folder's row carries the stop button (its scans' rows too)
        const watched = this.isWatched(node.folder);
        item.contextValue = watched ? 'dataFolderLive' : 'dataFolder';
        item.tooltip = watched ? `${node.folder}\nLive watch running: Stop Live Watch publishes the final result.` : node.folder;
        const condition = conditionText(node.folder);
        if (condition) item.description = condition;
        if (node.key) item.id = `folder:${node.key}`;
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.key}`;
        item.iconPath = new vscode.ThemeIcon(node.level === 'module' ? 'circuit-board' : 'chip');
        item.description = `${node.level === 'module' ? 'module' : 'ASIC'} · ${countScans(node)} scan${countScans(node) === 1 ? '' : 's'}`;
        item.contextValue = node.level === 'module' ? 'scanModule' : 'scanAsic';
        return item;
      }
      case 'scan': {
        const s = node.scan;
        const nAcq = s.thresholds.reduce((n, t) => n + t.acquisitions.length, 0);
        const item = new vscode.TreeItem(s.prefix.replace(/_+$/, '') || s.id, vscode.TreeItemCollapsibleState.Collapsed);
        const status = this.rowStatus.get(scanKey(node.folder, s.id));
        const watched = this.isWatched(node.folder);
        // a watched scan without a status yet: nothing new counted since the watch (re)started
        const live = status?.live ? status.text : watched ? 'watching for new files' : undefined;
        const state = status?.text ?? (node.result ? (node.result.upToDate ? 'analysed' : 'analysis out of date') : 'not analysed');
        item.description = live !== undefined ? `${s.shutterText} · live: ${live}`
          : `${s.shutterText} · ${s.thresholds.length} thresholds · ${nAcq} acquisitions · ${state}`;
        // File names are untrusted: they enter the tooltip as text, never as markdown.
        const tooltip = new vscode.MarkdownString();
        tooltip.appendText(s.id).appendMarkdown('\n\n').appendText(`shutter ${s.shutterSeconds} s, thresholds ${s.thresholds[0]?.threshold}–${s.thresholds[s.thresholds.length - 1]?.threshold}`);
        if (s.missing.length) tooltip.appendMarkdown('\n\n').appendText(`${s.missing.length} missing acquisitions`);
        const baseline = baselineText(node.result);
        if (baseline) tooltip.appendMarkdown('\n\n').appendText(baseline);
        for (const c of node.result?.summary.heterogeneity?.conclusions ?? []) tooltip.appendMarkdown('\n\n').appendText(c);
        if (watched) tooltip.appendMarkdown('\n\n').appendText('Live watch of this folder running: Stop Live Watch publishes the final result.');
        item.tooltip = tooltip;
        item.iconPath = new vscode.ThemeIcon(live !== undefined ? 'eye' : node.result?.upToDate ? 'pass' : 'beaker');
        item.contextValue = watched ? 'scanLive' : 'scan';
        item.id = `scan:${node.folder}:${s.id}`;
        return item;
      }
      case 'threshold': {
        const t = node.thresholds;
        const summary = node.result?.summary.per_threshold.find(p => p.threshold === t.threshold);
        const item = new vscode.TreeItem(`THR ${t.threshold}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `thr:${node.folder}:${node.scan.id}:${t.threshold}`;
        if (summary) {
          const skipped = [...skippedAt(node.result, t.threshold).entries()].map(([a, why]) => `#${a} ${why}`);
          item.description = `${summary.good} good / ${summary.bad} bad${summary.failed ? ` / ${summary.failed} unreadable` : ''}${summary.excluded ? ` / ${summary.excluded} excluded` : ''} · ASIC ${formatNumber(summary.asic_flux, 3)} Hz`;
          item.iconPath = summary.all_bad || skipped.length
            ? new vscode.ThemeIcon('warning', new vscode.ThemeColor(summary.all_bad ? 'list.errorForeground' : 'list.warningForeground'))
            : new vscode.ThemeIcon('pulse');
          item.tooltip = [summary.all_bad ? 'Every acquisition at this threshold is bad: flux is NaN'
            : `ASIC flux (total) ${formatWithError(summary.asic_flux, summary.asic_flux_error, 'Hz')}`, ...skipped].join('\n');
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
        item.description = node.skipped ? `${node.skipped} · ${node.name}` : node.name;
        item.tooltip = node.skipped ? `${node.name}\nleft out of the analysis: ${node.skipped}` : node.name;
        item.resourceUri = vscode.Uri.file(node.file);
        item.iconPath = node.skipped ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : vscode.ThemeIcon.File;
        item.command = { command: 'vscode.open', title: 'Open Acquisition', arguments: [vscode.Uri.file(node.file)] };
        item.contextValue = 'acquisition';
        return item;
      }
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.rowTimer) clearTimeout(this.rowTimer);
    this.changed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** The scans of a data folder and their stored results; none when the folder has gone since it was listed (deleted
 *  or moved while the tree refreshes). */
function folderScanStates(folder: string): ReturnType<typeof scanStates> {
  try {
    return scanStates(analyseOptionsFromSettings(folder));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync(folder)) return [];
    throw e;
  }
}
