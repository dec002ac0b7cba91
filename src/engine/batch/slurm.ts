// The Slurm commands a batch needs: submit (through the batch's own submit.sh), and the states of its jobs from
// squeue while they are queued or running and scontrol shortly after (sacct needs accounting storage, which
// many clusters and this project's test cluster do not have; the tasks' exit markers cover the rest).
import { spawnSync } from 'child_process';
import { BatchLayout, Submission, readSubmissions } from './batchLayout';

function run(cmd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return { code: 127, stdout: '', stderr: `${cmd}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (is Slurm installed here?)' : r.error.message}` };
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs submit.sh (for every task, or for `indices` given in Slurm syntax) and returns the new submission. */
export function submit(layout: BatchLayout, indices?: string): { submission: Submission; message: string } {
  const r = run('bash', [layout.submitScript, ...(indices ? [indices] : [])]);
  if (r.code !== 0) throw new Error(`submitting to Slurm failed: ${(r.stderr || r.stdout).trim()}`);
  const all = readSubmissions(layout);
  return { submission: all[all.length - 1], message: r.stdout.trim() };
}

export interface QueueState { state: string; reason: string }

/** Every queued or running job and array task, keyed `<array job>_<task>` or `<job>` (squeue -r: one per task). */
export function queueStates(): Map<string, QueueState> {
  const r = run('squeue', ['-h', '-r', '-o', '%F|%K|%i|%T|%r']);
  if (r.code !== 0) throw new Error(`squeue failed: ${(r.stderr || r.stdout).trim()}`);
  const states = new Map<string, QueueState>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [arrayJob, task, jobId, state, reason] = line.split('|');
    const isArray = task !== 'N/A' && /^\d+$/.test(task);
    states.set(isArray ? `${arrayJob}_${task}` : jobId, { state, reason });
  }
  return states;
}

/** The job's final state while slurmctld still remembers it (MinJobAge), e.g. `FAILED`, `CANCELLED`, `TIMEOUT`. */
export function rememberedJobState(jobId: string): QueueState | undefined {
  const r = run('scontrol', ['-o', 'show', 'job', jobId]);
  if (r.code !== 0) return undefined;
  const state = /\bJobState=(\S+)/.exec(r.stdout)?.[1], reason = /\bReason=(\S+)/.exec(r.stdout)?.[1] ?? '';
  return state ? { state, reason } : undefined;
}

/** Cancels one job of this batch (a collect job whose dependency can no longer be met). */
export function cancelJob(jobId: string): void {
  run('scancel', [jobId]);
}
