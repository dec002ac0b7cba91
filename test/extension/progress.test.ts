// Engine progress → the notification's percentage, fed with the events of a real analysis of two scans.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { generateScan } from '../../src/engine/generate';
import { EngineEvent } from '../../src/protocol';
import { progressReporter, progressStep } from '../../src/extension/progress';
import { range, scratchDir } from '../engine/helpers';

test('a two-scan analysis climbs monotonically to 100 %, scan by scan, flux before fits', async () => {
  const dir = scratchDir('progress');
  // Two scans of one module (two shutter times): one folder, one mask.
  for (const [shutterSeconds, seed] of [[1, 1], [2, 2]]) {
    generateScan({ dir, shutterSeconds, thresholds: range(1320, 1600, 20), nacq: 3, seed, rows: 8, cols: 8, formatVariants: false });
  }
  const events: EngineEvent[] = [];
  await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, workers: 0 }, e => events.push(e));
  const increments: Array<[number, string]> = [];
  const reporter = progressReporter((inc, message) => increments.push([inc, message]));
  events.forEach(reporter);
  assert.ok(increments.length > 4);
  assert.ok(increments.every(([inc]) => inc > 0), 'never backwards');
  assert.equal(increments.reduce((s, [inc]) => s + inc, 0), 100, 'ends at 100 %');
  const messages = increments.map(([, m]) => m);
  assert.match(messages[0], /^scan 1\/2: flux /);
  assert.match(messages[messages.length - 1], /^scan 2\/2: fits /);
  const firstScan2 = messages.findIndex(m => m.startsWith('scan 2/2'));
  assert.ok(firstScan2 > 0 && messages.slice(firstScan2).every(m => m.startsWith('scan 2/2')), 'scans in order');
});

test('one scan: no scan prefix; flux takes the first 60 %; other events are ignored', () => {
  assert.deepEqual(progressStep({ type: 'progress', phase: 'flux', done: 5, total: 10 }), { percent: 30, message: 'flux 5/10' });
  assert.deepEqual(progressStep({ type: 'progress', phase: 'fit', done: 10, total: 10 }), { percent: 100, message: 'fits 10/10' });
  assert.equal(progressStep({ type: 'log', level: 'info', message: 'x' }), undefined);
  assert.equal(progressStep({ type: 'progress', phase: 'flux', done: 0, total: 0 }), undefined);
});
