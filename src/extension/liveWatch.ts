// "VELO: Watch Scan (Live)": runs `velo-calib watch` in the engine child process for a folder being filled, shows
// its live status in the status bar (click to stop) and a cancellable notification, raises its alerts, and
// announces every publication (live snapshots, then the final result) so the tree and open panels can reload.
import * as path from 'path';
import * as vscode from 'vscode';
import { formatNumber } from '../contract/format';
import { EngineEvent } from '../protocol';
import { EngineRunner } from './engineRunner';
import { ScanTreeProvider } from './scanTree';
import { analyseOptionsFromSettings, cliArguments } from './settings';

const WATCHING_CONTEXT = 'veloCalib.watching';

export class LiveWatches implements vscode.Disposable {
  private readonly watching = new Set<string>();
  private readonly status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  private readonly published = new vscode.EventEmitter<string>();
  /** Fires with the output folder each time the watch publishes (a live snapshot or the final result). */
  readonly onDidPublish = this.published.event;

  constructor(private readonly runner: EngineRunner, private readonly tree: ScanTreeProvider, private readonly log: vscode.LogOutputChannel) {
    this.status.command = 'veloCalib.stopWatch';
    this.status.tooltip = 'VELO live watch: click to stop (the final result is then published)';
  }

  /** Watches `folder` until stopped; resolves with the output folders of the final result. */
  async watch(folder: string): Promise<string[] | undefined> {
    const key = path.resolve(folder);
    if (this.watching.has(key) || this.runner.isRunning(key)) {
      void vscode.window.showWarningMessage(`VELO: ${path.basename(folder)} is already being analysed or watched.`);
      return undefined;
    }
    const args = ['watch', ...cliArguments(analyseOptionsFromSettings(folder)).slice(1), ...expectedScanArguments(folder)];
    this.watching.add(key);
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
      this.tree.setLiveStatus(key, undefined);
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

  private onEvent(folder: string, e: EngineEvent, progress: vscode.Progress<{ message?: string }>): void {
    switch (e.type) {
      case 'live': {
        const eta = e.etaSeconds === null ? '' : `, ETA ${formatNumber(e.etaSeconds / 60, 2)} min`;
        const text = `${e.filesCounted} files (${formatNumber(e.filesPerSecond, 2)}/s), ${e.thresholdsDone}/${e.thresholdsSeen} thresholds, ` +
          `${formatNumber(100 * e.badRate, 2)} % bad${eta}`;
        this.status.text = `$(eye) VELO: ${text}`;
        progress.report({ message: text });
        this.tree.setLiveStatus(folder, e.scan, text);
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
    vscode.commands.registerCommand('veloCalib.stopWatch', (folder?: string) => {
      const n = watches.stop(folder);
      if (n === 0) void vscode.window.showInformationMessage('VELO: no live watch is running.');
      return n;
    }));
  return watches;
}
