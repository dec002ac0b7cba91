// "Compare With…": B against A, from a scan in the VELO Scans tree (then a quick pick of the other analysed
// scans), from two scans selected together, or from the palette (asks for both). `velo-calib compare` runs in a
// child process; its output goes beside A's results (COMPARE_FOLDER_NAME in A's data folder); then the Compare
// panel opens.
import * as path from 'path';
import * as vscode from 'vscode';
import { COMPARE_FOLDER_NAME } from '../contract/compareFiles';
import { AnalysisSummary } from '../contract/summary';
import { readSummary } from './analysisResults';
import { ComparePanel } from './comparePanel';
import { AnalysisCancelled } from './engineRunner';
import { ScanChooser } from './scanChooser';
import { Services } from './services';

const dataFolder = (dir: string, s: AnalysisSummary) => s.dataFolder ?? path.dirname(dir);

/** `<A's data folder>/velo-calib-compare/<A scan>_vs_<B's data folder name>_<B scan>`: one folder per pair, re-runs replace it. */
export function compareOutputDir(dirA: string, a: AnalysisSummary, dirB: string, b: AnalysisSummary): string {
  return path.join(dataFolder(dirA, a), COMPARE_FOLDER_NAME, `${a.scan.id}_vs_${path.basename(dataFolder(dirB, b))}_${b.scan.id}`);
}

/** A tree node of a scan that has no analysis yet (the menu shows "Compare With…" on every scan). */
function unanalysedScan(arg: unknown): string | undefined {
  const node = arg as { kind?: string; scan?: { id: string }; result?: unknown } | undefined;
  return node?.kind === 'scan' && !node.result ? node.scan?.id : undefined;
}

export function registerCompareCommand(s: Services): void {
  const { runner, log, registry, chooser } = s;

  /** Runs `velo-calib compare A B` in a child process and opens the Compare panel; returns the comparison folder. */
  async function compare(dirA: string, dirB: string): Promise<string | undefined> {
    const a = readSummary(dirA), b = readSummary(dirB);
    if (!a || !b) return undefined;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('VELO comparison runs the engine and writes result files: trust this workspace first.');
      return undefined;
    }
    const out = compareOutputDir(dirA, a, dirB, b);
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `VELO: comparing ${b.scan.id} with ${a.scan.id}`, cancellable: true },
        (_progress, token) => runner.runCommand(['compare', dirA, dirB, '--out', out], token));
    } catch (e) {
      if (e instanceof AnalysisCancelled) return undefined;
      log.error((e as Error).message);
      void vscode.window.showErrorMessage(`VELO: ${(e as Error).message.split('\n')[0]}`, 'Show Log').then(c => { if (c) log.show(); });
      throw e;
    }
    log.info(`comparison of ${dirB} against ${dirA} written to ${out}`);
    registry.used(dirA);
    await ComparePanel.show(registry, out);
    return out;
  }

  s.command('veloCalib.compareWith', async (item?: unknown, items?: unknown[]) => {
    const notAnalysed = [item, ...(items ?? [])].map(unanalysedScan).find(Boolean);
    if (notAnalysed) {
      void vscode.window.showWarningMessage(`VELO: ${notAnalysed} is not analysed yet: analyse it before comparing.`);
      return undefined;
    }
    const selected = [...new Set((items ?? []).map(ScanChooser.given).filter((d): d is string => !!d))];
    if (selected.length > 2) {
      void vscode.window.showWarningMessage(`VELO: ${selected.length} scans are selected: select two to compare.`);
      return undefined;
    }
    const clicked = ScanChooser.given(item);
    if (selected.length === 2) {
      // The scan right-clicked is A (the reference), the other selected one B.
      const a = clicked && selected.includes(clicked) ? clicked : selected[0];
      return compare(a, selected.find(d => d !== a)!);
    }
    const a = await chooser.choose(item, 'Compare: the reference scan (A) of');
    if (!a) return undefined;
    const others = (await chooser.analysed()).map(c => c.dir).filter(d => d !== a);
    if (others.length === 0) {
      void vscode.window.showWarningMessage('VELO: no other analysed scan to compare with. Analyse a second scan first.');
      return undefined;
    }
    const b = await chooser.choose(undefined, `Compare ${readSummary(a)?.scan.id ?? a} (A) with the scan (B) of`, others);
    return b ? compare(a, b) : undefined;
  });
}
