// A detector stand-in for the live-watch tests: a separate process that drops a generated scan into a folder file by
// file, following a plan (whole writes, writes in chunks with pauses, rename into place, a file left broken, a
// counted file replaced by rename). Run as `node liveWriter.js <plan.json>`; does nothing without a plan.
import * as fs from 'fs';
import * as path from 'path';

export type WriteHow = 'whole' | 'chunks' | 'rename' | 'broken' | 'replace' | 'empty';

export interface WriteStep {
  name: string;
  how: WriteHow;
  /** Folder to copy from, when not the plan's. */
  source?: string;
  /** Wait before this step (ms). */
  delayMs: number;
  /** Pause between the chunks of a `chunks` write (ms). */
  pauseMs?: number;
  /** `replace`: the source file whose content replaces `name` (renamed over it). */
  from?: string;
  /** `replace`: wait until this checkpoint manifest lists `name` (so the file was counted before it changes);
   *  `chunks`: wait for it after the first chunk (the incomplete file was read before it is completed). */
  afterCountedIn?: string;
  /** Wait until the live `summary.json` says the pixel fits cover the thresholds up to `threshold`. */
  afterFitUpTo?: { summary: string; threshold: number };
}

export interface WritePlan {
  source: string;
  target: string;
  steps: WriteStep[];
  /** Stop after this many steps (the rest is written by a later run). */
  from?: number;
  to?: number;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function waitCounted(manifest: string, name: string): Promise<void> {
  for (;;) {
    try {
      const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { thresholds: Array<{ files: Array<{ name: string }> }> };
      if (m.thresholds.some(t => t.files.some(f => f.name === name))) return;
    } catch { /* not written yet */ }
    await sleep(50);
  }
}

async function waitFitUpTo(summary: string, threshold: number): Promise<void> {
  for (;;) {
    try {
      const s = JSON.parse(fs.readFileSync(summary, 'utf8')) as { live?: { fit_up_to_threshold: number | null } };
      if ((s.live?.fit_up_to_threshold ?? -Infinity) >= threshold) return;
    } catch { /* not written yet */ }
    await sleep(50);
  }
}

export async function writeScan(plan: WritePlan): Promise<void> {
  fs.mkdirSync(plan.target, { recursive: true });
  for (const step of plan.steps.slice(plan.from ?? 0, plan.to)) {
    await sleep(step.delayMs);
    if (step.afterFitUpTo) await waitFitUpTo(step.afterFitUpTo.summary, step.afterFitUpTo.threshold);
    const data = fs.readFileSync(path.join(step.source ?? plan.source, step.from ?? step.name));
    const target = path.join(plan.target, step.name);
    switch (step.how) {
      case 'whole': fs.writeFileSync(target, data); break;
      case 'empty': fs.writeFileSync(target, data.toString('latin1').replace(/\d+(\.\d+)?(e[+-]\d+)?/g, '0'), 'latin1'); break; // a read-out dropout
      case 'broken': fs.writeFileSync(target, data.subarray(0, Math.floor(data.length * 0.4))); break;
      case 'rename': case 'replace': {
        if (step.afterCountedIn) await waitCounted(step.afterCountedIn, step.name);
        const part = path.join(plan.target, `.${step.name}.part`);
        fs.writeFileSync(part, data);
        fs.renameSync(part, target);
        break;
      }
      case 'chunks': {
        const fd = fs.openSync(target, 'w');
        const cuts = [0, Math.floor(data.length / 3), Math.floor((2 * data.length) / 3), data.length];
        for (let k = 0; k < 3; k++) {
          fs.writeSync(fd, data, cuts[k], cuts[k + 1] - cuts[k]);
          if (k < 2) await sleep(step.pauseMs ?? 0);
          if (k === 0 && step.afterCountedIn) await waitCounted(step.afterCountedIn, step.name);
        }
        fs.closeSync(fd);
        break;
      }
    }
  }
}

if (require.main === module && process.argv[2]) {
  writeScan(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as WritePlan).catch(e => {
    process.stderr.write(String(e) + '\n');
    process.exitCode = 1;
  });
}
