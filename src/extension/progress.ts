// Engine progress events → the notification's percentage and message, and each scan's own state for the tree.
// No vscode import (unit-tested).
import { moduleAndAsic } from '../engine/campaign/resultFolders';
import { AnalysisPhase, EngineEvent } from '../protocol';

/** Share of one scan's progress given to flux; the rest is fitting. */
export const FLUX_SHARE = 0.6;

const PHASE_WORDS: Record<AnalysisPhase, string> = { discover: 'finding files', flux: 'flux', fit: 'fitting', write: 'writing' };

export interface ProgressStep { percent: number; message: string }

type ProgressEvent = Extract<EngineEvent, { type: 'progress' }>;

/** Share (0–1) of its scan's work that a progress event says is done: flux takes the first FLUX_SHARE, fitting
 *  the rest; `write`: the scan's outputs are complete. */
function scanShare(e: ProgressEvent): number {
  if (e.phase === 'flux') return FLUX_SHARE * e.done / e.total;
  if (e.phase === 'fit') return FLUX_SHARE + (1 - FLUX_SHARE) * e.done / e.total;
  return e.phase === 'write' ? 1 : 0;
}

/** The overall percentage (0–100, over every scan of the run; `shareOfOthers`: what the other scans have done,
 *  else as if the earlier scans were done) and message of a progress event; undefined for others.
 *  Several scans: `scan 3/12 · VP0-2 · fitting 120/1024` (the ASIC, else the scan id). */
export function progressStep(e: EngineEvent, shareOfOthers?: number): ProgressStep | undefined {
  if (e.type !== 'progress' || e.total <= 0) return undefined;
  const scans = Math.max(1, e.scanCount ?? 1), index = Math.min(e.scanIndex ?? 0, scans - 1);
  const percent = Math.min(100, Math.round(100 * ((shareOfOthers ?? index) + scanShare(e)) / scans));
  const who = e.scan ? moduleAndAsic(e.scan).asic || e.scan : '';
  const scanText = scans > 1 ? `scan ${index + 1}/${scans} · ${who ? `${who} · ` : ''}` : '';
  return { percent, message: `${scanText}${PHASE_WORDS[e.phase]} ${e.done}/${e.total}` };
}

/** The state a scan's tree row shows while it analyses (`fitting 40 %`: the scan's own percentage; `written`). */
export function scanProgressText(e: EngineEvent): { scan: string; text: string } | undefined {
  if (e.type === 'result') return { scan: e.scan, text: 'written' };
  if (e.type !== 'progress' || !e.scan || e.total <= 0) return undefined;
  if (e.phase === 'write') return { scan: e.scan, text: 'written' };
  return { scan: e.scan, text: `${PHASE_WORDS[e.phase]} ${Math.min(100, Math.round(100 * scanShare(e)))} %` };
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
