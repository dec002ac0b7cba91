// Engine progress events → the notification's percentage and message. No vscode import (unit-tested).
import { EngineEvent } from '../protocol';

/** Share of one scan's progress given to flux; the rest is fitting. */
export const FLUX_SHARE = 0.6;

export interface ProgressStep { percent: number; message: string }

/** The overall percentage (0–100, over every scan of the run) and message of a progress event; undefined for others. */
export function progressStep(e: EngineEvent): ProgressStep | undefined {
  if (e.type !== 'progress' || e.total <= 0) return undefined;
  const share = e.phase === 'flux' ? FLUX_SHARE * e.done / e.total : e.phase === 'fit' ? FLUX_SHARE + (1 - FLUX_SHARE) * e.done / e.total : 0;
  const scans = Math.max(1, e.scanCount ?? 1), index = Math.min(e.scanIndex ?? 0, scans - 1);
  const percent = Math.min(100, Math.round(100 * (index + share) / scans));
  const scanText = scans > 1 ? `scan ${index + 1}/${scans}: ` : '';
  return { percent, message: `${scanText}${e.phase === 'flux' ? 'flux' : e.phase === 'fit' ? 'fits' : e.phase} ${e.done}/${e.total}` };
}

/** Turns successive events into increments for vscode's Progress (which adds them up); never goes backwards. */
export function progressReporter(report: (increment: number, message: string) => void): (e: EngineEvent) => void {
  let reported = 0;
  return e => {
    const step = progressStep(e);
    if (!step || step.percent <= reported) return;
    report(step.percent - reported, step.message);
    reported = step.percent;
  };
}
