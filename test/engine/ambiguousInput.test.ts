// An ambiguous baseline or mask is reported with its candidates as data (the `failedScans` of the `done` or `error`
// event), so that the extension can ask the user; the CLI keeps its error listing them. Real generated scans.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS, failedScansOf } from '../../src/engine/analyse';
import { EngineEvent, FailedScanReport } from '../../src/protocol';
import { range, scratchDir } from './helpers';
import { generateScan } from '../../src/engine/generate';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const SCAN = { thresholds: range(1320, 1600, 20), nacq: 2, rows: 8, cols: 8, formatVariants: false, baseline: {} };

/** A folder with a scan of VP0-1 and one of VP0-2, each with its generated baseline; VP0-1's baseline also as a copy. */
function twoAsics(): { dir: string; vp01: string[] } {
  const dir = scratchDir('ambiguous');
  generateScan({ ...SCAN, dir, seed: 3, prefix: 'Module0_VP0-1_ECS_data_ST_' });
  generateScan({ ...SCAN, dir, seed: 4, prefix: 'Module0_VP0-2_ECS_data_ST_', truthDir: path.join(dir, 'truth2') });
  const original = fs.readdirSync(dir).find(n => /^Module0_VP0-1_.*Noise.*\.csv$/.test(n))!;
  fs.copyFileSync(path.join(dir, original), path.join(dir, 'Module0_VP0-1_Baseline_copy.csv'));
  return { dir, vp01: [path.join(dir, 'Module0_VP0-1_Baseline_copy.csv'), path.join(dir, original)].sort() };
}

test('one scan with two baselines: done.failedScans names it with the candidates; the other scan is analysed', async () => {
  const { dir, vp01 } = twoAsics();
  const events: EngineEvent[] = [];
  const dirs = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, workers: 0 }, e => events.push(e));
  assert.deepEqual(dirs.map(d => path.basename(d)), ['Module0_VP0-2_ECS_data_ST_1s310ms']);
  const done = events.find(e => e.type === 'done') as Extract<EngineEvent, { type: 'done' }>;
  assert.equal(done.failedScans?.length, 1);
  const [failed] = done.failedScans!;
  assert.equal(failed.scan, 'Module0_VP0-1_ECS_data_ST_1s310ms');
  assert.deepEqual(failed.ambiguous, { kind: 'ambiguous-baseline', candidates: vp01 });
  assert.match(failed.message, /several baseline files name its ASIC .*choose one with --baseline/);

  // What the extension does with the user's choice: that scan again, with the chosen file.
  const [again] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, workers: 0, scan: failed.scan, baseline: vp01[0] }, () => {});
  const summary = JSON.parse(fs.readFileSync(path.join(again, 'summary.json'), 'utf8'));
  assert.equal(summary.gain.baseline.file, vp01[0]);
  assert.equal(summary.gain.baseline.source, 'option');
  assert.ok(fs.existsSync(path.join(dirs[0], 'summary.json')), 'the other scan keeps its published result');
});

test('a failing run carries the failed scans: every scan ambiguous, and the only scan of a folder', async () => {
  const { dir } = twoAsics();
  const original = fs.readdirSync(dir).find(n => /^Module0_VP0-2_.*Noise.*\.csv$/.test(n))!;
  fs.copyFileSync(path.join(dir, original), path.join(dir, 'Module0_VP0-2_Baseline_copy.csv'));
  const all = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, workers: 0 }, () => {}).then(() => undefined, e => e);
  assert.match(String(all?.message), /no scan could be analysed/);
  assert.deepEqual(failedScansOf(all)?.map(f => [f.scan, f.ambiguous?.kind, f.ambiguous?.candidates.length]),
    [['Module0_VP0-1_ECS_data_ST_1s310ms', 'ambiguous-baseline', 2], ['Module0_VP0-2_ECS_data_ST_1s310ms', 'ambiguous-baseline', 2]]);

  // The only scan, through the CLI: exit 1, one clear line listing the candidates, and the same data in --json.
  const single = scratchDir('ambiguous-one');
  generateScan({ ...SCAN, dir: single, seed: 5 });
  const mask = fs.readdirSync(single).find(n => /Mask\.csv$/.test(n))!;
  fs.copyFileSync(path.join(single, mask), path.join(single, mask.replace('Mask', 'Mask_old')));
  const plain = spawnSync(process.execPath, [CLI, 'analyse', single, '--workers', '0'], { encoding: 'utf8' });
  assert.equal(plain.status, 1);
  assert.match(plain.stderr, /several mask files name its ASIC \(Module0_VP0-1_Matrix_Mask\.csv, Module0_VP0-1_Matrix_Mask_old\.csv\): choose one with --mask/);
  const json = spawnSync(process.execPath, [CLI, 'analyse', single, '--workers', '0', '--json'], { encoding: 'utf8' });
  assert.equal(json.status, 1);
  const error = json.stdout.trim().split('\n').map(l => JSON.parse(l) as EngineEvent).find(e => e.type === 'error') as { failedScans?: FailedScanReport[] };
  assert.deepEqual(error.failedScans?.map(f => f.ambiguous), [{ kind: 'ambiguous-mask',
    candidates: [path.join(single, 'Module0_VP0-1_Matrix_Mask.csv'), path.join(single, 'Module0_VP0-1_Matrix_Mask_old.csv')] }]);
});
