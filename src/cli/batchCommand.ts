// `velo-calib batch …`: whole-detector campaigns as one Slurm array job (or the local pool), their status and the
// resubmission of failed tasks. Parses its own options; the engine side is src/engine/batch/.
import * as fs from 'fs';
import { prepareBatch, resubmitBatch, startBatch } from '../engine/batch/batch';
import { BatchLayout, ManifestEntry, readManifest, SCHEDULER_NAMES, SchedulerName } from '../engine/batch/batchLayout';
import { batchStatus, BatchStatus } from '../engine/batch/batchStatus';
import { LocalRunEvents } from '../engine/batch/localPool';
import { defaultWorkerCount } from '../engine/workerPool';

export const BATCH_USAGE = `  velo-calib batch <root> [--scheduler local|slurm] [--out DIR] [--max-parallel K] [--cpus-per-task C]
                     [--partition P] [--time T] [--mem M] [--dry-run] [analyse options: --model, --bad-cut,
                     --bad-columns, --no-cut-bad, --no-fit, --polarity, --fit-range, --outlier-sigma,
                     --strict]
  velo-calib batch status <dir> [--json]     per task: pending, running, done, failed (with its last log line)
  velo-calib batch resubmit <dir>            runs only the failed (or never run) tasks again, then collect`;

class BatchUsageError extends Error {}

const BATCH_VALUE_FLAGS = new Set(['scheduler', 'out', 'max-parallel', 'cpus-per-task', 'partition', 'time', 'mem']);
const BATCH_BOOLEAN_FLAGS = new Set(['dry-run', 'json', 'help']);
/** `analyse` options handed to every task unchanged (validated once here, by the caller's analyse parser). */
const FORWARDED_VALUE_FLAGS = new Set(['model', 'bad-cut', 'bad-columns', 'polarity', 'fit-range', 'outlier-sigma']);
const FORWARDED_BOOLEAN_FLAGS = new Set(['no-cut-bad', 'no-fit', 'strict']);

interface BatchArgs { positional: string[]; flags: Map<string, string | true>; forwarded: string[] }

function parseBatchArgs(argv: string[]): BatchArgs {
  const positional: string[] = [], flags = new Map<string, string | true>(), forwarded: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h') { flags.set('help', true); continue; }
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (BATCH_BOOLEAN_FLAGS.has(name)) { flags.set(name, true); continue; }
    if (FORWARDED_BOOLEAN_FLAGS.has(name)) { forwarded.push(`--${name}`); continue; }
    const isValue = BATCH_VALUE_FLAGS.has(name) || FORWARDED_VALUE_FLAGS.has(name);
    if (!isValue) throw new BatchUsageError(`unknown option --${name} for batch`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new BatchUsageError(`--${name} needs a value`);
    if (FORWARDED_VALUE_FLAGS.has(name)) forwarded.push(`--${name}`, value); else flags.set(name, value);
  }
  return { positional, flags, forwarded };
}

function positiveInteger(args: BatchArgs, name: string): number | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1) throw new BatchUsageError(`--${name} "${v}": expected a whole number ≥ 1`);
  return x;
}

function text(args: BatchArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/**
 * Entry from cli.ts. `validateAnalyseArgs` throws (with a usage message) when the forwarded analyse options are
 * not valid, so a typo fails here and not in every task. Returns the exit code (0 ok, 1 error or failed tasks, 2 usage).
 */
export async function runBatchCommand(argv: string[], validateAnalyseArgs: (args: string[]) => void,
  cli: { node: string; script: string }): Promise<number> {
  try {
    const args = parseBatchArgs(argv);
    if (args.flags.has('help')) { process.stdout.write(`Usage:\n${BATCH_USAGE}\n`); return 0; }
    const [first, dir] = args.positional;
    if (first === 'status') return printStatus(required(dir, 'batch status needs the batch folder'), args.flags.has('json'));
    if (first === 'resubmit') {
      const batchDir = required(dir, 'batch resubmit needs the batch folder');
      const r = await resubmitBatch(batchDir, localProgress(batchDir));
      process.stdout.write(r.message + '\n');
      return r.failed.length ? 1 : 0;
    }
    return await runBatch(args, validateAnalyseArgs, cli);
  } catch (e) {
    if (e instanceof BatchUsageError) {
      process.stderr.write(`velo-calib: ${e.message}\n\nUsage:\n${BATCH_USAGE}\n`);
      return 2;
    }
    process.stderr.write(`velo-calib batch: ${(e as Error).message}\n`);
    return 1;
  }
}

function required(value: string | undefined, message: string): string {
  if (!value) throw new BatchUsageError(message);
  return value;
}

async function runBatch(args: BatchArgs, validateAnalyseArgs: (args: string[]) => void, cli: { node: string; script: string }): Promise<number> {
  const root = required(args.positional[0], 'batch needs the root folder of the scans');
  if (args.positional.length > 1) throw new BatchUsageError(`one root folder expected, got ${args.positional.join(' ')}`);
  const scheduler = (text(args, 'scheduler') ?? 'local') as SchedulerName;
  if (!SCHEDULER_NAMES.includes(scheduler)) throw new BatchUsageError(`--scheduler "${scheduler}": expected local or slurm`);
  try { validateAnalyseArgs(args.forwarded); } catch (e) { throw new BatchUsageError((e as Error).message); }
  const { layout, config, unreadable } = prepareBatch({
    root, out: text(args, 'out'), scheduler, maxParallel: positiveInteger(args, 'max-parallel'),
    cpusPerTask: positiveInteger(args, 'cpus-per-task'), partition: text(args, 'partition'), time: text(args, 'time'),
    mem: text(args, 'mem'), analyseArgs: args.forwarded, node: cli.node, cli: fs.realpathSync(cli.script),
  }, defaultWorkerCount());
  for (const u of unreadable) process.stderr.write(`warning: not read: ${u}\n`);
  process.stdout.write(`${config.tasks} scans under ${config.root}\n` +
    `manifest:     ${layout.manifest}\narray job:    ${layout.arrayScript}\ncollect job:  ${layout.collectScript}\n` +
    `submit:       ${layout.submitScript}\nlogs:         ${layout.logs}\nresults:      ${layout.results}\n`);
  if (args.flags.has('dry-run')) {
    process.stdout.write(scheduler === 'slurm' ? `dry run: nothing submitted; submit with: bash ${layout.submitScript}\n`
      : `dry run: nothing run; run with: velo-calib batch resubmit ${layout.dir}\n`);
    return 0;
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const r = await startBatch(layout, config, localProgress(layout.dir), controller.signal);
  process.stdout.write(r.message + '\n');
  if (scheduler === 'slurm') process.stdout.write(`follow it with: velo-calib batch status ${layout.dir}\n`);
  return r.failed.length ? 1 : 0;
}

/** One line per finished local task on stderr. */
function localProgress(dir: string): LocalRunEvents {
  let entries: ManifestEntry[] | undefined;
  return {
    onTaskEnd: (i, code) => {
      entries ??= readManifest(new BatchLayout(dir));
      process.stderr.write(`task ${i} ${code === 0 ? 'done' : `failed (exit ${code}, see logs/task-${i}.log)`}: ${entries[i]?.scan ?? ''}\n`);
    },
  };
}

function printStatus(dir: string, json: boolean): number {
  const status = batchStatus(dir);
  if (json) { process.stdout.write(JSON.stringify(status, null, 1) + '\n'); return 0; }
  process.stdout.write(statusTable(status));
  return 0;
}

function statusTable(s: BatchStatus): string {
  const lines = [`batch ${s.dir} (${s.scheduler}): ${s.tasks.length} tasks`];
  const width = Math.max(4, ...s.tasks.map(t => t.scan.length));
  lines.push(`task  ${'state'.padEnd(13)} ${'scan'.padEnd(width)}  detail`);
  for (const t of s.tasks) lines.push(`${String(t.index).padEnd(5)} ${t.state.padEnd(13)} ${t.scan.padEnd(width)}  ${t.detail}`);
  lines.push(`collect: ${s.collect.state}${s.collect.detail ? ` (${s.collect.detail})` : ''}`);
  lines.push(Object.entries(s.counts).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`).join(', '));
  return lines.join('\n') + '\n';
}
