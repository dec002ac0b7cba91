import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { discoverScans, parseScanFileName, parseShutterTime, thresholdStep } from '../../src/engine/scanFiles';
import { shutterText } from '../../src/engine/generate';
import { scratchDir } from './helpers';

test('shutter times: 1s310ms, 2s621ms, 2s, 500ms', () => {
  assert.equal(parseShutterTime('1s310ms'), 1.31);
  assert.equal(parseShutterTime('2s621ms'), 2.621);
  assert.equal(parseShutterTime('2s'), 2);
  assert.equal(parseShutterTime('500ms'), 0.5);
  assert.throws(() => parseShutterTime('fast'), /unrecognised shutter time "fast"/);
  for (const s of [1.31, 2.621, 2, 0.5]) assert.equal(parseShutterTime(shutterText(s)), s);
});

test('file-name grammar <prefix><ST>_THR_<thr>_<acq>.csv', () => {
  assert.deepEqual(parseScanFileName('Module0_VP0-1_ECS_data_ST_1s310ms_THR_1320_3.csv'),
    { prefix: 'Module0_VP0-1_ECS_data_ST_', shutterText: '1s310ms', threshold: 1320, acquisition: 3 });
  assert.deepEqual(parseScanFileName('X_500ms_THR_7_12.csv'), { prefix: 'X_', shutterText: '500ms', threshold: 7, acquisition: 12 });
  assert.equal(parseScanFileName('Module0_VP0-1_Matrix_Mask.csv'), undefined);
  assert.equal(parseScanFileName('Fluxperpixel_X_1s_THR_1320.csv'), undefined);
  assert.equal(parseScanFileName('A_1s_THR_1320_3.csv.bak'), undefined);
});

test('discovery: several scans in one folder, uneven thresholds, missing acquisitions, mask candidates', () => {
  const dir = scratchDir('discover');
  const touch = (name: string) => fs.writeFileSync(path.join(dir, name), '0,0\n0,0\n');
  for (const thr of [100, 105, 110, 120]) for (const acq of [0, 1, 2]) {
    if (!(thr === 110 && acq === 1)) touch(`M0_VP0-1_ST_1s310ms_THR_${thr}_${acq}.csv`);
  }
  touch('M0_VP0-1_ST_2s_THR_100_0.csv');
  touch('M0_VP0-1_Matrix_Mask.csv');
  touch('notes.csv');
  fs.mkdirSync(path.join(dir, 'velo-calib'));
  const found = discoverScans(dir);
  assert.deepEqual(found.scans.map(s => s.id), ['M0_VP0-1_ST_1s310ms']);
  assert.deepEqual(found.strayScans.map(s => s.id), ['M0_VP0-1_ST_2s'], 'a lone file of another shutter time is a stray');
  assert.deepEqual(found.ignored.map(e => e.name), ['M0_VP0-1_ST_2s_THR_100_0.csv']);
  assert.match(found.ignored[0].reason, /a scan of too few files \(1 file, 1 threshold\) beside a scan of 4 thresholds/);
  const scan = found.scans[0];
  assert.deepEqual(scan.thresholds.map(t => t.threshold), [100, 105, 110, 120]);
  assert.deepEqual(scan.thresholds[2].acquisitions.map(a => a.acquisition), [0, 2]);
  assert.deepEqual(scan.missing, [[110, 1]]);
  assert.equal(scan.shutterSeconds, 1.31);
  assert.deepEqual(found.maskCandidates.map(f => path.basename(f)), ['M0_VP0-1_Matrix_Mask.csv']);
  assert.equal(thresholdStep([100, 105, 110, 120]), 5);
});
