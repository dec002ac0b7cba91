// `velo-calib batch` without a cluster: the job scripts written by --dry-run (array range, manifest, dependency)
// and the same manifest run through the local pool, with a broken scan failing alone and its resubmission.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { compressIndices } from '../../src/engine/batch/jobScripts';
import { expandIndices } from '../../src/engine/batch/batchLayout';
import { generateScan } from '../../src/engine/generate';
import { scratchDir } from './helpers';
import { batchStatusJson, breakScan, cli, CLI, collectAvailable, comparableResults, generateCampaign } from './batchHelpers';

test('--dry-run writes the manifest, one array job 0-(N-1)%K and a collect job chained with afterok', () => {
  const base = scratchDir('batch-dry'), root = path.join(base, 'root'), out = path.join(base, 'out');
  const scans = generateCampaign(root, 3);
  // a second scan in one folder, and a hidden folder that is not entered
  generateScan({ dir: scans[1].folder, prefix: 'Module00_VP0-1_ECS_data_ST_', shutterSeconds: 2, thresholds: [1320, 1400, 1480], nacq: 1,
    seed: 5, rows: 8, cols: 8, formatVariants: false });
  generateCampaign(path.join(root, '.hidden'), 1);
  const r = cli(['batch', root, '--scheduler', 'slurm', '--dry-run', '--out', out, '--max-parallel', '2',
    '--partition', 'debug', '--time', '0:30:00', '--mem', '2G', '--model', 'seed', '--strict', '--outlier-sigma', '4']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /4 scans under/);
  assert.match(r.stdout, /dry run: nothing submitted/);

  const manifest = fs.readFileSync(path.join(out, 'manifest.tsv'), 'utf8').trim().split('\n').map(l => l.split('\t'));
  const expected = [
    [scans[0].folder, scans[0].scan], [scans[1].folder, 'Module00_VP0-1_ECS_data_ST_1s310ms'],
    [scans[1].folder, 'Module00_VP0-1_ECS_data_ST_2s'], [scans[2].folder, scans[2].scan]];
  assert.deepEqual(manifest, expected.map(([folder, scan]) => [folder, scan, path.join(out, 'scans', path.relative(root, folder), scan)]));

  const array = fs.readFileSync(path.join(out, 'analyse.sbatch'), 'utf8');
  assert.match(array, /^#SBATCH --array=0-3%2$/m);
  assert.match(array, /^#SBATCH --partition=debug$/m);
  assert.match(array, /^#SBATCH --time=0:30:00$/m);
  assert.match(array, /^#SBATCH --mem=2G$/m);
  assert.match(array, new RegExp(`^#SBATCH --output=${out}/logs/task-%a\\.log$`, 'm'));
  assert.ok(array.includes(`'${process.execPath}' '${CLI}' analyse "$folder" --scan "$scan" --out "$out"`), array);
  assert.ok(array.includes(`'--model' 'seed' '--strict' '--outlier-sigma' '4'`), array);
  const submit = fs.readFileSync(path.join(out, 'submit.sh'), 'utf8');
  assert.match(submit, /array_job=\$\(sbatch --parsable "\$\{array_range\[@\]\}" analyse\.sbatch\)/);
  assert.match(submit, /sbatch --parsable --dependency=afterok:"\$array_job" collect\.sbatch/);
  const collect = fs.readFileSync(path.join(out, 'collect.sbatch'), 'utf8');
  assert.ok(collect.includes(`'${CLI}' collect '${out}' --out '${out}'`), collect);
  for (const script of ['analyse.sbatch', 'collect.sbatch', 'submit.sh']) {
    const check = spawnSync('bash', ['-n', path.join(out, script)], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${script}: ${check.stderr}`);
  }
  const status = batchStatusJson(out);
  assert.deepEqual(status.tasks.map(t => t.state), ['not submitted', 'not submitted', 'not submitted', 'not submitted']);
  assert.equal(status.collect.state, 'not submitted');
});

test('batch usage errors: unknown scheduler, a bad analyse option, a root without scans', () => {
  const base = scratchDir('batch-usage');
  generateCampaign(path.join(base, 'root'), 1);
  const scheduler = cli(['batch', path.join(base, 'root'), '--scheduler', 'pbs']);
  assert.equal(scheduler.code, 2);
  assert.match(scheduler.stderr, /--scheduler "pbs": expected local or slurm/);
  const model = cli(['batch', path.join(base, 'root'), '--model', 'nope', '--dry-run']);
  assert.equal(model.code, 2);
  assert.match(model.stderr, /--model "nope": expected one of/);
  fs.mkdirSync(path.join(base, 'empty'));
  const empty = cli(['batch', path.join(base, 'empty')]);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /no scan files in it or its subfolders/);
  assert.equal(cli(['batch', 'status', path.join(base, 'empty')]).code, 1);
});

test('local pool: same outputs as analyse, a broken scan fails alone, resubmit runs only it', () => {
  const base = scratchDir('batch-local'), root = path.join(base, 'root'), out = path.join(base, 'out');
  const scans = generateCampaign(root, 4);
  const repair = breakScan(scans[2].folder, path.join(base, 'stash'));
  const r = cli(['batch', root, '--out', out, '--max-parallel', '2']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /3 of 4 tasks done, failed: 2; collect not run/);

  let status = batchStatusJson(out);
  assert.deepEqual(status.tasks.map(t => t.state), ['done', 'done', 'failed', 'done']);
  assert.match(status.tasks[2].detail, /^exit 1: error: .*_THR_1320_0\.csv:1:1: expected a non-negative integer hit count/);
  assert.equal(status.collect.state, 'not submitted');
  const tableOut = cli(['batch', 'status', out]);
  assert.match(tableOut.stdout, /^2 +failed +Module00_VP1-0_ECS_data_ST_1s310ms +exit 1: error: /m);
  assert.match(tableOut.stdout, /3 done, 1 failed/);

  // each task's output is what `analyse --scan` writes on its own
  const direct = path.join(base, 'direct');
  for (const s of [scans[0], scans[3]]) {
    const dir = path.join(direct, path.relative(root, s.folder), s.scan);
    assert.equal(cli(['analyse', s.folder, '--scan', s.scan, '--out', dir, '--workers', '1']).code, 0);
  }
  const fromBatch = comparableResults(path.join(out, 'scans'));
  for (const [file, content] of comparableResults(direct)) assert.equal(fromBatch.get(file), content, file);

  const doneLog = fs.readFileSync(path.join(out, 'logs', 'task-0.log'), 'utf8');
  repair();
  const again = cli(['batch', 'resubmit', out]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /1 of 1 tasks done/);
  status = batchStatusJson(out);
  assert.deepEqual(status.tasks.map(t => t.state), ['done', 'done', 'done', 'done']);
  assert.equal(fs.readFileSync(path.join(out, 'logs', 'task-0.log'), 'utf8'), doneLog, 'a done task is not run again');
  assert.match(fs.readFileSync(path.join(out, 'logs', 'previous', 'task-2.1.log'), 'utf8'), /expected a non-negative integer/);
  assert.ok(fs.existsSync(path.join(status.tasks[2].out, 'summary.json')));
  if (collectAvailable()) {
    assert.equal(status.collect.state, 'done', status.collect.detail);
    assert.ok(fs.existsSync(path.join(out, 'campaign.csv')));
  } else {
    assert.equal(status.collect.state, 'failed'); // collect (issue 11) not in this build yet: the job reports it
  }
  assert.match(cli(['batch', 'resubmit', out]).stdout, collectAvailable() ? /nothing to resubmit/ : /0 of 0 tasks done; collect failed/);
});

test('local --dry-run runs nothing; resubmit then runs every task not yet done', () => {
  const base = scratchDir('batch-local-dry'), root = path.join(base, 'root'), out = path.join(base, 'out');
  generateCampaign(root, 2);
  const r = cli(['batch', root, '--out', out, '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /dry run: nothing run; run with: velo-calib batch resubmit /);
  let status = batchStatusJson(out);
  assert.deepEqual(status.tasks.map(t => [t.state, t.detail]), Array(2).fill(['not submitted', 'not run yet (written with --dry-run)']));
  assert.ok(!fs.existsSync(path.join(out, 'scans')));
  const run = cli(['batch', 'resubmit', out]);
  assert.match(run.stdout, /2 of 2 tasks done/);
  status = batchStatusJson(out);
  assert.deepEqual(status.tasks.map(t => t.state), ['done', 'done']);
  for (const t of status.tasks) assert.ok(fs.existsSync(path.join(t.out, 'summary.json')), t.out);
});

test('Slurm index lists: compressed and expanded back', () => {
  assert.equal(compressIndices([9, 3, 4, 5, 11, 12]), '3-5,9,11-12');
  assert.deepEqual(expandIndices('3-5,9,11-12'), [3, 4, 5, 9, 11, 12]);
  assert.throws(() => expandIndices('3-x'), /expected task indices/);
});
