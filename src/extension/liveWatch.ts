// "VELO: Watch Scan (Live)": runs `velo-calib watch` in the engine child process for a folder being filled, shows
// its live status in the status bar (click to stop), a cancellable notification and the folder's scan rows (with an
// inline stop button), raises its alerts, and announces every publication (live snapshots, then the final result)
// so the tree and open panels can reload. Several folders can be watched at once, one watch per folder.
import * as path from 'path';
import * as vscode from 'vscode';
import { formatNumber } from '../contract/format';
import { EngineEvent } from '../protocol';
import { EngineRunner } from './engineRunner';
import { ScanTreeProvider } from './scanTree';
import { analyseOptionsFromSettings, cliArguments } from './settings';

const WATCHING_CONTEXT = 'veloCalib.watching';

/** What names a watch to stop: a folder, its Uri, or a VELO Scans row (a scan or folder node). */
type WatchTarget = string | vscode.Uri | { folder: string };

/** The folder a target names (undefined for rows without one, e.g. a module group in a multi-selection). */
const targetFolder = (t: WatchTarget): string | undefined =>
  (typeof t === 'string' ? t : t instanceof vscode.Uri ? t.fsPath : typeof t?.folder === 'string' ? t.folder : undefined);

export class LiveWatches implements vscode.Disposable {
  /** The watched folders (resolved paths) and the last live status of each. */
  private readonly watching = new Map<string, string>();
  private readonly status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  private readonly published = new vscode.EventEmitter<string>();
  /** Fires with the output folder each time the watch publishes (a live snapshot or the final result). */
  readonly onDidPublish = this.published.event;

  constructor(private readonly runner: EngineRunner, private readonly tree: ScanTreeProvider, private readonly log: vscode.LogOutputChannel) {
    this.status.command = 'veloCalib.stopWatch';
    this.status.tooltip = 'VELO live watch: click to stop (asks which one when several run; the final result is then published)';
  }

  /** Watches `folder` until stopped; resolves with the output folders of the final result. */
  async watch(folder: string): Promise<string[] | undefined> {
    const key = path.resolve(folder);
    if (this.watching.has(key) || this.runner.isRunning(key)) {
      void vscode.window.showWarningMessage(`VELO: ${path.basename(folder)} is already being analysed or watched.`);
      return undefined;
    }
    const args = ['watch', ...cliArguments(analyseOptionsFromSettings(folder)).slice(1), ...expectedScanArguments(folder)];
    this.watching.set(key, 'starting');
    this.tree.setWatched(key, true);
    void this.updateContext();
    this.status.text = `$(eye) VELO: watching ${path.basename(folder)}`;
    this.status.show();
    try {
      const dirs = await vscode.window.withProgress({
        location: vscode.ProgressLocation.Notification, title: `VELO: watching ${path.basename(folder)} (live)`, cancellable: true,
      }, (progress, token) => {
        token.onCancellationRequested(() => this.stop(key));
        return this.runner.run(folder, args, e => this.onEvent(key, e, progress));
      });
      void vscode.window.showInformationMessage(`VELO: live watch of ${path.basename(folder)} finished; final result published.`);
      return dirs;
    } catch (e) {
      this.log.error(String((e as Error).message));
      void vscode.window.showErrorMessage(`VELO: live watch failed: ${(e as Error).message.split('\n')[0]}`);
      return undefined;
    } finally {
      this.watching.delete(key);
      this.tree.setWatched(key, false);
      void this.updateContext();
      if (this.watching.size === 0) this.status.hide();
    }
  }

  /** Stops the watch of `folder` (or every watch): the engine reads what is complete, publishes and exits. */
  stop(folder?: string): number {
    const folders = [...this.watching.keys()].filter(k => !folder || k === path.resolve(folder));
    const stopped = folders.filter(f => this.runner.requestFinish(f)).length;
    if (stopped) this.status.text = '$(loading~spin) VELO: publishing the final result…';
    return stopped;
  }

  /**
   * "Stop Live Watch": from a tree row, the watch of that row's folder (of every selected row's, when the row is part
   * of a selection); otherwise the only watch running, or the one the user picks when several run.
   */
  async stopCommand(target?: WatchTarget, selected?: readonly unknown[]): Promise<number> {
    if (target !== undefined) {
      const targets = Array.isArray(selected) && selected.includes(target) ? selected as WatchTarget[] : [target];
      const folders = [...new Set(targets.flatMap(t => targetFolder(t) ?? []).map(f => path.resolve(f)))].filter(f => this.watching.has(f));
      if (folders.length === 0) {
        void vscode.window.showInformationMessage(`VELO: no live watch of ${path.basename(targetFolder(target) ?? '') || 'that row'} is running.`);
        return 0;
      }
      return folders.reduce((n, f) => n + this.stop(f), 0);
    }
    const running = [...this.watching.entries()];
    if (running.length === 0) {
      void vscode.window.showInformationMessage('VELO: no live watch is running.');
      return 0;
    }
    if (running.length === 1) return this.stop(running[0][0]);
    const picked = await vscode.window.showQuickPick(running.map(([folder, status]) => ({
      label: `$(eye) ${path.basename(folder)}`, description: vscode.workspace.asRelativePath(folder), detail: status, folder,
    })), { title: 'Stop the live watch of', placeHolder: `${running.length} live watches are running: which one to stop?` });
    return picked ? this.stop(picked.folder) : 0;
  }

  private onEvent(folder: string, e: EngineEvent, progress: vscode.Progress<{ message?: string }>): void {
    switch (e.type) {
      case 'live': {
        const eta = e.etaSeconds === null ? '' : `, ETA ${formatNumber(e.etaSeconds / 60, 2)} min`;
        const text = `${e.filesCounted} files (${formatNumber(e.filesPerSecond, 2)}/s), ${e.thresholdsDone}/${e.thresholdsSeen} thresholds, ` +
          `${formatNumber(100 * e.badRate, 2)} % bad${eta}`;
        this.status.text = `$(eye) VELO: ${text}`;
        progress.report({ message: text });
        this.tree.setLiveStatus(folder, e.scan, text);
        if (this.watching.has(folder)) this.watching.set(folder, `${e.scan}: ${text}`);
        break;
      }
      case 'alert':
        void vscode.window.showWarningMessage(`VELO live: ${e.message}`);
        break;
      case 'result':
        this.tree.refresh();
        this.published.fire(e.outputDir);
        break;
      default: break;
    }
  }

  private updateContext(): Thenable<unknown> {
    return vscode.commands.executeCommand('setContext', WATCHING_CONTEXT, this.watching.size > 0);
  }

  dispose(): void {
    this.stop();
    this.status.dispose();
    this.published.dispose();
  }
}

/** `--expect-thresholds` / `--expect-nacq` from the folder's `veloCalib.watch.*` settings (they give the ETA). */
function expectedScanArguments(folder: string): string[] {
  const c = vscode.workspace.getConfiguration('veloCalib.watch', vscode.Uri.file(folder));
  const thresholds = c.get<string>('expectThresholds')?.trim(), nacq = c.get<number | null>('expectAcquisitions');
  return [...(thresholds ? ['--expect-thresholds', thresholds] : []), ...(Number.isInteger(nacq) && nacq! > 0 ? ['--expect-nacq', String(nacq)] : [])];
}

/** The watch commands; the extension calls this once from activate(). */
export function registerLiveWatch(context: vscode.ExtensionContext, runner: EngineRunner, tree: ScanTreeProvider,
  log: vscode.LogOutputChannel, pickFolder: () => Thenable<string | undefined>): LiveWatches {
  const watches = new LiveWatches(runner, tree, log);
  context.subscriptions.push(watches,
    vscode.commands.registerCommand('veloCalib.watchScan', async (arg?: vscode.Uri | string | { folder: string }) => {
      const folder = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : arg?.folder ?? await pickFolder();
      if (!folder) return undefined;
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('VELO live watch runs the engine and writes result files: trust this workspace first.');
        return undefined;
      }
      return watches.watch(folder);
    }),
    vscode.commands.registerCommand('veloCalib.stopWatch', (target?: WatchTarget, selected?: readonly unknown[]) =>
      watches.stopCommand(target, selected)));
  return watches;
}
