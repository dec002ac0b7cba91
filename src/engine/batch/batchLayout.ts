// The files of one batch folder (DIR): where the manifest, job scripts, logs, exit markers and results live, and
// how they are read back. Everything `batch status` and `batch resubmit` know comes from these files.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../atomicFiles';

export type SchedulerName = 'slurm' | 'local';
export const SCHEDULER_NAMES: SchedulerName[] = ['slurm', 'local'];

/** One line of the manifest: task i analyses scan `scan` of data folder `folder` into `out`. */
export interface ManifestEntry { folder: string; scan: string; out: string }

/** What `batch` decided once; resubmissions reuse it. */
export interface BatchConfig {
  tool: 'velo-calib-batch';
  version: 1;
  root: string;
  out: string;
  scheduler: SchedulerName;
  tasks: number;
  maxParallel: number;
  /** Worker threads of each task's `analyse` (Slurm: --cpus-per-task). */
  cpusPerTask: number;
  slurm: { partition?: string; time?: string; mem?: string };
  /** Extra `analyse` options every task gets (e.g. `--model seed`). */
  analyseArgs: string[];
  node: string;
  cli: string;
}

/** One Slurm submission: an array job over `indices` and the collect job waiting for it (no array job, `-` and
 * `none`, when only collect was submitted again). */
export interface Submission { arrayJob: string; collectJob: string; indices: number[] | 'all' }

export class BatchLayout {
  readonly manifest: string;
  readonly config: string;
  readonly arrayScript: string;
  readonly collectScript: string;
  readonly submitScript: string;
  readonly jobs: string;
  readonly logs: string;
  readonly results: string;
  readonly localRunner: string;

  constructor(readonly dir: string) {
    this.dir = path.resolve(dir);
    this.manifest = path.join(this.dir, 'manifest.tsv');
    this.config = path.join(this.dir, 'batch.json');
    this.arrayScript = path.join(this.dir, 'analyse.sbatch');
    this.collectScript = path.join(this.dir, 'collect.sbatch');
    this.submitScript = path.join(this.dir, 'submit.sh');
    this.jobs = path.join(this.dir, 'jobs.tsv');
    this.logs = path.join(this.dir, 'logs');
    this.results = path.join(this.dir, 'scans');
    this.localRunner = path.join(this.logs, 'local-runner.pid');
  }

  taskLog(i: number): string { return path.join(this.logs, `task-${i}.log`); }
  taskMarker(i: number): string { return path.join(this.logs, `task-${i}.exit`); }
  get collectLog(): string { return path.join(this.logs, 'collect.log'); }
  get collectMarker(): string { return path.join(this.logs, 'collect.exit'); }
}

const FORBIDDEN_IN_MANIFEST = /[\t\n\r]/;

export function manifestText(entries: ManifestEntry[]): string {
  for (const e of entries) {
    for (const p of [e.folder, e.scan, e.out]) {
      if (FORBIDDEN_IN_MANIFEST.test(p)) throw new Error(`${JSON.stringify(p)}: tabs and line breaks cannot go into the manifest`);
    }
  }
  return entries.map(e => `${e.folder}\t${e.scan}\t${e.out}\n`).join('');
}

export function readManifest(layout: BatchLayout): ManifestEntry[] {
  const text = readOrExplain(layout.manifest);
  return text.split('\n').filter(l => l.length > 0).map((line, i) => {
    const parts = line.split('\t');
    if (parts.length !== 3) throw new Error(`${layout.manifest}:${i + 1}: expected folder<TAB>scan<TAB>output folder`);
    return { folder: parts[0], scan: parts[1], out: parts[2] };
  });
}

export function writeConfig(layout: BatchLayout, config: BatchConfig): void {
  writeFileAtomic(layout.config, JSON.stringify(config, null, 1) + '\n');
}

export function readConfig(layout: BatchLayout): BatchConfig {
  const config = JSON.parse(readOrExplain(layout.config)) as BatchConfig;
  if (config.tool !== 'velo-calib-batch') throw new Error(`${layout.config}: not a velo-calib batch file`);
  return config;
}

/** Submissions in order (jobs.tsv, appended by submit.sh: array job, collect job, indices or `all`). */
export function readSubmissions(layout: BatchLayout): Submission[] {
  if (!fs.existsSync(layout.jobs)) return [];
  return fs.readFileSync(layout.jobs, 'utf8').split('\n').filter(Boolean).map(line => {
    const [arrayJob, collectJob, indices] = line.split('\t');
    return { arrayJob, collectJob, indices: indices === 'all' ? 'all' : indices === 'none' ? [] : expandIndices(indices) };
  });
}

/** `3-5,9` → [3, 4, 5, 9] (Slurm's array syntax, as compressIndices writes it). */
export function expandIndices(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`"${text}": expected task indices such as 3-5,9`);
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.push(i);
  }
  return out;
}

/** The exit code a task (or the collect job) wrote when it ended, or undefined while it has not. */
export function readExitMarker(file: string): number | undefined {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8').trim(); } catch { return undefined; }
  const code = Number(text);
  return text !== '' && Number.isInteger(code) ? code : undefined;
}

/** Last non-empty line of a log (read from its end: logs of long tasks can be large). */
export function lastLogLine(file: string): string {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch { return ''; }
  try {
    const size = fs.fstatSync(fd).size, length = Math.min(size, 8192);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split(/\r?\n/).map(l => l.trim()).filter(Boolean);
    return lines[lines.length - 1] ?? '';
  } finally {
    fs.closeSync(fd);
  }
}

/** Moves a task's log and marker aside before it runs again, so its new state is not mistaken for the old one. */
export function archiveTaskFiles(layout: BatchLayout, i: number): void {
  const previous = path.join(layout.logs, 'previous');
  fs.mkdirSync(previous, { recursive: true });
  let attempt = 1;
  while (fs.existsSync(path.join(previous, `task-${i}.${attempt}.log`)) || fs.existsSync(path.join(previous, `task-${i}.${attempt}.exit`))) attempt++;
  for (const [file, ext] of [[layout.taskLog(i), 'log'], [layout.taskMarker(i), 'exit']] as const) {
    if (fs.existsSync(file)) fs.renameSync(file, path.join(previous, `task-${i}.${attempt}.${ext}`));
  }
}

function readOrExplain(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file} not found: is ${path.dirname(file)} a folder written by \`velo-calib batch\`?`);
  }
}
