// Engine progress → the notification's percentage, fed with the events of a real analysis of two scans.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { generateScan } from '../../src/engine/generate';
import { EngineEvent } from '../../src/protocol';
import { progressReporter, progressStep, scanProgressText } from '../../src/extension/progress';
import { range, scratchDir } from '../engine/helpers';

/** The events of a real analysis of two scans of one module (two shutter times): one folder, one mask. */
async function twoScanEvents(name: string, seeds: [number, number]): Promise<EngineEvent[]> {
  const dir = scratchDir(name);
  for (const [shutterSeconds, seed] of [[1, seeds[0]], [2, seeds[1]]]) {
    generateScan({ dir, shutterSeconds, thresholds: range(1320, 1600, 20), nacq: 3, seed, rows: 8, cols: 8, formatVariants: false });
  }
  const events: EngineEvent[] = [];
  await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, workers: 0 }, e => events.push(e));
  return events;
}

test('a two-scan analysis climbs monotonically to 100 %, scan by scan, flux before fits', async () => {
  const events = await twoScanEvents('progress', [1, 2]);
  const increments: Array<[number, string]> = [];
  const reporter = progressReporter((inc, message) => increments.push([inc, message]));
  events.forEach(reporter);
  assert.ok(increments.length > 4);
  assert.ok(increments.every(([inc]) => inc > 0), 'never backwards');
  assert.equal(increments.reduce((s, [inc]) => s + inc, 0), 100, 'ends at 100 %');
  const messages = increments.map(([, m]) => m);
  // the generator's scans are Module0_VP0-1_…: the notification names the ASIC
  assert.match(messages[0], /^scan 1\/2 · VP0-1 · flux \d+\/\d+$/);
  assert.match(messages[messages.length - 1], /^scan 2\/2 · VP0-1 · fitting /);
  const firstScan2 = messages.findIndex(m => m.startsWith('scan 2/2'));
  assert.ok(firstScan2 > 0 && messages.slice(firstScan2).every(m => m.startsWith('scan 2/2')), 'scans in order');
});

test('one scan: no scan prefix; flux takes the first 60 %; other events are ignored', () => {
  assert.deepEqual(progressStep({ type: 'progress', phase: 'flux', done: 5, total: 10 }), { percent: 30, message: 'flux 5/10' });
  assert.deepEqual(progressStep({ type: 'progress', phase: 'fit', done: 10, total: 10 }), { percent: 100, message: 'fitting 10/10' });
  assert.equal(progressStep({ type: 'log', level: 'info', message: 'x' }), undefined);
  assert.equal(progressStep({ type: 'progress', phase: 'flux', done: 0, total: 0 }), undefined);
});

test('each scan\'s own state for the tree: its phase and its own percentage, "written" once its result is out', async () => {
  const events = await twoScanEvents('progress-scans', [3, 4]);
  const byScan = new Map<string, string[]>();
  for (const e of events) {
    const p = scanProgressText(e);
    if (p) byScan.set(p.scan, [...(byScan.get(p.scan) ?? []), p.text]);
  }
  assert.equal(byScan.size, 2, 'both scans report');
  for (const [scan, texts] of byScan) {
    assert.match(texts[0], /^flux \d+ %$/, scan);
    // "written" when the scan's outputs are complete (write phase) and again at its result: nothing after it
    const firstWritten = texts.indexOf('written');
    assert.ok(firstWritten > 0 && texts.slice(firstWritten).every(t => t === 'written'), `${scan}: written last (${texts.join(',')})`);
    const percents = texts.slice(0, firstWritten).map(t => Number(/(\d+) %/.exec(t)![1]));
    assert.ok(percents.every((p, i) => i === 0 || p >= percents[i - 1]), `${scan}: never backwards (${percents.join(',')})`);
    assert.ok(texts.some(t => t === 'fitting 100 %'), `${scan}: fitting reaches 100 %`);
  }
  assert.equal(scanProgressText({ type: 'progress', phase: 'fit', done: 1, total: 2, scan: 'A' })?.text, 'fitting 80 %');
});
