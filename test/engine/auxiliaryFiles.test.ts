// Per-scan masks, baselines and widths matched by module and ASIC; one scan's ambiguity fails that scan only.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { asicIdentity, auxiliaryRole, AuxiliaryFileError, resolveAuxiliaryFiles } from '../../src/engine/input/auxiliaryFiles';
import { discoverScans } from '../../src/engine/scanFiles';
import { EngineEvent } from '../../src/protocol';
import { generated, range, readOutputMatrix, scratchDir } from './helpers';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

/** A folder holding only file names (scan files are empty: resolution reads names, never contents). */
function folderOf(names: string[]): string {
  const dir = scratchDir('aux');
  for (const n of names) fs.writeFileSync(path.join(dir, n), '');
  return dir;
}

const acq = (prefix: string, st = '1s310ms') => `${prefix}${st}_THR_1320_0.csv`;

function resolveAll(dir: string, explicit = {}) {
  const found = discoverScans(dir);
  return found.scans.map(scan => {
    try {
      const r = resolveAuxiliaryFiles(scan, found.scans, found.auxiliaryCandidates, explicit);
      return { scan: scan.id, mask: base(r.mask.file), baseline: base(r.baseline.file), width: base(r.baselineWidth.file), notes: r.notes.map(n => n.message) };
    } catch (e) {
      assert.ok(e instanceof AuxiliaryFileError, String(e));
      return { scan: scan.id, error: e.message };
    }
  });
}
const base = (f: string | null) => (f ? path.basename(f) : null);

test('file roles and identities from names', () => {
  assert.equal(auxiliaryRole('Module0_VP0-1_Matrix_Mask.csv'), 'mask');
  assert.equal(auxiliaryRole('Module0_VP3-1_TrimBest_Noise_Predict_2024.csv'), 'baseline');
  assert.equal(auxiliaryRole('Module0_VP3-1_Baseline.csv'), 'baseline');
  assert.equal(auxiliaryRole('Module0_VP3-1_TrimBest_Noise_Width.csv'), 'baselineWidth');
  assert.equal(auxiliaryRole('Module0_VP3-1_noise_sigma.csv'), 'baselineWidth');
  assert.equal(auxiliaryRole('Module0_VP3-1_Noise_Predict.txt'), undefined);
  assert.equal(auxiliaryRole('notes.csv'), undefined);
  assert.deepEqual(asicIdentity('Module0_VP0-1_ECS_data_ST_'), { asic: 'VP0-1', module: 'MODULE0' });
  assert.deepEqual(asicIdentity('vp2-0_Matrix_Mask.csv'), { asic: 'VP2-0', module: undefined });
  assert.deepEqual(asicIdentity('ASIC_A_data_'), { key: 'ASIC_A' });
});

test('each scan gets the files naming its module and ASIC; ambiguity is an error for that scan only', () => {
  const dir = folderOf([
    acq('Module0_VP0-0_ECS_data_ST_'), acq('Module0_VP0-1_ECS_data_ST_'), acq('Module0_VP0-2_ECS_data_ST_'), acq('Module1_VP0-0_ECS_data_ST_'),
    'Module0_VP0-0_Matrix_Mask.csv', 'Module0_VP0-1_Matrix_Mask.csv', 'Module1_VP0-0_Matrix_Mask.csv',
    'Module0_VP0-2_Matrix_Mask.csv', 'Module0_VP0-2_Matrix_Mask_old.csv',
    'Module0_VP0-0_TrimBest_Noise_Predict.csv', 'Module0_VP0-0_TrimBest_Noise_Width.csv',
    'Module0_VP0-1_TrimBest_Noise_Predict.csv', 'Module0_VP0-1_Baseline_v2.csv',
  ]);
  const r = resolveAll(dir);
  assert.deepEqual(r[0], { scan: 'Module0_VP0-0_ECS_data_ST_1s310ms', mask: 'Module0_VP0-0_Matrix_Mask.csv',
    baseline: 'Module0_VP0-0_TrimBest_Noise_Predict.csv', width: 'Module0_VP0-0_TrimBest_Noise_Width.csv',
    notes: ['mask Module0_VP0-0_Matrix_Mask.csv', 'baseline Module0_VP0-0_TrimBest_Noise_Predict.csv',
      'baseline-width Module0_VP0-0_TrimBest_Noise_Width.csv']
      .map(f => `scan Module0_VP0-0_ECS_data_ST_1s310ms: using ${f} found in the folder`) });
  assert.match(r[1].error!, /^scan Module0_VP0-1_ECS_data_ST_1s310ms: several baseline files name its ASIC \(Module0_VP0-1_Baseline_v2\.csv, Module0_VP0-1_TrimBest_Noise_Predict\.csv\): choose one with --baseline$/);
  assert.match(r[2].error!, /several mask files name its ASIC \(Module0_VP0-2_Matrix_Mask\.csv, Module0_VP0-2_Matrix_Mask_old\.csv\): choose one with --mask/);
  assert.equal(r[3].mask, 'Module1_VP0-0_Matrix_Mask.csv'); // the module tells VP0-0 of module 1 from module 0's
  assert.equal(r[3].baseline, null);
  // An explicit file wins for every scan (a file naming another ASIC is used, with a warning).
  const explicit = resolveAll(dir, { mask: path.join(dir, 'Module0_VP0-2_Matrix_Mask.csv'), baseline: path.join(dir, 'Module0_VP0-1_Baseline_v2.csv') });
  assert.equal(explicit[2].mask, 'Module0_VP0-2_Matrix_Mask.csv');
  assert.equal(explicit[0].width, null); // a width is looked for only beside an auto-detected baseline
  assert.ok(explicit[0].notes!.some(n => /mask Module0_VP0-2_Matrix_Mask\.csv names another ASIC than the scan/.test(n)));
});

test('a file naming no ASIC serves a folder of one ASIC; with several ASICs it is an error for the scans without their own', () => {
  const single = resolveAll(folderOf([acq('Module0_VP0-1_ECS_data_ST_'), acq('Module0_VP0-1_ECS_data_ST_', '2s'), 'Matrix_Mask.csv']));
  assert.deepEqual(single.map(s => s.mask), ['Matrix_Mask.csv', 'Matrix_Mask.csv']);
  const two = resolveAll(folderOf([acq('Module0_VP0-1_ECS_data_ST_'), acq('Module0_VP0-2_ECS_data_ST_'), 'Module0_VP0-2_Matrix_Mask.csv', 'Matrix_Mask.csv']));
  assert.match(two[0].error!, /the mask file Matrix_Mask\.csv names no ASIC and the folder holds scans of several ASICs: choose it with --mask or name it after the scan \(e\.g\. Module0_VP0-1_Matrix_Mask\.csv\)/);
  assert.equal(two[1].mask, 'Module0_VP0-2_Matrix_Mask.csv');
  const several = resolveAll(folderOf([acq('Module0_VP0-1_ECS_data_ST_'), 'a_Mask.csv', 'b_Mask.csv']));
  assert.match(several[0].error!, /several mask files in the folder \(a_Mask\.csv, b_Mask\.csv\) and none names the scan's ASIC/);
  const other = resolveAll(folderOf([acq('Module0_VP0-1_ECS_data_ST_'), 'Module0_VP0-3_Matrix_Mask.csv']));
  assert.equal(other[0].mask, null);
  assert.ok(other[0].notes!.some(n => /no mask file names its ASIC \(Module0_VP0-3_Matrix_Mask\.csv name other ASICs\)/.test(n)));
  // Prefixes without a VP token: the first two name tokens (the seed's get_mask convention).
  const keyed = resolveAll(folderOf([acq('M7_A3_data_'), acq('M7_A4_data_'), 'M7_A3_Matrix_Mask.csv', 'M7_A4_Matrix_Mask.csv']));
  assert.deepEqual(keyed.map(k => k.mask), ['M7_A3_Matrix_Mask.csv', 'M7_A4_Matrix_Mask.csv']);
});

/** Three small ASIC scans (own masks, the first with a baseline) generated apart and put in one folder. */
function moduleFolder(): string {
  const dir = scratchDir('module');
  for (const i of [0, 1, 2]) {
    const g = generated(`asic${i}`, {
      thresholds: range(1320, 1600, 20), nacq: 3, seed: 20 + i, rows: 16, cols: 16,
      prefix: `Module0_VP0-${i}_ECS_data_ST_`, baseline: i === 0 ? {} : undefined,
    });
    for (const f of fs.readdirSync(g.dir)) if (f !== 'truth') fs.copyFileSync(path.join(g.dir, f), path.join(dir, f));
  }
  return dir;
}

test('a module folder of three ASIC scans analyses each with its own mask; an ambiguous one fails alone', async () => {
  const dir = moduleFolder();
  const [d0, d1, d2] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, workers: 0 }, () => undefined);
  const masked = [d0, d1, d2].map((d, i) => {
    const s = JSON.parse(fs.readFileSync(path.join(d, 'summary.json'), 'utf8'));
    assert.equal(path.basename(s.mask.file), `Module0_VP0-${i}_Matrix_Mask.csv`);
    const ones = readOutputMatrix(path.join(dir, `Module0_VP0-${i}_Matrix_Mask.csv`)).flat().filter(v => v > 0).length;
    assert.equal(s.mask.maskedPixels, ones);
    assert.equal(s.gain !== undefined, i === 0, `scan ${i} gain`);
    return s.mask.maskedPixels;
  });
  assert.ok(new Set(masked).size > 1 || masked.some(m => m > 0));

  fs.copyFileSync(path.join(dir, 'Module0_VP0-2_Matrix_Mask.csv'), path.join(dir, 'Module0_VP0-2_Matrix_Mask_copy.csv'));
  const events: EngineEvent[] = [];
  const out = path.join(dir, 'second');
  const dirs = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, workers: 0, out }, e => events.push(e));
  assert.deepEqual(dirs.map(d => path.basename(d)), ['Module0_VP0-0_ECS_data_ST_1s310ms', 'Module0_VP0-1_ECS_data_ST_1s310ms']);
  const done = events.at(-1)!;
  assert.ok(done.type === 'done');
  assert.deepEqual(done.failedScans!.map(f => f.scan), ['Module0_VP0-2_ECS_data_ST_1s310ms']);
  assert.match(done.failedScans![0].message, /several mask files name its ASIC \(Module0_VP0-2_Matrix_Mask\.csv, Module0_VP0-2_Matrix_Mask_copy\.csv\)/);
  assert.ok(events.some(e => e.type === 'log' && e.level === 'error' && /scan Module0_VP0-2_ECS_data_ST_1s310ms not analysed/.test(e.message)));
  assert.ok(!fs.existsSync(path.join(out, 'Module0_VP0-2_ECS_data_ST_1s310ms', 'summary.json')));

  // The CLI: exit code 3 (some scans failed), the failure in the printed summary; --strict makes it an error.
  const cli = (...a: string[]) => spawnSync(process.execPath, [CLI, 'analyse', dir, '--out', path.join(dir, 'cli'), '--workers', '0', ...a], { encoding: 'utf8' });
  const r = cli('--no-fit');
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stdout, /Scan Module0_VP0-2_ECS_data_ST_1s310ms: NOT ANALYSED: .*several mask files/);
  assert.equal(cli('--no-fit', '--strict').status, 1);
  // One scan chosen with --scan: its own error, exit 1.
  const one = cli('--no-fit', '--scan', 'Module0_VP0-2_ECS_data_ST_1s310ms');
  assert.equal(one.status, 1);
  assert.match(one.stderr, /error: scan Module0_VP0-2_ECS_data_ST_1s310ms: several mask files name its ASIC .*choose one with --mask/);
});
