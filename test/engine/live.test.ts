// `velo-calib watch` against a real writer process: the live result of a scan written file by file (chunks with
// pauses, renames, a broken file, a counted file replaced) equals `velo-calib analyse` of the complete folder, and
// a watcher killed mid-scan resumes from its checkpoint without counting or reading a counted file again.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, fork, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ENGINE_IPC_ENV, EngineCommand, EngineEvent } from '../../src/protocol';
import { checkpointFolder } from '../../src/engine/live/liveCheckpoint';
import { generateScan } from '../../src/engine/generate';
import { generated, scratchDir } from './helpers';
import { WritePlan, WriteStep } from './liveWriter';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const WRITER = path.join(__dirname, 'liveWriter.js');
const SCAN_ID = 'Module0_VP0-1_ECS_data_ST_1s310ms';
const FAST = ['--settle-ms', '300', '--poll-ms', '200', '--publish-seconds', '0.5', '--refit-seconds', '1', '--workers', '1'];

interface Run { child: ChildProcess; events: EngineEvent[]; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; stderr: () => string }

function startWatch(dir: string, out: string, ...extra: string[]): Run {
  const child = spawn(process.execPath, [CLI, 'watch', dir, '--out', out, '--json', ...FAST, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: EngineEvent[] = [];
  let buffer = '', stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as EngineEvent);
  });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, events, exited, stderr: () => stderr };
}

function startWriter(plan: WritePlan): Promise<number | null> {
  const file = path.join(scratchDir('live-plan'), 'plan.json');
  fs.writeFileSync(file, JSON.stringify(plan));
  const child = spawn(process.execPath, [WRITER, file], { stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise(resolve => child.on('exit', code => resolve(code)));
}

function analyse(dir: string, out: string): void {
  const r = spawnSync(process.execPath, [CLI, 'analyse', dir, '--out', out, '--workers', '1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

const acquisitionNames = (dir: string) => fs.readdirSync(dir).filter(n => /_THR_\d+_\d+\.csv$/.test(n))
  .sort((a, b) => key(a) - key(b));
function key(name: string): number {
  const m = /_THR_(\d+)_(\d+)\.csv$/.exec(name)!;
  return Number(m[1]) * 1000 + Number(m[2]);
}

/** Every output of `analyse` is there: flux files and binary counts byte-identical, fits within 1e-6 relative. */
function assertSameAsBatch(liveOut: string, batchOut: string): void {
  for (const name of fs.readdirSync(batchOut)) {
    const batch = path.join(batchOut, name), live = path.join(liveOut, name);
    if (fs.statSync(batch).isDirectory()) continue;
    assert.ok(fs.existsSync(live), `live output lacks ${name}`);
    if (/^(Uncertainty)?Fluxper/.test(name) || name === 'pixel_counts.f32') {
      assert.ok(fs.readFileSync(live).equals(fs.readFileSync(batch)), `${name} differs from the batch analysis`);
    } else if (name === 'summary.json') {
      const strip = (f: string) => { const s = JSON.parse(fs.readFileSync(f, 'utf8')); delete s.created; delete s.run; return s; };
      assert.deepEqual(strip(live), strip(batch));
    } else if (name.endsWith('.csv') || name.endsWith('.json')) {
      const numbers = (f: string) => fs.readFileSync(f, 'utf8').split(/[,\n:{}[\]\s]+/);
      const a = numbers(live), b = numbers(batch);
      assert.equal(a.length, b.length, name);
      for (let i = 0; i < a.length; i++) {
        const x = Number(a[i]), y = Number(b[i]);
        if (Number.isFinite(x) && Number.isFinite(y)) assert.ok(Math.abs(x - y) <= 1e-6 * Math.max(Math.abs(x), Math.abs(y)), `${name}: ${a[i]} vs ${b[i]}`);
        else assert.equal(a[i], b[i], name);
      }
    }
  }
  // No file of a live snapshot is left that the batch analysis does not write.
  const extra = fs.readdirSync(liveOut).filter(n => !n.startsWith('.') && !fs.existsSync(path.join(batchOut, n)));
  assert.deepEqual(extra, []);
}

test('a scan written file by file while watched: the final outputs are those of analyse on the complete folder', async () => {
  const { dir: source, truth } = generated('live-src', { thresholds: [1320, 1340, 1360, 1380, 1400, 1420, 1440, 1460, 1480, 1500, 1520, 1540, 1560, 1580, 1600], nacq: 6, seed: 11, rows: 24, cols: 24 });
  const target = path.join(scratchDir('live-dir'), 'scan');
  const out = path.join(path.dirname(target), 'live-out');
  const names = acquisitionNames(source);
  const chunked = names[20], replaced = names[30], broken = names[40], empty = names[7]; // empty on the plateau: implausible
  const steps: WriteStep[] = [{ name: truth.maskFile, how: 'whole', delayMs: 0 }];
  // The checkpoint lists every file read, unreadable ones too: the writer waits on it to complete the chunked file
  // only after the watcher has read it incomplete, and to replace a file only after it was counted.
  const manifest = path.join(checkpointFolder(out, SCAN_ID), 'manifest.json');
  names.forEach((name, i) => {
    const how = name === chunked ? 'chunks' : name === broken ? 'broken' : name === empty ? 'empty' : i % 5 === 3 ? 'rename' : i % 7 === 5 ? 'chunks' : 'whole';
    // bursts of files, then a pause; one file written in chunks with pauses longer than the settle time
    steps.push({ name, how, delayMs: i % 10 === 0 ? 400 : 10, pauseMs: 40, afterCountedIn: name === chunked ? manifest : undefined });
  });
  steps.push({ name: replaced, how: 'replace', from: names[31], delayMs: 0, afterCountedIn: manifest });

  fs.mkdirSync(target, { recursive: true });
  const watch = startWatch(target, out, '--idle-exit', '4', '--bad-run', '3');
  assert.equal(await startWriter({ source, target, steps }), 0);
  const { code } = await watch.exited;
  assert.equal(code, 0, watch.stderr());

  const batchOut = path.join(path.dirname(target), 'batch-out');
  analyse(target, batchOut);
  assertSameAsBatch(out, batchOut);

  const live = watch.events.filter((e): e is Extract<EngineEvent, { type: 'live' }> => e.type === 'live');
  const threshold = (n: string) => /_THR_(\d+)_/.exec(n)![1];
  // Every file is counted once, except those of the threshold summed again after its file was replaced.
  for (const name of names) {
    const n = live.filter(e => e.file === name).length;
    if (name === broken) assert.equal(n, 0, 'the broken file is never counted');
    else if (threshold(name) === threshold(replaced)) assert.ok(n === 1 || n === 2, `${name} counted ${n} times`);
    else assert.equal(n, 1, `${name} counted ${n} times`);
  }
  assert.ok(watch.events.some(e => e.type === 'log' && e.message.startsWith(`${chunked}: unreadable at `)), 'the incomplete file was read, then read again');
  const alerts = watch.events.filter((e): e is Extract<EngineEvent, { type: 'alert' }> => e.type === 'alert');
  assert.ok(alerts.some(a => a.kind === 'changed-file' && a.file === replaced), 'the replaced file is reported');
  assert.ok(alerts.some(a => a.kind === 'bad-run'), 'the all-bad threshold raises a bad-run alert');
  assert.deepEqual(alerts.filter(a => a.kind === 'edge').map(a => a.message), [], 'a regular scan raises no edge alert');
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.skipped_files.map((s: { file: string }) => s.file), [broken]);
  assert.equal(summary.live, undefined, 'the final summary is the batch one');
  const [, thr, acq] = /_THR_(\d+)_(\d+)\.csv$/.exec(empty)!.map(Number);
  assert.deepEqual(summary.bad_acquisitions.find((b: unknown[]) => b[0] === thr && b[1] === acq), [thr, acq, 'empty'],
    'the empty acquisition is judged with its threshold, as analyse judges it');
  // Live snapshots with refits were published before the end, and the ASIC curve grew with the files.
  assert.ok(watch.events.filter(e => e.type === 'result').length >= 2);
  assert.ok(live[live.length - 1].asic.thresholds.length === truth.thresholds.length);
  assert.ok(live.some(e => e.thresholdsDone > 0 && e.thresholdsDone < truth.thresholds.length));
});

test('a folder of two scans taken together: each scan is published live in its own store, and finally as analyse publishes it', async () => {
  const common = { thresholds: [1320, 1360, 1400, 1440, 1480, 1520, 1560, 1600], nacq: 4, rows: 16, cols: 16 };
  const { dir: source, truth: first } = generated('live-multi-src', { ...common, seed: 31, shutterSeconds: 1 });
  const second = generateScan({ ...common, dir: source, seed: 32, shutterSeconds: 2 });
  const ids = [first, second].map(t => `${t.prefix}${t.shutterText}`);
  assert.notEqual(ids[0], ids[1]);
  const target = path.join(scratchDir('live-multi'), 'scan');
  const out = path.join(path.dirname(target), 'out');
  // The two scans' files interleaved (both are taken at once), some renamed into place.
  const names = acquisitionNames(source);
  const steps: WriteStep[] = [{ name: second.maskFile, how: 'whole', delayMs: 0 },
    ...names.map((name, i): WriteStep => ({ name, how: i % 3 === 1 ? 'rename' : 'whole', delayMs: i % 8 === 0 ? 300 : 15 }))];
  fs.mkdirSync(target, { recursive: true });
  const watch = startWatch(target, out, '--idle-exit', '3');
  assert.equal(await startWriter({ source, target, steps }), 0);
  assert.equal((await watch.exited).code, 0, watch.stderr());

  const dirs = ids.map(id => path.join(out, id));
  const live = watch.events.filter((e): e is Extract<EngineEvent, { type: 'live' }> => e.type === 'live');
  assert.deepEqual([...new Set(live.map(e => e.scan))].sort(), [...ids].sort(), 'both scans are followed');
  for (const id of ids) {
    const last = live.filter(e => e.scan === id).pop()!;
    assert.equal(last.filesCounted, common.thresholds.length * common.nacq, `${id}: every file counted once`);
  }
  // Live snapshots of each scan before the final publication, each into the scan's own output folder.
  const done = watch.events.findIndex(e => e.type === 'done');
  const results = watch.events.slice(0, done).filter((e): e is Extract<EngineEvent, { type: 'result' }> => e.type === 'result');
  for (const dir of dirs) assert.ok(results.filter(r => r.outputDir === dir).length >= 2, `${dir}: a live snapshot and the final result`);
  assert.deepEqual([...(watch.events[done] as { outputDirs: string[] }).outputDirs].sort(), [...dirs].sort());
  const batchOut = path.join(path.dirname(target), 'batch');
  analyse(target, batchOut);
  for (const id of ids) assertSameAsBatch(path.join(out, id), path.join(batchOut, id));
});

test('a watcher killed mid-scan resumes from its checkpoint: no double counting, counted files not read again', async () => {
  const { dir: source, truth } = generated('live-kill-src', { thresholds: [1320, 1360, 1400, 1440, 1480, 1520, 1560, 1600], nacq: 8, seed: 5, rows: 24, cols: 24 });
  const target = path.join(scratchDir('live-kill'), 'scan');
  const out = path.join(path.dirname(target), 'out');
  const names = acquisitionNames(source);
  const steps: WriteStep[] = [{ name: truth.maskFile, how: 'whole', delayMs: 0 },
    ...names.map((name, i): WriteStep => ({ name, how: i % 4 === 1 ? 'rename' : 'whole', delayMs: 15 }))];
  const half = Math.floor(steps.length / 2);
  fs.mkdirSync(target, { recursive: true });
  const first = startWatch(target, out, '--workers', '1');
  assert.equal(await startWriter({ source, target, steps, to: half }), 0);
  const manifest = path.join(checkpointFolder(out, SCAN_ID), 'manifest.json');
  const countedIn = () => {
    try {
      const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { thresholds: Array<{ files: Array<{ name: string; size: number; mtimeMs: number }> }> };
      return m.thresholds.flatMap(t => t.files);
    } catch { return []; }
  };
  // Kill it once a checkpoint holds files, half-way through the scan; the rest arrives while no watcher runs.
  while (countedIn().length < 10) await new Promise(r => setTimeout(r, 50));
  first.child.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');
  const counted = countedIn();
  assert.ok(counted.length >= 10 && counted.length < names.length, `${counted.length} files counted when killed`);
  assert.equal(await startWriter({ source, target, steps, from: half }), 0);

  const second = startWatch(target, out, '--idle-exit', '2');
  const { code } = await second.exited;
  assert.equal(code, 0, second.stderr());
  assert.ok(second.events.some(e => e.type === 'log' && new RegExp(`resumed from the checkpoint, ${counted.length} files`).test(e.message)));
  assert.ok(second.events.some(e => e.type === 'live'), 'the restarted watch counts the rest');
  const readAgain = second.events.filter(e => e.type === 'live' && counted.some(c => c.name === e.file));
  assert.deepEqual(readAgain, [], 'files counted before the kill are not read again');
  const batchOut = path.join(path.dirname(target), 'batch');
  analyse(target, batchOut);
  assertSameAsBatch(out, batchOut);
});

test('an edge that is not where the thresholds so far put it raises an alert', async () => {
  // The scan so far (thresholds up to 1480, edge at ≈1446) then thresholds of a scan whose edge is 80 DAC later,
  // as if the source had slipped or the threshold DAC shifted.
  const common = { nacq: 5, seed: 7, rows: 16, cols: 16, badFraction: 0, allBadThresholdIndex: -1 };
  const { dir: early, truth } = generated('live-edge-a', { ...common, thresholds: [1320, 1340, 1360, 1380, 1400, 1420, 1440, 1460, 1480, 1500, 1520, 1540, 1560, 1580, 1600] });
  const { dir: late } = generated('live-edge-b', { ...common, thresholds: [1400, 1420, 1440, 1460, 1480, 1500, 1520, 1540, 1560, 1580, 1600, 1620, 1640, 1660, 1680] });
  const target = path.join(scratchDir('live-edge'), 'scan');
  const out = path.join(path.dirname(target), 'out');
  const thr = (n: string) => Number(/_THR_(\d+)_/.exec(n)![1]);
  const before = acquisitionNames(early).filter(n => thr(n) <= 1480);
  const after = acquisitionNames(late).filter(n => thr(n) > 1480 && thr(n) <= 1600);
  const steps: WriteStep[] = [{ name: truth.maskFile, how: 'whole', delayMs: 0 },
    ...before.map((name): WriteStep => ({ name, how: 'whole', delayMs: 5 })),
    ...after.map((name, i): WriteStep => ({ name, how: 'whole', delayMs: 5, source: late,
      afterFitUpTo: i === 0 ? { summary: path.join(out, 'summary.json'), threshold: 1480 } : undefined }))];
  fs.mkdirSync(target, { recursive: true });
  const watch = startWatch(target, out, '--idle-exit', '3');
  assert.equal(await startWriter({ source: early, target, steps }), 0);
  assert.equal((await watch.exited).code, 0, watch.stderr());
  const edge = watch.events.find(e => e.type === 'alert' && e.kind === 'edge');
  assert.ok(edge, 'edge alert');
  assert.match((edge as { message: string }).message, /^threshold (1500|1520|1540): ASIC flux .* where the fit of the thresholds up to 14[68]0 expects/);
});

test('forked as the extension forks it, a cancel over IPC stops the watch and publishes the batch result', async () => {
  const { dir: source, truth } = generated('live-ipc-src', { thresholds: [1320, 1360, 1400, 1440, 1480, 1520, 1560, 1600], nacq: 4, seed: 9, rows: 16, cols: 16 });
  const target = path.join(scratchDir('live-ipc'), 'scan');
  const out = path.join(path.dirname(target), 'out');
  const names = acquisitionNames(source);
  fs.mkdirSync(target, { recursive: true });
  const child = fork(CLI, ['watch', target, '--out', out, ...FAST], { env: { ...process.env, [ENGINE_IPC_ENV]: '1' }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const events: EngineEvent[] = [];
  child.on('message', (e: EngineEvent) => events.push(e));
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
  const steps: WriteStep[] = [{ name: truth.maskFile, how: 'whole', delayMs: 0 }, ...names.map((name): WriteStep => ({ name, how: 'whole', delayMs: 10 }))];
  assert.equal(await startWriter({ source, target, steps }), 0);
  // Stop as soon as some files are counted: the rest is read at the stop, before the final publication.
  while (!events.some(e => e.type === 'live')) await new Promise(r => setTimeout(r, 50));
  child.send({ type: 'cancel' } satisfies EngineCommand);
  assert.equal(await exited, 0);
  assert.ok(events.some(e => e.type === 'log' && /^stopped: publishing/.test(e.message)));
  const done = events[events.length - 1];
  assert.deepEqual(done, { type: 'done', outputDirs: [out] });
  const batchOut = path.join(path.dirname(target), 'batch');
  analyse(target, batchOut);
  assertSameAsBatch(out, batchOut);
});
