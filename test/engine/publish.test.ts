// Publication under concurrency and kills (issue 9, items 4–5): two analyses of one folder at once both end
// well with one result folder; a run killed at random instants around publication leaves exactly the old
// or exactly the new run visible, never a mix.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Random } from '../../src/engine/random';
import { scratchDir } from './helpers';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

function start(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', d => { stderr += d; });
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>(resolve =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, done };
}

async function until(what: string, predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (predicate()) return;
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function generate(name: string, size: number): string {
  const dir = path.join(scratchDir(name), 'scan');
  const g = spawnSync(process.execPath, [CLI, 'generate', dir, '--thresholds', '1320:1600:20', '--nacq', '2', '--size', String(size)], { encoding: 'utf8' });
  assert.equal(g.status, 0, g.stderr);
  return dir;
}

const storeOf = (out: string) => path.join(path.dirname(out), `.${path.basename(out)}.runs`);

/** What the visible result path shows: the run it links to, its files (recursively) and its summary. */
function visible(out: string) {
  const target = path.basename(fs.readlinkSync(out));
  const list = (dir: string, prefix = ''): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? list(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}:${fs.statSync(path.join(dir, e.name)).size}`]);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  return { target, files: list(out).sort(), summary };
}

test('two analyses of one folder at once: the second waits for the first, both end well, one result folder', async () => {
  const dir = generate('concurrent', 32), out = path.join(dir, 'velo-calib');
  const first = start(['analyse', dir, '--workers', '1']);
  await until('the first run to hold the lock', () => fs.existsSync(path.join(storeOf(out), 'lock')));
  first.child.kill('SIGSTOP'); // holds the lock while the second one starts: the overlap is certain
  const second = start(['analyse', dir, '--workers', '1']);
  let secondErr = '';
  second.child.stderr!.on('data', d => { secondErr += d; });
  await until('the second run to wait', () => /waiting for the analysis by process \d+/.test(secondErr));
  assert.match(secondErr, new RegExp(`waiting for the analysis by process ${first.child.pid} `));
  first.child.kill('SIGCONT');
  const [a, b] = await Promise.all([first.done, second.done]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const shown = visible(out);
  assert.deepEqual(fs.readdirSync(storeOf(out)), [shown.target], 'one run folder, no lock, no staging left');
  assert.equal(shown.summary.run.id, shown.target);
  assert.ok(shown.files.some(f => f.startsWith('pixel_fits.csv:')));
});

test('a run killed at random instants around publication leaves exactly the old or exactly the new run', async () => {
  const dir = generate('kill', 8), out = path.join(dir, 'velo-calib');
  const modes = [['--no-fit'], []]; // alternate: the two runs' file lists differ, so a mix would show
  const expected: Array<ReturnType<typeof visible>> = [];
  const duration: number[] = [];
  for (const mode of modes) { // reference runs: the complete file list of each mode, and how long a run takes
    const t0 = Date.now();
    const r = await start(['analyse', dir, '--workers', '1', ...mode]).done;
    duration.push(Date.now() - t0);
    assert.equal(r.code, 0, r.stderr);
    expected.push(visible(out));
  }
  const random = new Random(9);
  const outcomes = { old: 0, new: 0, finished: 0 };
  const budgetEnd = Date.now() + 60_000;
  let i = 0;
  for (; i < 40 && Date.now() < budgetEnd; i++) {
    const m = i % 2;
    const before = visible(out);
    const run = start(['analyse', dir, '--workers', '1', ...modes[m]]);
    // Publication is at the end of a run. Half the kills fall at an instant drawn over the run's last part (and a
    // little beyond), half 0–3 ms after the new run folder holds summary.json, its last file before the swap.
    let timer: NodeJS.Timeout | undefined, exited = false;
    const kill = () => run.child.kill('SIGKILL');
    if (i % 4 < 2) {
      timer = setTimeout(kill, duration[m] * (0.55 + 0.5 * random.uniform()));
    } else {
      const watchSummary = () => {
        if (exited) return;
        const ready = fs.readdirSync(storeOf(out)).some(n => n !== before.target && fs.existsSync(path.join(storeOf(out), n, 'summary.json')));
        timer = ready ? setTimeout(kill, 3 * random.uniform()) : setTimeout(watchSummary, 1);
      };
      watchSummary();
    }
    const r = await run.done;
    exited = true;
    clearTimeout(timer);
    const after = visible(out);
    assert.equal(after.summary.run.id, after.target, 'summary.json belongs to the run the link shows');
    if (after.target === before.target) {
      assert.deepEqual(after.files, before.files, `iteration ${i}: the old run, unchanged`);
      outcomes.old++;
    } else {
      assert.deepEqual(after.files.map(f => f.split(':')[0]), expected[m].files.map(f => f.split(':')[0]), `iteration ${i}: the new run, complete`);
      assert.equal(after.summary.settings.fit, m === 1);
      outcomes.new++;
    }
    if (r.code === 0) outcomes.finished++;
  }
  // a normal run afterwards cleans up what the killed runs left (their lock and run folders)
  const last = await start(['analyse', dir, '--workers', '1']).done;
  assert.equal(last.code, 0, last.stderr);
  assert.deepEqual(fs.readdirSync(storeOf(out)), [visible(out).target]);
  // how the kills fell (a diagnostic, not an assertion: it depends on the machine's speed)
  process.stdout.write(`# ${i} kills: ${outcomes.old} left the old run, ${outcomes.new} the new one (${outcomes.finished} finished before the kill)\n`);
});

test('a run stopped politely (SIGTERM) discards its run folder and releases the lock; the old run stays', async () => {
  const dir = generate('sigterm', 32), out = path.join(dir, 'velo-calib');
  assert.equal((await start(['analyse', dir, '--no-fit', '--workers', '1']).done).code, 0);
  const before = visible(out);
  const run = start(['analyse', dir, '--workers', '1']);
  await until('the run to write its flux outputs', () => fs.readdirSync(storeOf(out)).some(n =>
    n !== before.target && /^\d{8}T/.test(n) && fs.readdirSync(path.join(storeOf(out), n)).some(f => f.startsWith('Fluxperpixel_'))));
  run.child.kill('SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /error: cancelled/);
  assert.deepEqual(visible(out), before);
  assert.deepEqual(fs.readdirSync(storeOf(out)), [before.target], 'no run folder, no lock left');
});

test('the lock excludes: runs that all start on a dead owner\'s lock hold it one after the other', async () => {
  const storeDir = path.join(scratchDir('lock-race'), '.out.runs'), log = path.join(path.dirname(storeDir), 'holds.log');
  fs.mkdirSync(storeDir);
  const deadOwner = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  fs.writeFileSync(path.join(storeDir, 'lock'), JSON.stringify({ pid: Number(deadOwner), start: '1', host: os.hostname(), since: '', output: 'x', nonce: 'n' }));
  // each holder writes "<pid> in", waits a little, writes "<pid> out": with exclusion the lines pair up
  const holder = `const { acquireResultLock } = require(${JSON.stringify(path.resolve(__dirname, '../../src/engine/publish/resultLock.js'))});
    const fs = require('fs');
    (async () => {
      const lock = await acquireResultLock(${JSON.stringify(storeDir)}, 'out', { waitMs: 60000 });
      fs.appendFileSync(${JSON.stringify(log)}, process.pid + ' in\\n');
      await new Promise(r => setTimeout(r, 30));
      fs.appendFileSync(${JSON.stringify(log)}, process.pid + ' out\\n');
      lock.release();
    })();`;
  const runs = Array.from({ length: 6 }, () => new Promise<number | null>(resolve =>
    spawn(process.execPath, ['-e', holder], { stdio: 'inherit' }).on('exit', code => resolve(code))));
  assert.deepEqual(await Promise.all(runs), Array(6).fill(0));
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(lines.length, 12);
  for (let k = 0; k < lines.length; k += 2) {
    const [pid, what] = lines[k].split(' ');
    assert.equal(what, 'in');
    assert.equal(lines[k + 1], `${pid} out`, `another holder came in while ${pid} held the lock: ${lines.join(', ')}`);
  }
  assert.deepEqual(fs.readdirSync(storeDir), [], 'released, and no temporary lock files left');
});

test('result folders made by processes side by side (batch tasks of one module) never fail on a parent another one just made', async () => {
  const root = scratchDir('make-folder-race');
  const storeModule = path.resolve(__dirname, '../../src/engine/publish/resultStore.js');
  // each process makes root/s<k>/Module<k>/VP0-<i>/.store for every k: the same two missing parents, at the same moment
  const start = Date.now() + 1500; // every process starts making folders at this moment
  const script = `const { makeFolder } = require(${JSON.stringify(storeModule)}); const [root, i, start] = process.argv.slice(1);
    while (Date.now() < Number(start)) {}
    for (let k = 0; k < 2000; k++) makeFolder(require('path').join(root, 's' + k, 'Module' + k, 'VP0-' + i, '.store'));`;
  const exits = await Promise.all(Array.from({ length: 6 }, (_, i) => new Promise<{ code: number | null; err: string }>(resolve => {
    const child = spawn(process.execPath, ['-e', script, root, String(i), String(start)]);
    let err = '';
    child.stderr.on('data', d => { err += d; });
    child.on('exit', code => resolve({ code, err }));
  })));
  assert.deepEqual(exits.filter(e => e.code !== 0).map(e => e.err.split('\n').find(l => /Error/.test(l))), []);
  assert.equal(fs.readdirSync(root).length, 2000);
});
