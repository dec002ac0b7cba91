// An input file the engine will not guess (several masks or noise baselines fit a scan): the engine reports the scan
// with its candidates (`failedScans[].ambiguous` of its `done` or `error` event); the user chooses one in a quick pick
// and the scan is analysed again with that file, as `--mask`, `--baseline` or `--baseline-width` would give it.
import * as path from 'path';
import * as vscode from 'vscode';
import type { AmbiguousInput, EngineEvent, FailedScanReport } from '../protocol';
import type { AnalysisRequest } from './analysisArguments';

/** Files chosen by the user for a run, on top of the settings. */
export type InputChoice = Pick<AnalysisRequest, 'mask' | 'baseline' | 'baselineWidth'>;

const ROLES: Record<AmbiguousInput['kind'], { key: keyof InputChoice; what: string }> = {
  'ambiguous-mask': { key: 'mask', what: 'mask' },
  'ambiguous-baseline': { key: 'baseline', what: 'noise baseline' },
  'ambiguous-baseline-width': { key: 'baselineWidth', what: 'baseline width' },
};

/** The scans a run reported as not analysed (from its `done` event, or its `error` event when the run failed). */
export class FailedScans {
  reports: FailedScanReport[] = [];

  observe(e: EngineEvent): void {
    if ((e.type === 'done' || e.type === 'error') && e.failedScans) this.reports = e.failedScans;
  }

  /** Those that a choice of file can fix. */
  get ambiguous(): Array<FailedScanReport & { ambiguous: AmbiguousInput }> {
    return this.reports.filter((r): r is FailedScanReport & { ambiguous: AmbiguousInput } => !!r.ambiguous?.candidates.length);
  }
}

/** Asks which candidate file the scan should use; undefined when the user dismisses the pick. */
export async function chooseInput(report: FailedScanReport & { ambiguous: AmbiguousInput }): Promise<InputChoice | undefined> {
  const { key, what } = ROLES[report.ambiguous.kind];
  const items = report.ambiguous.candidates.map(file => ({
    label: path.basename(file), description: vscode.workspace.asRelativePath(path.dirname(file)), file,
  }));
  const pick = await vscode.window.showQuickPick(items, {
    title: `Several ${what} files fit scan ${report.scan}: which one?`,
    placeHolder: `the ${what} file for ${report.scan} (this run only; veloCalib settings choose one for every scan)`,
    ignoreFocusOut: true,
  });
  return pick ? { [key]: pick.file } : undefined;
}
