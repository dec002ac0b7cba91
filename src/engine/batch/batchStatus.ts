// Per-task state of a batch: the task's own exit marker first (it outlives the scheduler's memory), then the
// scheduler (squeue/scontrol for Slurm; the local runner's pid for a local run).
import * as fs from 'fs';
import { BatchConfig, BatchLayout, lastLogLine, ManifestEntry, readConfig, readExitMarker, readManifest, readSubmissions, Submission } from './batchLayout';
import { QueueState, queueStates, rememberedJobState } from './slurm';

/** `unknown`: no exit marker yet and the scheduler cannot be asked (e.g. squeue fails: controller down). */
export type TaskState = 'pending' | 'running' | 'done' | 'failed' | 'not submitted' | 'unknown';

export interface TaskStatus extends ManifestEntry {
  index: number;
  state: TaskState;
  /** Scheduler state or reason, exit code, or (failed) the task's last log line. */
  detail: string;
  /** The Slurm job of this attempt (`<array job>_<index>`), when submitted to Slurm. */
  job?: string;
}

export interface BatchStatus {
  dir: string;
  scheduler: BatchConfig['scheduler'];
  tasks: TaskStatus[];
  collect: { state: TaskState; detail: string; job?: string };
  counts: Record<TaskState, number>;
}

interface StateSource {
  /** State of a job that left no exit marker (yet). */
  unfinished(job: string | undefined, log: string): { state: TaskState; detail: string };
}

export function batchStatus(dir: string): BatchStatus {
  const layout = new BatchLayout(dir);
  const config = readConfig(layout), manifest = readManifest(layout);
  const submissions = readSubmissions(layout);
  const source = config.scheduler === 'slurm' ? slurmSource(submissions) : localSource(layout);
  const tasks = manifest.map((entry, index): TaskStatus => {
    const job = config.scheduler === 'slurm' ? taskJob(submissions, index) : undefined;
    const { state, detail } = finished(layout.taskMarker(index), layout.taskLog(index)) ?? source.unfinished(job, layout.taskLog(index));
    return { index, ...entry, state, detail, ...(job ? { job } : {}) };
  });
  const collectJob = submissions[submissions.length - 1]?.collectJob;
  const collect = { ...(finished(layout.collectMarker, layout.collectLog) ?? source.unfinished(collectJob, layout.collectLog)),
    ...(collectJob ? { job: collectJob } : {}) };
  const counts = { pending: 0, running: 0, done: 0, failed: 0, 'not submitted': 0, unknown: 0 };
  for (const t of tasks) counts[t.state]++;
  return { dir: layout.dir, scheduler: config.scheduler, tasks, collect, counts };
}

function finished(marker: string, log: string): { state: TaskState; detail: string } | undefined {
  const code = readExitMarker(marker);
  if (code === undefined) return undefined;
  return code === 0 ? { state: 'done', detail: '' } : { state: 'failed', detail: `exit ${code}: ${lastLogLine(log) || '(empty log)'}` };
}

/** The array task of the latest submission that included this index. */
function taskJob(submissions: Submission[], index: number): string | undefined {
  for (let s = submissions.length - 1; s >= 0; s--) {
    const { arrayJob, indices } = submissions[s];
    if (indices === 'all' || indices.includes(index)) return `${arrayJob}_${index}`;
  }
  return undefined;
}

const RUNNING_STATES = new Set(['RUNNING', 'CONFIGURING', 'COMPLETING', 'STAGE_OUT']);

function slurmSource(submissions: Submission[]): StateSource {
  let queue: Map<string, QueueState> | Error | undefined;
  return {
    unfinished(job, log) {
      if (!job) return { state: 'not submitted', detail: submissions.length ? '' : 'written with --dry-run: submit with submit.sh' };
      if (!queue) { try { queue = queueStates(); } catch (e) { queue = e as Error; } }
      if (queue instanceof Error) return { state: 'unknown', detail: queue.message };
      const queued = queue.get(job);
      if (queued) {
        if (queued.state === 'PENDING') return { state: 'pending', detail: queued.reason };
        if (RUNNING_STATES.has(queued.state)) return { state: 'running', detail: queued.state.toLowerCase() };
        return { state: 'pending', detail: `${queued.state.toLowerCase()} (${queued.reason})` };
      }
      const remembered = rememberedJobState(job);
      const last = lastLogLine(log);
      const why = remembered ? `Slurm: ${remembered.state}${remembered.reason && remembered.reason !== 'None' ? ` (${remembered.reason})` : ''}`
        : 'Slurm no longer knows the job';
      return { state: 'failed', detail: `ended without an exit marker (${why}: killed, cancelled or out of time?)${last ? `: ${last}` : ''}` };
    },
  };
}

function localSource(layout: BatchLayout): StateSource {
  let runnerAlive: boolean | undefined;
  return {
    unfinished(_job, log) {
      const runner = readText(layout.localRunner);
      if (!runner) return { state: 'not submitted', detail: 'not run yet (written with --dry-run)' };
      runnerAlive ??= isAlive(Number(runner));
      if (!runnerAlive) {
        return fs.existsSync(log) ? { state: 'failed', detail: `the local run ended before this task did: ${lastLogLine(log)}` }
          : { state: 'not submitted', detail: 'not run (the local run was stopped before it)' };
      }
      return fs.existsSync(log) ? { state: 'running', detail: 'local' } : { state: 'pending', detail: 'local' };
    },
  };
}

function readText(file: string): string {
  try { return fs.readFileSync(file, 'utf8').trim(); } catch { return ''; }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
