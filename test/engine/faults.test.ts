// Fault corpus of issue 9 (items 4–7, 9), through the built CLI as a user runs it: for each case the exit
// code, the message and what is (and is not) in the output folder.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { environmentErrorMessage } from '../../src/cli/environmentError';
import { currentProcess } from '../../src/engine/publish/processIdentity';
import { scratchDir } from './helpers';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A small generated scan (8×8, 15 thresholds × 2 acquisitions). */
function smallScan(name: string, extra: string[] = []): string {
  const dir = path.join(scratchDir(name), 'scan');
  const g = cli(['generate', dir, '--thresholds', '1320:1600:20', '--nacq', '2', '--size', '8', '--seed', '4', ...extra]);
  assert.equal(g.code, 0, g.stderr);
  return dir;
}

const store = (out: string) => path.join(path.dirname(out), `.${path.basename(out)}.runs`);
const runFolders = (out: string) => fs.readdirSync(store(out)).filter(n => /^\d{8}T\d{6}Z-/.test(n));
const summaryOf = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
const FIT_FILES = ['pixel_fits.csv', 'asic_fit.json', 'report.md', 'map_mu.csv', 'pixel_maps.f64'];
const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `stack trace in:\n${text}`);

// ---- item 4: one analysis per output folder --------------------------------------------------------------

function writeLock(out: string, owner: { pid: number; start: string; host: string }): void {
  fs.mkdirSync(store(out), { recursive: true });
  fs.writeFileSync(path.join(store(out), 'lock'), JSON.stringify({ ...owner, since: new Date().toISOString(), output: out, nonce: 'x' }));
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('item 4: a live holder of the lock makes a run fail clearly (--wait 0) or wait and then fail (--wait 1)', () => {
  const dir = smallScan('lock-live'), out = path.join(dir, 'velo-calib');
  writeLock(out, currentProcess()); // this test process: alive, same start time
  const now = cli(['analyse', dir, '--no-fit', '--wait', '0']);
  assert.equal(now.code, 1);
  assert.match(now.stderr, new RegExp(`being written by another analysis \\(process ${process.pid} on .*\\): try again when it has finished`));
  noStackTrace(now.stderr);
  const waited = cli(['analyse', dir, '--no-fit', '--wait', '1']);
  assert.equal(waited.code, 1);
  assert.match(waited.stderr, new RegExp(`waiting for the analysis by process ${process.pid}`));
  assert.match(waited.stderr, /still busy after waiting 1 s/);
  assert.ok(!fs.existsSync(out), 'nothing published');
  assert.ok(fs.existsSync(path.join(store(out), 'lock')), 'the live holder keeps its lock');
});

test('item 4: the lock of a dead process, or of a reused pid (other start time), is taken over', () => {
  const dir = smallScan('lock-stale'), out = path.join(dir, 'velo-calib');
  writeLock(out, { pid: deadPid(), start: '1', host: currentProcess().host });
  const dead = cli(['analyse', dir, '--no-fit', '--wait', '0']);
  assert.equal(dead.code, 0, dead.stderr);
  writeLock(out, { ...currentProcess(), start: `${currentProcess().start}0` }); // our pid, another start: reused
  const reused = cli(['analyse', dir, '--no-fit', '--wait', '0']);
  assert.equal(reused.code, 0, reused.stderr);
  assert.ok(!fs.existsSync(path.join(store(out), 'lock')), 'released after the run');
});

test('item 4: clean-up removes run folders of dead owners only', () => {
  const dir = smallScan('cleanup'), out = path.join(dir, 'velo-calib');
  assert.equal(cli(['analyse', dir, '--no-fit']).code, 0);
  const me = currentProcess();
  const live = `20260101T000000Z-${me.pid}-${me.start}-aaaaaa`, dead = `20260101T000000Z-${deadPid()}-1-bbbbbb`;
  for (const n of [live, dead]) fs.mkdirSync(path.join(store(out), n));
  const r = cli(['analyse', dir, '--no-fit']);
  assert.equal(r.code, 0, r.stderr);
  const left = runFolders(out);
  assert.ok(left.includes(live), 'a live owner\'s staging folder stays');
  assert.ok(!left.includes(dead), 'a dead owner\'s staging folder is removed');
  assert.equal(left.length, 2, `the published run and the live one: ${left.join(', ')}`);
});

// ---- items 5 and 6: one folder per run, published at once; nothing of an older run survives ----------------

test('items 5–6: the result path is a link to one complete run; --no-fit and removed thresholds leave nothing stale', () => {
  const dir = smallScan('stale'), out = path.join(dir, 'velo-calib');
  const full = cli(['analyse', dir, '--workers', '1']);
  assert.equal(full.code, 0, full.stderr);
  assert.ok(fs.lstatSync(out).isSymbolicLink());
  const first = summaryOf(out);
  assert.equal(path.basename(fs.readlinkSync(out)), first.run.id, 'summary.json names the run the link shows');
  for (const f of FIT_FILES) assert.ok(fs.existsSync(path.join(out, f)), f);

  for (const f of fs.readdirSync(dir).filter(n => /_THR_1600_\d+\.csv$/.test(n))) fs.rmSync(path.join(dir, f)); // our own test data
  const flux = cli(['analyse', dir, '--no-fit']);
  assert.equal(flux.code, 0, flux.stderr);
  const second = summaryOf(out);
  assert.notEqual(second.run.id, first.run.id);
  assert.deepEqual(second.fit_skipped, { reason: '--no-fit' });
  for (const f of FIT_FILES) assert.ok(!fs.existsSync(path.join(out, f)), `${f} of the older run is gone`);
  assert.ok(!fs.readdirSync(out).some(n => n.includes('_THR_1600')), 'the removed threshold has no flux file any more');
  assert.deepEqual(runFolders(out), [second.run.id], 'the replaced run folder is removed');
});

test('item 5: an output folder of an older version (plain folder) is migrated once', () => {
  const dir = smallScan('migrate'), out = path.join(dir, 'velo-calib');
  fs.mkdirSync(path.join(out, '.staging-old'), { recursive: true });
  fs.writeFileSync(path.join(out, 'summary.json'), '{"old": true}');
  fs.writeFileSync(path.join(out, 'map_mu.csv'), '1\n');
  const r = cli(['analyse', dir, '--no-fit']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.lstatSync(out).isSymbolicLink());
  assert.ok(!fs.existsSync(path.join(out, 'map_mu.csv')), 'the old run\'s files are not part of the new one');
  assert.deepEqual(fs.readdirSync(store(out)).filter(n => n !== 'lock'), [summaryOf(out).run.id], 'the old folder is removed after the swap');
});

test('item 5: several scans are one run with a folder per scan; --scan keeps the other scans\' results', () => {
  const dir = smallScan('multi');
  assert.equal(cli(['generate', dir, '--thresholds', '1320:1600:20', '--nacq', '2', '--size', '8', '--shutter-ms', '2000']).code, 0);
  const out = path.join(dir, 'velo-calib');
  const all = cli(['analyse', dir, '--no-fit', '--json']);
  assert.equal(all.code, 0, all.stderr);
  const done = JSON.parse(all.stdout.trim().split('\n').pop()!);
  const ids = done.outputDirs.map((d: string) => path.basename(d)).sort();
  assert.equal(ids.length, 2);
  assert.deepEqual(fs.readdirSync(out).sort(), ids);
  const kept = summaryOf(path.join(out, ids[1])).run.id;
  const one = cli(['analyse', dir, '--no-fit', '--scan', ids[0]]);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), ids, 'both scans are still there');
  assert.equal(summaryOf(path.join(out, ids[1])).run.id, kept, 'the other scan is the older run\'s result, unchanged');
  assert.notEqual(summaryOf(path.join(out, ids[0])).run.id, kept);
});

// ---- item 7: nothing to fit ------------------------------------------------------------------------------

function assertNothingToFit(r: ReturnType<typeof cli>, out: string, reason: RegExp): void {
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /nothing to fit: .*use --no-fit to skip fitting, or --fit-range FROM:TO/);
  noStackTrace(r.stderr);
  const s = summaryOf(out);
  assert.match(s.fit_skipped.reason, reason);
  assert.ok(fs.readdirSync(out).some(n => n.startsWith('Fluxperpixel_')), 'flux outputs written');
  assert.ok(fs.readdirSync(out).some(n => n.startsWith('FluxperASIC_')), 'ASIC flux written');
  assert.ok(!fs.existsSync(path.join(out, 'pixel_fits.csv')));
}

test('item 7: one threshold, or every acquisition bad (--bad-cut 0): flux outputs, a summary saying why, exit 0', () => {
  const single = path.join(scratchDir('one-thr'), 'scan');
  assert.equal(cli(['generate', single, '--thresholds', '1440:1440:5', '--nacq', '2', '--size', '8']).code, 0);
  assertNothingToFit(cli(['analyse', single]), path.join(single, 'velo-calib'), /only [01] threshold.*\(of 1\), fewer than the 5 parameters of the scurve model/);
  const dir = path.join(scratchDir('all-bad'), 'scan'); // below the edge: every acquisition has hits in the last columns
  assert.equal(cli(['generate', dir, '--thresholds', '1320:1360:20', '--nacq', '2', '--size', '32', '--seed', '4']).code, 0);
  const r = cli(['analyse', dir, '--bad-cut', '0']);
  assertNothingToFit(r, path.join(dir, 'velo-calib'), /only 0 thresholds with good acquisitions \(of 3\), fewer than the 5 parameters/);
  assert.equal(summaryOf(path.join(dir, 'velo-calib')).acquisitions.good, 0);
  assert.match(r.stdout, /No fits: only/);
});

test('item 7: a reversed or too narrow --fit-range and an empty --bad-cut= are usage errors (exit 2)', () => {
  const dir = smallScan('fit-range');
  const reversed = cli(['analyse', dir, '--fit-range', '1600:1320']);
  assert.equal(reversed.code, 2);
  assert.match(reversed.stderr, /--fit-range "1600:1320": expected FROM ≤ TO/);
  const narrow = cli(['analyse', dir, '--fit-range', '1320:1350']);
  assert.equal(narrow.code, 2);
  assert.match(narrow.stderr, /--fit-range 1320:1350 selects 2 of the 15 thresholds .* the scurve model has 5 parameters/);
  const empty = cli(['analyse', dir, '--bad-cut=']);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /--bad-cut needs a value/);
  assert.ok(!fs.existsSync(path.join(dir, 'velo-calib')), 'usage errors write nothing');
});

test('item 5 (conclusions): an all-masked scan says there is nothing to conclude', () => {
  const dir = smallScan('all-masked');
  const mask = path.join(path.dirname(dir), 'all.csv');
  fs.writeFileSync(mask, Array(8).fill(Array(8).fill('1').join(',')).join('\n') + '\n');
  const r = cli(['analyse', dir, '--mask', mask]);
  assert.equal(r.code, 0, r.stderr);
  const c: string[] = summaryOf(path.join(dir, 'velo-calib')).heterogeneity.conclusions;
  assert.ok(c.some(l => /^Nothing to conclude .*\(every pixel is masked\)\.$/.test(l)), c.join('\n'));
});

// ---- item 9: environment errors and usage ---------------------------------------------------------------

test('item 9: environment errors are one line (what, where, what to do), exit 1; the stack only for developers', () => {
  const dir = smallScan('env');
  const file = path.join(path.dirname(dir), 'a-file');
  fs.writeFileSync(file, 'x');
  const notDir = cli(['analyse', dir, '--out', path.join(file, 'out')]);
  assert.equal(notDir.code, 1);
  assert.equal(notDir.stderr.trim().split('\n').filter(l => /error/.test(l)).length, 1);
  assert.match(notDir.stderr, /error: cannot create the folder .*a-file\/\.out\.runs: a part of the path is a file, not a folder; choose another path \(ENOTDIR\)/);
  noStackTrace(notDir.stderr);
  const exists = cli(['analyse', dir, '-o', file]);
  assert.equal(exists.code, 1);
  assert.match(exists.stderr, /a-file exists and is not a folder|something else is already there/);
  noStackTrace(exists.stderr);
  const debug = cli(['analyse', dir, '--out', path.join(file, 'out')], { VELO_DEBUG: '1' });
  assert.match(debug.stderr, /^\s+at .+/m, 'VELO_DEBUG=1 shows the stack');
  const json = cli(['analyse', dir, '--json', '--out', path.join(file, 'out')]);
  const error = JSON.parse(json.stdout.trim().split('\n').pop()!);
  assert.equal(error.type, 'error');
  assert.doesNotMatch(error.message, /\n/);
  assert.match(error.stack, /ENOTDIR/);
  const gen = cli(['generate', path.join(file, 'scan'), '--size', '4', '--thresholds', '1:2:1', '--nacq', '1']);
  assert.equal(gen.code, 1);
  assert.match(gen.stderr, /^velo-calib: cannot .*a-file\/scan.*\(ENOTDIR\)$/m);
  noStackTrace(gen.stderr);
});

test('item 9: every errno the engine can meet has its advice (EROFS, ENOSPC, EACCES, EEXIST…)', () => {
  for (const code of ['EROFS', 'ENOSPC', 'EACCES', 'EPERM', 'EEXIST', 'ENOTDIR', 'EDQUOT', 'EMFILE']) {
    const e = Object.assign(new Error(code), { code, syscall: 'open', path: '/x/summary.json' });
    assert.match(environmentErrorMessage(e)!, new RegExp(`^cannot open /x/summary\\.json: [^\\n]+; [^\\n]+ \\(${code}\\)$`));
  }
  assert.equal(environmentErrorMessage(new TypeError('a bug')), undefined, 'bugs are not called environment errors');
});

test('item 9: usage errors exit 2: unknown options, stray arguments, limits; per-command help', () => {
  const dir = smallScan('usage');
  const cases: Array<[string[], RegExp]> = [
    [['analyse', dir, '--frobnicate'], /unknown option --frobnicate for "analyse"/],
    [['analyse', dir, '-x'], /unknown option -x/],
    [['analyse', dir, 'other'], /unexpected argument "other"/],
    [['analyse'], /analyse needs <folder>/],
    [['analyse', dir, '--workers', '-1'], /--workers "-1": expected an integer 0…\d+/],
    [['analyse', dir, '--workers', '100000'], /--workers "100000": expected an integer 0…\d+/],
    [['analyse', dir, '--no-fit=yes'], /--no-fit takes no value/],
    [['analyse', dir, '--out', '--json'], /--out needs a value/],
    [['analyse', dir, '--model', 'cubic'], /--model "cubic": expected one of scurve, seed, seed-sqrt2, kbeta/],
    [['generate', dir, '--size', '0'], /--size "0": expected an integer 1…1024/],
    [['generate', dir, '--nacq', '-2'], /--nacq "-2": expected an integer 1…1000/],
    [['generate', dir, '--thresholds', '1600:1320:5'], /expected FROM ≤ TO and STEP > 0/],
    [['generate', dir, '--thresholds', '1:100000:1'], /at most 1000/],
    [['nonsense', '--help'], /unknown command "nonsense"/],
    [[], /Usage:/],
  ];
  for (const [args, message] of cases) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr + r.stdout, message, args.join(' '));
    noStackTrace(r.stderr);
  }
  const help = cli(['analyse', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^velo-calib analyse <folder> \[options\]/);
  assert.match(help.stdout, /--fit-range FROM:TO/);
  assert.doesNotMatch(help.stdout, /--nacq/, 'only this command\'s options');
  assert.match(cli(['generate', '-h']).stdout, /--nacq N +acquisitions per threshold/);
  assert.equal(cli(['--help']).code, 0);
  const short = cli(['analyse', dir, '-o', path.join(dir, 'elsewhere'), '--no-fit']);
  assert.equal(short.code, 0, short.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'elsewhere', 'summary.json')), '-o DIR is --out DIR, not a positional');
});
