// The shared fit pool: several scans' fits at once on the same threads, each its own results; cancelling one leaves
// the other; one pool per thread, reused.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { computeScanFlux, readMask, scanShape, ScanFlux } from '../../src/engine/flux';
import { fitWorkerPool } from '../../src/engine/fitPool';
import { discoverScans } from '../../src/engine/scanFiles';
import { fitScan } from '../../src/engine/scanFits';
import { generated, range } from './helpers';

async function scanFlux(name: string, seed: number, polarity: 1 | -1, size = 32): Promise<ScanFlux> {
  const scan = generated(name, { thresholds: range(1320, 1600, 10), nacq: 20, seed, rows: size, cols: size, polarity });
  const found = discoverScans(scan.dir);
  const shape = scanShape(found.scans[0]);
  const mask = found.maskCandidates[0] ? readMask(found.maskCandidates[0], shape).mask : new Uint8Array(shape.rows * shape.cols);
  return computeScanFlux(found.scans[0], shape, mask, { badCut: 2, badColumns: 16, cutBad: true, strict: false, workers: 0 });
}

function sameResults(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

test('two scans fitted at once on the shared pool each get exactly the results of fitting them alone, inline', async () => {
  const [one, two] = await Promise.all([scanFlux('pool-a', 31, 1), scanFlux('pool-b', 32, -1)]);
  const settings = { model: 'scurve' as const, polarity: 'auto' as const };
  const [pooledOne, pooledTwo] = await Promise.all([fitScan(one, { ...settings, workers: 2 }), fitScan(two, { ...settings, workers: 2 })]);
  const inlineOne = await fitScan(one, { ...settings, workers: 0 }), inlineTwo = await fitScan(two, { ...settings, workers: 0 });
  assert.ok(sameResults(pooledOne.results, inlineOne.results), 'scan A');
  assert.ok(sameResults(pooledTwo.results, inlineTwo.results), 'scan B');
  assert.ok(!sameResults(pooledOne.results, pooledTwo.results), 'the two scans differ');
  assert.equal(fitWorkerPool(2), fitWorkerPool(2), 'one pool per thread, reused');
});

test('cancelling one scan\'s fits leaves the other scan on the same pool to finish', async () => {
  // 64×64: four ranges of 1024 pixels, so that the cancel comes while ranges are still queued
  const [one, two] = await Promise.all([scanFlux('pool-c', 33, 1, 64), scanFlux('pool-d', 34, 1, 64)]);
  const settings = { model: 'scurve' as const, polarity: 'auto' as const, workers: 2 };
  const stop = new AbortController();
  let progressed = 0;
  const cancelled = fitScan(one, { ...settings, signal: stop.signal, onProgress: () => { if (++progressed === 1) stop.abort(); } });
  const finished = fitScan(two, settings);
  await assert.rejects(cancelled, /cancelled/);
  assert.equal(progressed, 1, 'no range of the cancelled scan reported after the cancel');
  const result = await finished;
  const inline = await fitScan(two, { ...settings, workers: 0 });
  assert.ok(sameResults(result.results, inline.results));
});
