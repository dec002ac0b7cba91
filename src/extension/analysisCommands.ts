// Commands that run the engine: Analyse Folder / Scan, Cancel Analysis, Generate Demo Scan. A scan whose mask or
// baseline the engine would not guess is offered the candidates and analysed again with the user's choice.
import * as path from 'path';
import * as vscode from 'vscode';
import { REPORT_FILE } from '../contract/outputFiles';
import { skippedText } from '../contract/summary';
import { chooseInput, FailedScans, InputChoice } from './ambiguousInput';
import { readSummary, resultFolder, resultsUpToDate, scanStates } from './analysisResults';
import { AnalysisCancelled } from './engineRunner';
import { PixelMapPanel } from './pixelMapPanel';
import { progressReporter, scanProgressText } from './progress';
import { Services } from './services';
import { analyseOptionsFromSettings, cliArguments } from './settings';

export async function pickFolder(title: string): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, title,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  return picked?.[0]?.fsPath;
}

export function registerAnalysisCommands(s: Services): void {
  const { runner, log, tree, registry, chooser } = s;

  async function offerResults(message: string, dirs: string[], showLogButton: boolean): Promise<void> {
    const buttons = ['Open Pixel Map', 'Open Report', ...(showLogButton ? ['Show Log'] : [])];
    const choice = await vscode.window.showInformationMessage(message, ...buttons);
    if (choice === 'Show Log') { log.show(); return; }
    if (!choice) return;
    const dir = await chooser.choose(undefined, choice === 'Open Report' ? 'Open the report of' : 'Open the pixel map of', dirs);
    if (!dir) return;
    if (choice === 'Open Pixel Map') await PixelMapPanel.show(registry, dir);
    else await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(path.join(dir, REPORT_FILE)));
  }

  /** Asks for the file of each scan the engine would not guess and analyses each such scan again with it. */
  async function resolveAmbiguous(folder: string, failed: FailedScans, chosen: InputChoice): Promise<{ answered: boolean; dirs: string[] }> {
    const dirs: string[] = [];
    let answered = false;
    for (const report of failed.ambiguous) {
      const choice = await chooseInput(report);
      if (!choice) {
        void vscode.window.showWarningMessage(`VELO: scan ${report.scan} not analysed: ${report.message.split('\n')[0]}`);
        continue;
      }
      answered = true;
      log.info(`scan ${report.scan}: the user chose ${Object.values(choice).join(', ')}`);
      // a failure of that run is shown by it
      dirs.push(...(await analyse(folder, report.scan, true, { ...chosen, ...choice }).catch(() => undefined) ?? []));
    }
    return { answered, dirs };
  }

  /**
   * Analyses a folder (or one scan of it); reuses up-to-date results unless `force`. `chosen`: files the user picked
   * for this run (an ambiguous mask or baseline). Returns the output folders.
   */
  async function analyse(target: vscode.Uri | string | undefined, scan?: string, force = false, chosen: InputChoice = {}): Promise<string[] | undefined> {
    const folder = typeof target === 'string' ? target : target?.fsPath ?? await pickFolder('Folder with VELO scan CSV files');
    if (!folder) return undefined;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('VELO analysis runs the engine and writes result files: trust this workspace first.');
      return undefined;
    }
    const options = { ...analyseOptionsFromSettings(folder, scan), ...chosen };
    const name = scan ?? path.basename(folder);
    const all = scanStates(options), states = all.filter(st => !scan || st.scan.id === scan);
    // One scan of several: its results go where a whole-folder run puts them (`<out>/<scan id>`); the engine alone
    // would write a lone scan straight into `<out>`.
    if (scan && states.length === 1 && all.length > 1) options.out = resultFolder(options, states[0].scan, all.length);
    if (!force && resultsUpToDate(states)) {
      const dirs = states.map(st => st.result!.outputDir);
      log.info(`results for ${name} are up to date: reusing ${dirs.join(', ')}`);
      void vscode.window.showInformationMessage(`VELO: results for ${name} are up to date.`, 'Open Pixel Map', 'Re-run Anyway')
        .then(async choice => {
          if (choice === 'Re-run Anyway') void analyse(folder, scan, true);
          if (choice === 'Open Pixel Map') { const dir = await chooser.choose(undefined, 'Open the pixel map of', dirs); if (dir) void PixelMapPanel.show(registry, dir); }
        });
      return dirs;
    }
    if (runner.isRunning(folder)) {
      void vscode.window.showWarningMessage(`VELO: an analysis of ${path.basename(folder)} is already running.`);
      return undefined;
    }
    const failed = new FailedScans();
    try {
      const dirs = await Promise.resolve(vscode.window.withProgress({
        location: vscode.ProgressLocation.Notification, title: `VELO: analysing ${name}`, cancellable: true,
      }, (progress, token) => {
        const report = progressReporter((increment, message) => progress.report({ increment, message }));
        return runner.run(folder, cliArguments(options), e => {
          failed.observe(e);
          report(e);
          const p = scanProgressText(e);
          if (p) tree.setScanProgress(folder, p.scan, p.text);
        }, token);
      })).finally(() => tree.clearProgress(folder));
      tree.refresh();
      log.info(`analysis of ${folder} written to ${dirs.join(', ')}`);
      const skipped = skippedText(dirs.flatMap(d => readSummary(d) ?? []));
      void offerResults(`VELO: analysis of ${name} finished${skipped ? ` · ${skipped}` : ''}.`, dirs, !!skipped);
      for (const f of failed.reports.filter(r => !r.ambiguous)) void vscode.window.showWarningMessage(`VELO: scan ${f.scan} not analysed: ${f.message.split('\n')[0]}`);
      const rerun = await resolveAmbiguous(folder, failed, chosen);
      return [...dirs, ...rerun.dirs.filter(d => !dirs.includes(d))];
    } catch (e) {
      if (e instanceof AnalysisCancelled) {
        void vscode.window.showInformationMessage('VELO: analysis cancelled; no results were written.');
        return undefined;
      }
      if (failed.ambiguous.length) { // the user chooses the file the engine would not guess
        const rerun = await resolveAmbiguous(folder, failed, chosen);
        if (rerun.answered) return rerun.dirs.length ? rerun.dirs : undefined;
      }
      log.error(String((e as Error).message));
      void vscode.window.showErrorMessage(`VELO: analysis failed: ${(e as Error).message.split('\n')[0]}`, 'Show Log').then(c => { if (c) log.show(); });
      throw e;
    }
  }

  s.command('veloCalib.analyseFolder', (uri?: vscode.Uri | string) => analyse(uri));
  s.command('veloCalib.analyseScanFolder', (uri?: vscode.Uri) => analyse(uri));
  s.command('veloCalib.analyseScan', (node?: { folder: string; scan: { id: string } }) => (node ? analyse(node.folder, node.scan.id) : analyse(undefined)));
  s.command('veloCalib.cancelAnalysis', () => {
    const n = runner.cancelAll();
    if (n === 0) void vscode.window.showInformationMessage('VELO: no analysis is running.');
    return n;
  });
  s.command('veloCalib.generateDemo', async (target?: vscode.Uri | string) => {
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const dir = typeof target === 'string' ? target : target?.fsPath ?? (ws ? path.join(ws, 'demo-scan') : await pickFolder('Folder for the demo scan'));
    if (!dir) return undefined;
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'VELO: generating the demo scan', cancellable: true },
        (_progress, token) => runner.generate(dir, token));
    } catch (e) {
      if (e instanceof AnalysisCancelled) return undefined;
      void vscode.window.showErrorMessage(`VELO: ${(e as Error).message.split('\n')[0]}`);
      throw e;
    }
    log.info(`demo scan generated in ${dir}`);
    tree.refresh();
    return dir;
  });
}
