// A batch from start to resubmission: discover every scan under a root, write the manifest and job scripts,
// then submit them to Slurm or run them through the local pool; resubmit runs only the failed tasks again.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../atomicFiles';
import { archiveTaskFiles, BatchConfig, BatchLayout, manifestText, readConfig, SchedulerName, writeConfig } from './batchLayout';
import { batchStatus, BatchStatus } from './batchStatus';
import { discoverBatchScans } from './discoverBatch';
import { arrayJobScript, collectJobScript, compressIndices, submitScript } from './jobScripts';
import { runLocal, LocalRunEvents } from './localPool';
import { cancelJob, submit } from './slurm';

export interface BatchOptions {
  root: string;
  /** Batch folder: manifest, scripts, logs, results in `scans/`, campaign table (default `<root>/velo-calib-batch`). */
  out?: string;
  scheduler: SchedulerName;
  maxParallel?: number;
  cpusPerTask?: number;
  partition?: string;
  time?: string;
  mem?: string;
  analyseArgs?: string[];
  /** The node binary and dist/cli.js the tasks run (absolute paths). */
  node: string;
  cli: string;
}

export class BatchError extends Error {}

export function defaultBatchFolder(root: string): string {
  return path.join(path.resolve(root), 'velo-calib-batch');
}

/** Writes manifest.tsv, batch.json, analyse.sbatch, collect.sbatch and submit.sh; submits nothing. */
export function prepareBatch(options: BatchOptions, cores: number): { layout: BatchLayout; config: BatchConfig; unreadable: string[] } {
  const root = path.resolve(options.root);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new BatchError(`${root}: not a folder`);
  const layout = new BatchLayout(options.out ?? defaultBatchFolder(root));
  refuseWhileActive(layout);
  const { entries, unreadable } = discoverBatchScans(root, layout.results, [layout.dir]);
  if (entries.length === 0) throw new BatchError(`${root}: no scan files in it or its subfolders (expected names like <prefix>1s310ms_THR_1320_3.csv)`);
  const local = options.scheduler === 'local';
  const maxParallel = options.maxParallel ?? (local ? Math.max(1, Math.min(cores, entries.length)) : entries.length);
  const config: BatchConfig = {
    tool: 'velo-calib-batch', version: 1, root, out: layout.dir, scheduler: options.scheduler, tasks: entries.length,
    maxParallel,
    // local: the cores shared among the parallel tasks; Slurm: what each task asks for
    cpusPerTask: options.cpusPerTask ?? (local ? Math.max(1, Math.floor(cores / maxParallel)) : 1),
    slurm: { partition: options.partition, time: options.time, mem: options.mem },
    analyseArgs: options.analyseArgs ?? [], node: options.node, cli: options.cli,
  };
  fs.mkdirSync(layout.logs, { recursive: true });
  clearPreviousRun(layout);
  writeFileAtomic(layout.manifest, manifestText(entries));
  writeFileAtomic(layout.arrayScript, arrayJobScript(layout, config));
  writeFileAtomic(layout.collectScript, collectJobScript(layout, config));
  writeFileAtomic(layout.submitScript, submitScript(layout, config));
  fs.chmodSync(layout.submitScript, 0o755);
  writeConfig(layout, config);
  return { layout, config, unreadable };
}

/** A batch folder whose tasks are still queued or running is not overwritten. */
function refuseWhileActive(layout: BatchLayout): void {
  if (!fs.existsSync(layout.config)) return;
  const active = activity(batchStatus(layout.dir));
  if (active) throw new BatchError(`${layout.dir} holds a batch that is still running (${active}): wait for it, cancel it, or choose another --out`);
}

/**
 * What is still queued or running, or '' when nothing is. A pending collect job does not count once a task failed:
 * its afterok dependency can never be met.
 */
function activity(status: BatchStatus): string {
  const { pending, running, unknown, failed } = status.counts;
  const collectWaiting = status.collect.state === 'running'
    || (status.collect.state === 'pending' && failed === 0 && !/NeverSatisfied/.test(status.collect.detail));
  if (pending + running + unknown === 0 && !collectWaiting) return '';
  return `${pending} pending, ${running} running, ${unknown} unknown tasks${collectWaiting ? `, collect ${status.collect.state}` : ''}`;
}

/** Logs, markers and job list of an earlier batch in the same folder go to logs/previous/. */
function clearPreviousRun(layout: BatchLayout): void {
  if (!fs.existsSync(layout.config)) return;
  const previous = readConfig(layout);
  for (let i = 0; i < previous.tasks; i++) archiveTaskFiles(layout, i);
  archiveCollectFiles(layout);
  if (fs.existsSync(layout.jobs)) fs.renameSync(layout.jobs, path.join(layout.logs, 'previous', `jobs.${Date.now()}.tsv`));
}

function archiveCollectFiles(layout: BatchLayout): void {
  const previous = path.join(layout.logs, 'previous');
  fs.mkdirSync(previous, { recursive: true });
  const stamp = Date.now();
  for (const file of [layout.collectLog, layout.collectMarker]) {
    if (fs.existsSync(file)) fs.renameSync(file, path.join(previous, `${path.basename(file)}.${stamp}`));
  }
}

export interface StartResult {
  /** Slurm: the submit script's message; local: the summary. */
  message: string;
  failed: number[];
}

/** Submits every task (Slurm) or runs them all here (local). */
export async function startBatch(layout: BatchLayout, config: BatchConfig, events?: LocalRunEvents, signal?: AbortSignal): Promise<StartResult> {
  if (config.scheduler === 'slurm') return { message: submit(layout).message, failed: [] };
  const all = Array.from({ length: config.tasks }, (_, i) => i);
  return localSummary(await runLocal(layout, config, all, events, signal), all.length);
}

function localSummary(r: { failed: number[]; collectCode: number | undefined }, n: number): StartResult {
  const collect = r.collectCode === undefined ? 'collect not run (it waits for every task to succeed)'
    : r.collectCode === 0 ? 'collect done' : `collect failed (exit ${r.collectCode}, see logs/collect.log)`;
  return { message: `${n - r.failed.length} of ${n} tasks done${r.failed.length ? `, failed: ${compressIndices(r.failed)}` : ''}; ${collect}`,
    failed: r.failed };
}

/**
 * Runs again only the failed tasks (their old logs and markers go to logs/previous/), with a new collect job after
 * them; when every task is done but collect failed, collect alone.
 */
export async function resubmitBatch(dir: string, events?: LocalRunEvents, signal?: AbortSignal): Promise<StartResult> {
  const layout = new BatchLayout(dir);
  const config = readConfig(layout);
  const status = batchStatus(layout.dir);
  const active = activity(status);
  if (active) throw new BatchError(`${layout.dir}: ${active}: resubmit once they ended`);
  const failed = status.tasks.filter(t => t.state === 'failed' || t.state === 'not submitted').map(t => t.index);
  if (failed.length === 0 && status.collect.state === 'done') return { message: 'nothing to resubmit: every task and collect are done', failed: [] };
  for (const i of failed) archiveTaskFiles(layout, i);
  archiveCollectFiles(layout);
  if (config.scheduler === 'slurm') {
    // the old collect job waits on a dependency that can never be met any more
    if (status.collect.job && status.collect.state === 'pending') cancelJob(status.collect.job);
    return { message: submit(layout, failed.length ? compressIndices(failed) : 'collect').message, failed: [] };
  }
  return localSummary(await runLocal(layout, config, failed, events, signal), failed.length);
}
