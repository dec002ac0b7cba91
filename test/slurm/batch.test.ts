// `velo-calib batch --scheduler slurm` on a real single-node Slurm started by test/slurm/setup.sh (as root; skipped
// with the reason otherwise): 12 scans as one array job, a broken scan's task failed alone, repaired, resubmitted.
import { after, before, test, TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { setTimeout as sleep } from 'timers/promises';
import { scratchDir } from '../engine/helpers';
import { batchStatusJson, breakScan, CampaignScan, cli, collectAvailable, comparableResults, generateCampaign, StatusJson } from '../engine/batchHelpers';

const HERE = path.resolve(__dirname, '../../../test/slurm');
const base = scratchDir('batch-slurm');
const state = path.join(base, 'slurm');
let env: NodeJS.ProcessEnv = process.env;
let skipReason: string | undefined;

before(() => {
  const setup = spawnSync('bash', [path.join(HERE, 'setup.sh'), state], { encoding: 'utf8' });
  process.stdout.write(setup.stdout);
  if (setup.status === 77) { skipReason = setup.stdout.trim(); return; }
  if (setup.status !== 0) throw new Error(`test/slurm/setup.sh failed (${setup.status}):\n${setup.stdout}\n${setup.stderr}`);
  const conf = /^SLURM_CONF=(.*)$/m.exec(fs.readFileSync(path.join(state, 'env'), 'utf8'))![1];
  env = { ...process.env, SLURM_CONF: conf };
});

after(() => {
  if (!skipReason) spawnSync('bash', [path.join(HERE, 'teardown.sh'), state], { stdio: 'inherit' });
});

function skipped(t: TestContext): boolean {
  if (skipReason) t.skip(skipReason);
  return !!skipReason;
}

/** Polls `batch status` until `done` says so; a liveness guard (3 min) turns a hung cluster into a failure with the status. */
async function waitFor(dir: string, done: (s: StatusJson) => boolean): Promise<StatusJson> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const status = batchStatusJson(dir, env);
    if (done(status)) return status;
    if (Date.now() > deadline) assert.fail(`batch did not get there: ${JSON.stringify(status, null, 1)}`);
    await sleep(500);
  }
}

const allEnded = (s: StatusJson) => s.tasks.every(t => t.state === 'done' || t.state === 'failed');
const collectEnded = (s: StatusJson) => s.collect.state === 'done' || s.collect.state === 'failed';

const root = path.join(base, 'root'), localOut = path.join(base, 'local'), slurmOut = path.join(base, 'slurm-out');
let scans: CampaignScan[] = [];
let repair: () => void = () => undefined;
const BROKEN = 7;

test('12 scans through the local pool: the reference run', t => {
  if (skipped(t)) return;
  scans = generateCampaign(root, 12);
  const r = cli(['batch', root, '--out', localOut, '--scheduler', 'local'], env);
  assert.ok(r.code === 0 || !collectAvailable(), r.stdout + r.stderr);
  const status = batchStatusJson(localOut, env);
  assert.equal(status.counts.done, 12, JSON.stringify(status.tasks));
});

test('the same 12 scans as one Slurm array job, one of them broken: its task alone fails', async t => {
  if (skipped(t)) return;
  repair = breakScan(scans[BROKEN].folder, path.join(base, 'stash'));
  const r = cli(['batch', root, '--out', slurmOut, '--scheduler', 'slurm', '--max-parallel', '4', '--time', '0:10:00'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const submitted = /submitted array job (\d+) \(tasks 0-11%4\) and collect job (\d+) \(--dependency=afterok:(\d+)\)/.exec(r.stdout);
  assert.ok(submitted, r.stdout);
  assert.equal(submitted[3], submitted[1]);
  const status = await waitFor(slurmOut, allEnded);
  assert.deepEqual(status.tasks.map(t => t.state), status.tasks.map(t => (t.index === BROKEN ? 'failed' : 'done')));
  assert.deepEqual(status.tasks.map(t => t.job), status.tasks.map(t => `${submitted[1]}_${t.index}`));
  assert.match(status.tasks[BROKEN].detail, /^exit 1: error: .*_THR_1320_0\.csv:1:1: expected a non-negative integer hit count/);
  assert.equal(status.tasks[BROKEN].scan, scans[BROKEN].scan);
  // afterok can never be met: collect waits, and says so
  const waiting = await waitFor(slurmOut, s => /NeverSatisfied/.test(s.collect.detail));
  assert.equal(waiting.collect.state, 'pending');
  const table = cli(['batch', 'status', slurmOut], env).stdout;
  assert.match(table, new RegExp(`^${BROKEN} +failed +${scans[BROKEN].scan} +exit 1: error: `, 'm'));
  assert.match(table, /11 done, 1 failed/);
});

test('repaired and resubmitted: only the failed task runs again, then collect; results equal the local run', async t => {
  if (skipped(t)) return;
  repair();
  const before = batchStatusJson(slurmOut, env);
  const logsBefore = before.tasks.map(t => fs.readFileSync(path.join(slurmOut, 'logs', `task-${t.index}.log`), 'utf8'));
  const r = cli(['batch', 'resubmit', slurmOut], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const submitted = /submitted array job (\d+) \(tasks 7\) and collect job (\d+) \(--dependency=afterok:(\d+)\)/.exec(r.stdout);
  assert.ok(submitted, r.stdout);
  const status = await waitFor(slurmOut, s => allEnded(s) && collectEnded(s));
  assert.deepEqual(status.tasks.map(t => t.state), Array(12).fill('done'));
  assert.equal(status.tasks[BROKEN].job, `${submitted[1]}_${BROKEN}`);
  for (const task of status.tasks) {
    const log = fs.readFileSync(path.join(slurmOut, 'logs', `task-${task.index}.log`), 'utf8');
    if (task.index === BROKEN) assert.match(log, /results: /);
    else assert.equal(log, logsBefore[task.index], `task ${task.index} ran once`);
    assert.equal(fs.readFileSync(path.join(slurmOut, 'logs', `task-${task.index}.exit`), 'utf8'), '0\n');
  }
  assert.match(fs.readFileSync(path.join(slurmOut, 'logs', 'previous', `task-${BROKEN}.1.log`), 'utf8'), /expected a non-negative integer/);

  const local = comparableResults(path.join(localOut, 'scans')), slurm = comparableResults(path.join(slurmOut, 'scans'));
  assert.equal(local.size, 12 * 3);
  assert.deepEqual([...slurm.keys()], [...local.keys()]);
  for (const [file, content] of local) assert.equal(slurm.get(file), content, file);

  if (collectAvailable()) {
    assert.equal(status.collect.state, 'done', status.collect.detail);
    const campaign = (dir: string) => fs.readFileSync(path.join(dir, 'campaign.csv'), 'utf8').split(dir).join('<out>');
    assert.equal(campaign(slurmOut), campaign(localOut));
  } else {
    // `collect` (issue 11) is not in this build: the collect job ran after the array and reports the missing command
    assert.equal(status.collect.state, 'failed');
    assert.match(fs.readFileSync(path.join(slurmOut, 'logs', 'collect.log'), 'utf8'), /unknown command "collect"/);
  }
});

test('tasks wait while the node is drained; a task cancelled before it ran is failed (no exit marker) and resubmitted', async t => {
  if (skipped(t)) return;
  const heldRoot = path.join(base, 'held-root'), heldOut = path.join(base, 'held-out');
  generateCampaign(heldRoot, 3);
  const scontrol = (...args: string[]) => assert.equal(spawnSync('scontrol', args, { env }).status, 0, `scontrol ${args.join(' ')}`);
  const node = spawnSync('sinfo', ['-h', '-o', '%N'], { env, encoding: 'utf8' }).stdout.trim();
  scontrol('update', `nodename=${node}`, 'state=drain', 'reason=velo-calib batch test');
  const r = cli(['batch', heldRoot, '--out', heldOut, '--scheduler', 'slurm'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const arrayJob = /submitted array job (\d+)/.exec(r.stdout)![1];
  const held = batchStatusJson(heldOut, env);
  assert.deepEqual(held.tasks.map(t => t.state), ['pending', 'pending', 'pending']);
  assert.equal(held.collect.state, 'pending');

  assert.equal(spawnSync('scancel', [`${arrayJob}_1`], { env }).status, 0);
  scontrol('update', `nodename=${node}`, 'state=resume');
  const ended = await waitFor(heldOut, allEnded);
  assert.deepEqual(ended.tasks.map(t => t.state), ['done', 'failed', 'done']);
  // a pending array task cancelled before Slurm split it off leaves no job record at all (scontrol: not found)
  assert.match(ended.tasks[1].detail, /^ended without an exit marker \(Slurm (no longer knows the job|: CANCELLED)/);

  const again = cli(['batch', 'resubmit', heldOut], env);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /submitted array job \d+ \(tasks 1\)/);
  const done = await waitFor(heldOut, s => allEnded(s) && collectEnded(s));
  assert.deepEqual(done.tasks.map(t => t.state), ['done', 'done', 'done']);
  assert.equal(done.collect.state, collectAvailable() ? 'done' : 'failed', done.collect.detail);
});
