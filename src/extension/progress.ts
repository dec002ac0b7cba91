// Engine progress events → the notification's percentage and message. No vscode import (unit-tested).
import { EngineEvent } from '../protocol';

/** Share of one scan's progress given to flux; the rest is fitting. */
export const FLUX_SHARE = 0.6;

export interface ProgressStep { percent: number; message: string }

/** Share (0–1) of its scan's work that a progress event says is done; `write`: the scan's outputs are complete. */
function scanShare(e: Extract<EngineEvent, { type: 'progress' }>): number {
  if (e.phase === 'flux') return FLUX_SHARE * e.done / e.total;
  if (e.phase === 'fit') return FLUX_SHARE + (1 - FLUX_SHARE) * e.done / e.total;
  return e.phase === 'write' ? 1 : 0;
}

/** The overall percentage (0–100, over every scan of the run, as if the earlier scans were done) and message of
 *  a progress event; undefined for others. */
export function progressStep(e: EngineEvent, shareOfOthers?: number): ProgressStep | undefined {
  if (e.type !== 'progress' || e.total <= 0) return undefined;
  const scans = Math.max(1, e.scanCount ?? 1), index = Math.min(e.scanIndex ?? 0, scans - 1);
  const percent = Math.min(100, Math.round(100 * ((shareOfOthers ?? index) + scanShare(e)) / scans));
  const scanText = scans > 1 ? `scan ${index + 1}/${scans}: ` : '';
  return { percent, message: `${scanText}${e.phase === 'flux' ? 'flux' : e.phase === 'fit' ? 'fits' : e.phase} ${e.done}/${e.total}` };
}

/** Turns successive events into increments for vscode's Progress (which adds them up); never goes backwards.
 *  Scans of a folder run side by side: the percentage adds up what each scan has done. */
export function progressReporter(report: (increment: number, message: string) => void): (e: EngineEvent) => void {
  let reported = 0;
  const shares = new Map<number, number>();
  return e => {
    if (e.type !== 'progress' || e.total <= 0) return;
    const index = e.scanIndex ?? 0;
    shares.set(index, Math.max(shares.get(index) ?? 0, scanShare(e)));
    let others = 0;
    for (const [i, share] of shares) if (i !== index) others += share;
    const step = progressStep(e, others);
    if (!step || step.percent <= reported) return;
    report(step.percent - reported, step.message);
    reported = step.percent;
  };
}
