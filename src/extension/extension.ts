// Extension entry: wires commands, the scans tree, the engine runner and the panels. No computation here.
import { fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EngineEvent } from '../protocol';
import { AnalysisOutput } from './analysisOutput';
import { resultsUpToDate, scanStates, storedResults } from './analysisResults';
import { AnalysisCancelled, EngineRunner } from './engineRunner';
import { AsicOverviewPanel } from './asicOverviewPanel';
import { FitDiagnosticsPanel } from './fitDiagnosticsPanel';
import { registerLiveWatch } from './liveWatch';
import { PixelMapPanel } from './pixelMapPanel';
import { ScanTreeProvider } from './scanTree';
import { analyseOptionsFromSettings, cliArguments } from './settings';

export interface VeloCalibApi {
  runner: EngineRunner;
  tree: ScanTreeProvider;
  log: vscode.LogOutputChannel;
  /** Output folders of the last finished analysis. */
  lastOutputDirs(): string[];
}

const FLUX_SHARE = 0.6; // share of the progress bar given to flux; the rest is fitting

export function activate(context: vscode.ExtensionContext): VeloCalibApi {
  const log = vscode.window.createOutputChannel('VELO Calibration', { log: true });
  const runner = new EngineRunner(path.join(context.extensionPath, 'dist', 'cli.js'), log);
  const tree = new ScanTreeProvider();
  let lastOutputDirs: string[] = [];
  context.subscriptions.push(log, runner, tree, vscode.window.registerTreeDataProvider('veloCalib.scans', tree));
  PixelMapPanel.register(context);
  FitDiagnosticsPanel.register(context);
  AsicOverviewPanel.register(context);

  async function pickFolder(title: string): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, title,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
    return picked?.[0]?.fsPath;
  }

  /** Analyse a folder; reuses up-to-date results unless `force`. Returns the output folders (for tests too). */
  async function analyseFolder(target?: vscode.Uri | string, force = false): Promise<string[] | undefined> {
    const folder = typeof target === 'string' ? target : target?.fsPath ?? await pickFolder('Folder with VELO scan CSV files');
    if (!folder) return undefined;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('VELO analysis runs the engine and writes result files: trust this workspace first.');
      return undefined;
    }
    const options = analyseOptionsFromSettings(folder);
    const states = scanStates(options);
    if (!force && resultsUpToDate(states)) {
      lastOutputDirs = states.map(s => s.result!.outputDir);
      log.info(`results for ${folder} are up to date: reusing ${lastOutputDirs.join(', ')}`);
      void vscode.window.showInformationMessage(`VELO: results for ${path.basename(folder)} are up to date.`, 'Open Pixel Map', 'Re-run Anyway')
        .then(choice => {
          if (choice === 'Open Pixel Map') void PixelMapPanel.show(context, lastOutputDirs[0]);
          if (choice === 'Re-run Anyway') void analyseFolder(folder, true);
        });
      return lastOutputDirs;
    }
    if (runner.isRunning(folder)) {
      void vscode.window.showWarningMessage(`VELO: an analysis of ${path.basename(folder)} is already running.`);
      return undefined;
    }
    try {
      const dirs = await vscode.window.withProgress({
        location: vscode.ProgressLocation.Notification, title: `VELO: analysing ${path.basename(folder)}`, cancellable: true,
      }, (progress, token) => {
        let reported = 0;
        const onEvent = (e: EngineEvent) => {
          if (e.type !== 'progress' || e.total <= 0) return;
          const within = e.phase === 'flux' ? FLUX_SHARE * e.done / e.total : e.phase === 'fit' ? FLUX_SHARE + (1 - FLUX_SHARE) * e.done / e.total : 0;
          const percent = Math.round(100 * ((e.scanIndex ?? 0) + within) / (e.scanCount ?? 1));
          if (percent > reported) {
            const scanText = (e.scanCount ?? 1) > 1 ? `scan ${(e.scanIndex ?? 0) + 1}/${e.scanCount}: ` : '';
            progress.report({ increment: percent - reported, message: `${scanText}${e.phase === 'flux' ? 'flux' : 'fits'} ${e.done}/${e.total}` });
            reported = percent;
          }
        };
        return runner.run(folder, cliArguments(options), onEvent, token);
      });
      lastOutputDirs = dirs;
      tree.refresh();
      log.info(`analysis of ${folder} written to ${dirs.join(', ')}`);
      void vscode.window.showInformationMessage(`VELO: analysis of ${path.basename(folder)} finished.`, 'Open Pixel Map', 'Open Report')
        .then(choice => {
          if (choice === 'Open Pixel Map') void PixelMapPanel.show(context, dirs[0]);
          if (choice === 'Open Report') void vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(path.join(dirs[0], 'report.md')));
        });
      return dirs;
    } catch (e) {
      if (e instanceof AnalysisCancelled) {
        void vscode.window.showInformationMessage('VELO: analysis cancelled; no results were written.');
        return undefined;
      }
      log.error(String((e as Error).message));
      void vscode.window.showErrorMessage(`VELO: analysis failed: ${(e as Error).message.split('\n')[0]}`, 'Show Log').then(c => { if (c) log.show(); });
      throw e;
    }
  }

  /** The output folder to show: the last analysis, or a scan node, or the only analysed scan in the workspace. */
  async function resolveOutputDir(arg?: unknown): Promise<string | undefined> {
    if (typeof arg === 'string' && fs.existsSync(path.join(arg, 'summary.json'))) return arg;
    const node = arg as { kind?: string; result?: { outputDir: string } } | undefined;
    if (node?.result?.outputDir) return node.result.outputDir;
    if (lastOutputDirs.length) return lastOutputDirs[0];
    const all = (await tree.dataFolders()).flatMap(f => storedResults(analyseOptionsFromSettings(f)));
    if (all.length === 1) return all[0].outputDir;
    if (all.length === 0) { void vscode.window.showWarningMessage('VELO: no analysed scan yet. Run "VELO: Analyse Folder…" first.'); return undefined; }
    const pick = await vscode.window.showQuickPick(all.map(r => ({ label: r.scan.id, description: r.outputDir, dir: r.outputDir })), { title: 'Analysed scan' });
    return pick?.dir;
  }

  const register = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  registerLiveWatch(context, runner, tree, log, () => pickFolder('Folder of the scan being taken'));
  register('veloCalib.analyseFolder', (uri?: vscode.Uri | string) => analyseFolder(uri));
  register('veloCalib.analyseScanFolder', (arg?: vscode.Uri | { folder: string }) =>
    analyseFolder(arg instanceof vscode.Uri ? arg : arg && 'folder' in arg ? arg.folder : undefined));
  register('veloCalib.cancelAnalysis', () => {
    const n = runner.cancelAll();
    if (n === 0) void vscode.window.showInformationMessage('VELO: no analysis is running.');
    return n;
  });
  register('veloCalib.refresh', () => tree.refresh());
  register('veloCalib.openAcquisition', (file: vscode.Uri | string) =>
    vscode.commands.executeCommand('vscode.open', typeof file === 'string' ? vscode.Uri.file(file) : file));
  register('veloCalib.openPixelMap', async (arg?: unknown) => {
    const dir = await resolveOutputDir(arg);
    return dir ? PixelMapPanel.show(context, dir) : undefined;
  });
  register('veloCalib.openThresholdMap', async (folder: string, scanId: string, threshold: number) => {
    const r = storedResults(analyseOptionsFromSettings(folder)).find(s => s.scan.id === scanId);
    return r ? PixelMapPanel.show(context, r.outputDir, { quantity: 'flux', threshold }) : undefined;
  });
  register('veloCalib.showPixel', async (arg?: unknown, rowArg?: number, colArg?: number) => {
    const dir = await resolveOutputDir(arg);
    if (!dir) return undefined;
    const { rows, cols } = new AnalysisOutput(dir).summary.shape;
    const inside = (r: number, c: number) => Number.isInteger(r) && Number.isInteger(c) && r >= 0 && c >= 0 && r < rows && c < cols;
    let row = rowArg, col = colArg;
    if (row === undefined || col === undefined) {
      const text = await vscode.window.showInputBox({ title: 'Show pixel', prompt: `row,col (0-based, matrix ${rows}×${cols})`, placeHolder: '128,64',
        validateInput: v => {
          const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(v);
          if (!m) return 'expected row,col, e.g. 128,64';
          return inside(Number(m[1]), Number(m[2])) ? undefined : `outside the ${rows}×${cols} matrix`;
        } });
      if (!text) return undefined;
      [row, col] = text.split(',').map(s => Number(s.trim()));
    }
    if (!inside(row, col)) {
      void vscode.window.showErrorMessage(`VELO: pixel (${row}, ${col}) is outside the ${rows}×${cols} matrix.`);
      return undefined;
    }
    return PixelMapPanel.show(context, dir, { pixel: [row, col] });
  });
  register('veloCalib.openAsicOverview', async (arg?: unknown) => {
    const dir = await resolveOutputDir(arg);
    return dir ? AsicOverviewPanel.show(context, dir) : undefined;
  });
  register('veloCalib.exportReport', async (arg?: unknown, target?: vscode.Uri) => {
    const dir = await resolveOutputDir(arg);
    if (!dir) return undefined;
    const dest = target ?? await vscode.window.showSaveDialog({ filters: { Markdown: ['md'] },
      defaultUri: vscode.Uri.file(path.join(path.dirname(dir), 'velo-calib-report.md')) });
    if (!dest) return undefined;
    await vscode.workspace.fs.copy(vscode.Uri.file(path.join(dir, 'report.md')), dest, { overwrite: true });
    void vscode.window.showInformationMessage(`VELO: report exported to ${dest.fsPath}`);
    return dest.fsPath;
  });
  register('veloCalib.generateDemo', async (target?: vscode.Uri | string) => {
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const dir = typeof target === 'string' ? target : target?.fsPath ?? (ws ? path.join(ws, 'demo-scan') : await pickFolder('Folder for the demo scan'));
    if (!dir) return undefined;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'VELO: generating the demo scan' }, () =>
      new Promise<void>((resolve, reject) => {
        const child = fork(path.join(context.extensionPath, 'dist', 'cli.js'),
          ['generate', dir], { stdio: 'pipe', execArgv: [] }); // the CLI's defaults are the demo scan
        let err = '';
        child.stderr?.on('data', d => { err += d; });
        child.on('exit', code => (code === 0 ? resolve() : reject(new Error(`generate failed: ${err.trim()}`))));
      }));
    log.info(`demo scan generated in ${dir}`);
    tree.refresh();
    return dir;
  });

  return { runner, tree, log, lastOutputDirs: () => lastOutputDirs };
}

export function deactivate(): void {
  // disposables in context.subscriptions stop the runner (killing any child) and the watchers
}
