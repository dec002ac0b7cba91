// What the panels show of a scan analysed with a noise baseline, read from the files the real engine wrote: the
// target and gain maps, a pixel's target and K, the ASIC K as the map's reference, and the median ± robust spread
// the pixel map computes, equal to the engine's over the same pixels.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { GAIN_QUANTITIES, medianAndSpread, STATUS_NAMES } from '../../src/contract/quantities';
import { asicReference } from '../../src/contract/summary';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { AnalysisOutput } from '../../src/extension/analysisOutput';
import { generated, range, readOutputMatrix } from '../engine/helpers';

const scan = generated('gain-view', { thresholds: range(1320, 1600, 10), nacq: 4, seed: 9, rows: 16, cols: 16, formatVariants: false, baseline: {} });
const plain = generated('gain-view-none', { thresholds: range(1320, 1600, 20), nacq: 2, seed: 9, rows: 8, cols: 8, formatVariants: false });
const analysed = (dir: string) => analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, workers: 0 }, () => undefined).then(([d]) => d);

test('target and gain maps, a pixel\'s target and K, and the ASIC K read back as the engine wrote them', async () => {
  const dir = await analysed(scan.dir);
  const out = new AnalysisOutput(dir), s = out.summary;
  assert.ok(s.gain, 'the summary has its gain block');
  for (const q of GAIN_QUANTITIES) {
    assert.ok(out.hasMap(q), q);
    assert.deepEqual(Array.from(out.map(q)!), readOutputMatrix(path.join(dir, `map_${q}.csv`)).flat(), q);
    assert.deepEqual(Array.from(out.map(`${q}_err`)!), readOutputMatrix(path.join(dir, `map_${q}_err.csv`)).flat(), `${q}_err`);
  }
  const lines = fs.readFileSync(path.join(dir, 'pixel_fits.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const okPixel = lines.slice(1).map(l => l.split(',')).find(c => c[2] === 'ok' && c[header.indexOf('gain')] !== 'nan')!;
  const curve = out.pixelCurve(Number(okPixel[0]), Number(okPixel[1]));
  for (const c of ['target', 'target_err', 'gain', 'gain_err']) assert.equal(curve.gain?.[c], Number(okPixel[header.indexOf(c)]), c);
  assert.deepEqual(asicReference(s, 'gain'), { value: s.gain.asic.gain, error: s.gain.asic.gain_error, label: 'ASIC K (aligned curve)' });
  assert.deepEqual(asicReference(s, 'target'), { value: s.gain.asic.target, error: s.gain.asic.target_error, label: 'ASIC target (aligned curve)' });
  assert.ok(s.gain.asic.gain! > 5 && s.gain.asic.gain! < 30, `ASIC K ${s.gain.asic.gain} e⁻/DAC`);
});

test('the map\'s median ± robust spread over ok pixels is the summary\'s pixel K median and spread', async () => {
  const out = new AnalysisOutput(await analysed(scan.dir)), s = out.summary;
  const status = out.map('status')!, gain = out.map('gain')!, target = out.map('target')!;
  const ok = (m: Float64Array) => m.filter((_, p) => status[p] === STATUS_NAMES.indexOf('ok'));
  const k = medianAndSpread(ok(gain)), t = medianAndSpread(ok(target));
  assert.equal(k.n, s.gain!.pixels.count);
  assert.equal(k.median, s.gain!.pixels.gain_median);
  assert.equal(k.robustRms, s.gain!.pixels.gain_spread);
  assert.equal(t.median, s.gain!.pixels.target_median);
  assert.equal(t.robustRms, s.gain!.pixels.target_spread);
});

test('a scan without a baseline has no gain maps, no pixel gain and no ASIC K', async () => {
  const out = new AnalysisOutput(await analysed(plain.dir));
  assert.equal(out.summary.gain, undefined);
  for (const q of GAIN_QUANTITIES) assert.equal(out.hasMap(q), false, q);
  assert.equal(out.pixelCurve(3, 3).gain, undefined);
  assert.equal(asicReference(out.summary, 'gain').value, null);
});
