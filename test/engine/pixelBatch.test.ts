// The fit kernel's batch of pixels (fitPixels in src/engine/wasm/fitKernel.ts, driven by fitPixelRange) against the
// reference path (every pixel through RangeFit.fitOnHost in TypeScript around the kernel's single fits): the same rows,
// bit for bit, for every model and polarity, at low and at good statistics (dead, masked, too-few-points pixels, bad
// fits, unresolved edges and fallbacks included), and the same outcome whatever the batch size.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { computeScanFlux, readMask, scanShape, ScanFlux } from '../../src/engine/flux';
import { PoissonCurveFitter } from '../../src/engine/poissonFit';
import { discoverScans } from '../../src/engine/scanFiles';
import {
  fitAsicCurve, fitPixelRange, PixelStatus, pixelFitJob, R_SHAPE_DEVIANCE, R_STATUS, R_FLAGS, RESULT_FIELDS, selectFitPoints,
  SIGMA_UPPER_LIMIT_FLAG,
} from '../../src/engine/scanFits';
import { ModelName, MODEL_NAMES } from '../../src/engine/scurveModel';
import { generated, range } from './helpers';

const SIZE = 40;

async function scanFlux(name: string, model: ModelName, nacq: number, polarity: 1 | -1, thresholds = range(1320, 1600, 10)): Promise<ScanFlux> {
  const scan = generated(name, { thresholds, nacq, seed: 17 + nacq, rows: SIZE, cols: SIZE, polarity, model, formatVariants: false });
  const found = discoverScans(scan.dir);
  const shape = scanShape(found.scans[0]);
  const mask = readMask(found.maskCandidates[0], shape).mask;
  return computeScanFlux(found.scans[0], shape, mask, { badCut: 2, badColumns: 16, cutBad: true, strict: false, workers: 0 });
}

/** Rows of the batch path (kernel batches of `batchPixels`) and of the reference path, for every pixel. */
function bothPaths(flux: ScanFlux, model: ModelName, batchPixels: number) {
  const points = selectFitPoints(flux);
  const asic = fitAsicCurve(flux, points, model, 'auto');
  const m = points.thresholds.length, all = { start: 0, end: flux.mask.length };
  const batch = pixelFitJob(flux, points, asic), reference = pixelFitJob(flux, points, asic);
  fitPixelRange(batch, all, new PoissonCurveFitter(m, batchPixels));
  fitPixelRange(reference, all, new PoissonCurveFitter(m));
  return { batch: batch.results, reference: reference.results };
}

function assertSameRows(batch: Float64Array, reference: Float64Array, what: string) {
  for (let i = 0; i < reference.length; i++) {
    if (Object.is(batch[i], reference[i])) continue;
    const field = i % RESULT_FIELDS, pixel = (i - field) / RESULT_FIELDS;
    // the amplitude-only deviance: the kernel's log against V8's Math.log, last bits
    if (field === R_SHAPE_DEVIANCE && Math.abs(batch[i] - reference[i]) <= 1e-13 * Math.abs(reference[i])) continue;
    assert.fail(`${what}: pixel ${pixel} field ${field}: batch ${batch[i]}, reference ${reference[i]}`);
  }
}

for (const model of MODEL_NAMES) {
  test(`${model}: the kernel's pixel batches give the reference path's rows (both polarities, 3 and 30 acquisitions)`, async t => {
    for (const polarity of [1, -1] as const) {
      for (const nacq of [3, 30]) {
        const flux = await scanFlux(`batch-${model}-${polarity}-${nacq}`, model, nacq, polarity);
        const { batch, reference } = bothPaths(flux, model, 256);
        const what = `${model} polarity ${polarity}, ${nacq} acquisitions`;
        assertSameRows(batch, reference, what);
        const count = (pick: (row: number) => boolean) => {
          let c = 0;
          for (let p = 0; p < flux.mask.length; p++) if (pick(p * RESULT_FIELDS)) c++;
          return c;
        };
        const ok = count(o => batch[o + R_STATUS] === PixelStatus.Ok);
        const masked = count(o => batch[o + R_STATUS] === PixelStatus.Masked);
        const limits = count(o => (batch[o + R_FLAGS] & SIGMA_UPPER_LIMIT_FLAG) !== 0);
        const bad = count(o => batch[o + R_STATUS] === PixelStatus.BadFit || batch[o + R_STATUS] === PixelStatus.Failed);
        assert.ok(ok > 0.5 * flux.mask.length && masked > 0, `${what}: ${ok} ok, ${masked} masked`);
        t.diagnostic(`${what}: ${ok} ok, ${masked} masked, ${limits} σ upper limits, ${bad} bad or failed`);
      }
    }
  });
}

test('the batch size does not change a row (batches of 1, 7 and 1024 pixels)', async () => {
  const flux = await scanFlux('batch-sizes', 'scurve', 5, 1);
  const rows = [1, 7, 1024].map(size => bothPaths(flux, 'scurve', size));
  for (const r of rows) assertSameRows(r.batch, r.reference, 'batch sizes');
  assert.ok(rows.every(r => r.batch.every((v, i) => Object.is(v, rows[0].batch[i]))), 'the batch paths agree bit for bit');
});

test('scans of as few thresholds as parameters or one more (no degrees of freedom, one): the same rows', async () => {
  for (const thresholds of [range(1400, 1440, 10), range(1400, 1450, 10)]) {
    const flux = await scanFlux(`batch-few-${thresholds.length}`, 'scurve', 20, 1, thresholds);
    const { batch, reference } = bothPaths(flux, 'scurve', 64);
    assertSameRows(batch, reference, `${thresholds.length} thresholds`);
  }
});
