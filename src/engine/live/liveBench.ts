// The live watch's section of `npm run bench`: `velo-calib watch` forked as the extension forks it (IPC events),
// following a folder of the full-size scan that already holds its first thresholds, while files arrive at 10/s.
// The files are copied into a scratch folder (write to a temporary name, then rename, as a DAQ does). Measured: per-file update latency (the file renamed into place → parsed, added, its `live` event received by the
// viewer's process) p50/p99, the watch process's CPU share (all its threads, from /proc) while following, the
// live refits of 65,536 pixels, and the final publication after Stop.
import { ChildProcess, execFileSync, fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ENGINE_IPC_ENV, EngineCommand, EngineEvent } from '../../protocol';
import { percentile } from '../../contract/quantities';

export interface LiveBenchResult {
  alreadyCounted: number;
  files: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** CPU time of the watch process over wall time while following (1 = one core busy). */
  cpuShare: number;
  /** Live refits (fit progress → their publication), seconds. */
  refitSeconds: number[];
  refitThresholds: number;
  finalSeconds: number;
  catchUpSeconds: number;
}

const now = () => performance.timeOrigin + performance.now();

/** CPU seconds (user + system, every thread) of a process so far. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = (() => { try { return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100; } catch { return 100; } })();

/** A file appears complete in one step, as a DAQ writing to a temporary name then renaming does. */
function place(from: string, to: string): void {
  const tmp = path.join(path.dirname(to), `.${path.basename(to)}.part`);
  fs.copyFileSync(from, tmp);
  fs.renameSync(tmp, to);
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Follows `scanDir` (a generated scan) copied into a scratch folder: its first `prefilledThresholds` thresholds are
 * there when the watch starts (it catches up with them), then `files` more arrive at `ratePerSecond`.
 */
export async function measureLiveWatch(cli: string, scanDir: string, options: { prefilledThresholds: number; files: number; ratePerSecond: number }):
  Promise<LiveBenchResult> {
  const names = fs.readdirSync(scanDir).filter(n => /_THR_\d+_\d+\.csv$/.test(n));
  const key = (n: string) => { const m = /_THR_(\d+)_(\d+)\.csv$/.exec(n)!; return Number(m[1]) * 1e6 + Number(m[2]); };
  names.sort((a, b) => key(a) - key(b));
  const thresholds = [...new Set(names.map(n => Math.floor(key(n) / 1e6)))];
  const prefilled = names.filter(n => thresholds.indexOf(Math.floor(key(n) / 1e6)) < options.prefilledThresholds);
  const arriving = names.slice(prefilled.length, prefilled.length + options.files);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'velo-bench-live-'));
  const target = path.join(scratch, 'scan');
  fs.mkdirSync(target, { recursive: true });
  for (const n of [...fs.readdirSync(scanDir).filter(n => /Mask\.csv$/.test(n)), ...prefilled]) place(path.join(scanDir, n), path.join(target, n));

  const child: ChildProcess = fork(cli, ['watch', target, '--out', path.join(scratch, 'out'), '--settle-ms', '0'],
    { env: { ...process.env, [ENGINE_IPC_ENV]: '1' }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', d => { stderr += d; });
  const received = new Map<string, number>();
  const refits: number[] = [];
  let fitStart: number | undefined, done: number | undefined, stopped: number | undefined, refitThresholds = 0;
  child.on('message', (e: EngineEvent) => {
    const t = now();
    if (e.type === 'live') received.set(e.file, t);
    if (e.type === 'progress' && e.phase === 'fit' && fitStart === undefined) fitStart = t;
    if (e.type === 'result' && fitStart !== undefined) {
      if (done === undefined && stopped === undefined) { refits.push((t - fitStart) / 1000); refitThresholds = received.size; }
      fitStart = undefined;
    }
    if (e.type === 'done') done = t;
  });
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
  try {
    const started = now();
    while (received.size < prefilled.length) {
      if (child.exitCode !== null) throw new Error(`the watch exited: ${stderr}`);
      await sleep(50);
    }
    const catchUpSeconds = (now() - started) / 1000;
    const written = new Map<string, number>();
    const cpu0 = cpuSeconds(child.pid!), wall0 = now();
    for (const [i, n] of arriving.entries()) {
      const due = wall0 + (i * 1000) / options.ratePerSecond;
      if (due > now()) await sleep(due - now());
      written.set(n, now());
      place(path.join(scanDir, n), path.join(target, n));
    }
    const waitUntil = now() + 30000;
    while (arriving.some(n => !received.has(n)) && now() < waitUntil) await sleep(20);
    const cpuShare = (cpuSeconds(child.pid!) - cpu0) / ((now() - wall0) / 1000);
    const latencies = Float64Array.from(arriving.filter(n => received.has(n)).map(n => received.get(n)! - written.get(n)!)).sort();
    if (latencies.length < arriving.length) throw new Error(`${arriving.length - latencies.length} files never reached the viewer`);
    stopped = now();
    child.send({ type: 'cancel' } satisfies EngineCommand);
    if (await exited !== 0) throw new Error(`the watch failed: ${stderr}`);
    return {
      alreadyCounted: prefilled.length, files: arriving.length,
      latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] },
      cpuShare, refitSeconds: refits, refitThresholds: Math.ceil(refitThresholds / (names.length / thresholds.length)),
      finalSeconds: ((done ?? now()) - stopped) / 1000, catchUpSeconds,
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The bench's lines (the existing style: name, figure, goal). */
export function liveBenchLines(r: LiveBenchResult | Error, ratePerSecond: number): string[] {
  if (r instanceof Error) return [`live watch                      failed: ${r.message.split('\n')[0]}`];
  const refits = r.refitSeconds.length ? `${Math.max(...r.refitSeconds).toFixed(3)} s (slowest of ${r.refitSeconds.length}, ≤ ${r.refitThresholds} thresholds)` : 'none ran';
  return [
    `live watch, ${ratePerSecond} files/s           per-file update p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms, max ${r.latencyMs.max.toFixed(0)} ms ` +
      `(goal p99 ≤ 50 ms; ${r.files} files after ${r.alreadyCounted} counted; rename → parse + add → live event at the viewer, settle time not included)`,
    `  watch process CPU             ${(100 * r.cpuShare).toFixed(0)} % of one core while following (all threads, refits included)`,
    `  live refit of every pixel     ${refits}; catch-up of the first ${r.alreadyCounted} files ${r.catchUpSeconds.toFixed(1)} s`,
    `  final publication after Stop  ${r.finalSeconds.toFixed(3)} s (count verdicts, full refit, every output)`,
  ];
}
