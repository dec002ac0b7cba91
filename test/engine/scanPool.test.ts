// Folders of many scans (issue 11): the scans run side by side through the worker threads, each scan's progress
// in order, a broken scan fails alone, and a run cancelled mid-folder leaves the previous result as it was.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyseFolder, AnalyseOptions, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { generateScan } from '../../src/engine/generate';
import { EngineEvent } from '../../src/protocol';
import { range, scratchDir } from './helpers';

const ASICS = ['VP0-0', 'VP0-1', 'VP0-2', 'VP1-0'];
const scanId = (asic: string) => `Module0_${asic}_ECS_data_ST_1s310ms`;

/** Four small ASIC scans of one module in one folder, each with its own mask. */
function moduleFolder(name: string): string {
  const dir = scratchDir(name);
  ASICS.forEach((asic, i) => generateScan({
    dir, prefix: `Module0_${asic}_ECS_data_ST_`, thresholds: range(1320, 1600, 20), nacq: 3, seed: 20 + i, rows: 16, cols: 16,
    formatVariants: false,
  }));
  return dir;
}

const options = (folder: string, extra: Partial<AnalyseOptions> = {}): AnalyseOptions =>
  ({ ...DEFAULT_ANALYSE_OPTIONS, folder, workers: 2, ...extra });

type Progress = Extract<EngineEvent, { type: 'progress' }>;

test('scans of a folder run side by side; each scan\'s progress is in order and its results equal the scan analysed alone', async () => {
  const dir = moduleFolder('pool-progress');
  const events: EngineEvent[] = [];
  const dirs = await analyseFolder(options(dir), e => events.push(e));
  assert.deepEqual(dirs, ASICS.map(a => path.join(dir, 'velo-calib', scanId(a))), 'output folders in the folder\'s order');
  const progress = events.filter((e): e is Progress => e.type === 'progress');
  for (const [index, asic] of ASICS.entries()) {
    const mine = progress.filter(e => e.scan === scanId(asic));
    assert.ok(mine.length > 0, `${asic} reports progress`);
    assert.ok(mine.every(e => e.scanIndex === index && e.scanCount === ASICS.length), `${asic}: its own index on every event`);
    const phases = mine.map(e => e.phase);
    const order = ['flux', 'fit', 'write'];
    assert.deepEqual([...new Set(phases)], order, `${asic}: flux, then fits, then written`);
    assert.ok(phases.every((p, i) => i === 0 || order.indexOf(p) >= order.indexOf(phases[i - 1])), `${asic}: phases never go back`);
    for (const phase of ['flux', 'fit']) {
      const done = mine.filter(e => e.phase === phase).map(e => e.done);
      assert.ok(done.every((d, i) => i === 0 || d > done[i - 1]), `${asic} ${phase}: done only grows`);
      assert.equal(done[done.length - 1], mine.find(e => e.phase === phase)!.total, `${asic} ${phase}: ends complete`);
    }
  }
  // side by side: a scan starts before the one ahead of it has written its outputs
  const firstOf = (asic: string) => events.findIndex(e => e.type === 'progress' && e.scan === scanId(asic));
  const writtenOf = (asic: string) => events.findIndex(e => e.type === 'progress' && e.scan === scanId(asic) && e.phase === 'write');
  assert.ok(firstOf(ASICS[1]) < writtenOf(ASICS[0]), 'the second scan is read while the first one is still in progress');
  const results = events.filter(e => e.type === 'result');
  assert.deepEqual(results.map(e => e.type === 'result' && e.scan), ASICS.map(scanId), 'one result event per scan');
  assert.ok(events.findIndex(e => e.type === 'result') > Math.max(...ASICS.map(writtenOf)), 'results once the run is published');

  const alone = await analyseFolder(options(dir, { scan: scanId(ASICS[2]), out: path.join(dir, 'alone') }), () => undefined);
  for (const file of ['pixel_fits.csv', 'map_mu.csv', `Fluxperpixel_${scanId(ASICS[2])}_THR_1400.csv`, 'report.md']) {
    assert.equal(fs.readFileSync(path.join(alone[0], file), 'utf8'), fs.readFileSync(path.join(dirs[2], file), 'utf8'), `${file} as alone`);
  }
});

test('a broken scan among good ones fails alone: the others are analysed and published, it is named in done', async () => {
  const dir = moduleFolder('pool-broken');
  const broken = 'Module0_VP2-0_ECS_data_ST_1s310ms';
  for (const thr of [1320, 1340, 1360, 1380]) fs.writeFileSync(path.join(dir, `${broken}_THR_${thr}_0.csv`), 'not,a\nmatrix,x\n');
  const events: EngineEvent[] = [];
  const dirs = await analyseFolder(options(dir), e => events.push(e));
  assert.deepEqual(dirs, ASICS.map(a => path.join(dir, 'velo-calib', scanId(a))));
  for (const d of dirs) assert.ok(fs.existsSync(path.join(d, 'pixel_fits.csv')), `${d} analysed`);
  assert.ok(!fs.existsSync(path.join(dir, 'velo-calib', broken)), 'no folder for the broken scan');
  const done = events.find(e => e.type === 'done');
  assert.ok(done?.type === 'done');
  assert.deepEqual(done.failedScans?.map(f => f.scan), [broken]);
  assert.match(done.failedScans![0].message, /not,a|expected|number|line/i);
});

test('a run cancelled mid-folder publishes nothing: the previous result stays exactly as it was', async () => {
  const dir = moduleFolder('pool-cancel');
  const out = path.join(dir, 'velo-calib');
  await analyseFolder(options(dir), () => undefined);
  const store = path.join(dir, '.velo-calib.runs');
  const before = fs.readlinkSync(out);
  const summaries = () => ASICS.map(a => fs.readFileSync(path.join(out, scanId(a), 'summary.json'), 'utf8'));
  const previous = summaries();
  const controller = new AbortController();
  let written = 0;
  // a changed setting makes a new run; it is cancelled once the first scan has its outputs and others are under way
  const run = analyseFolder(options(dir, { badCut: 3, signal: controller.signal }), e => {
    if (e.type === 'progress' && e.phase === 'write' && ++written === 1) controller.abort();
  });
  await assert.rejects(run, /cancelled/);
  assert.equal(written, 1, 'cancelled with scans still in progress');
  assert.equal(fs.readlinkSync(out), before, 'the visible result is the previous run');
  assert.deepEqual(summaries(), previous);
  assert.deepEqual(fs.readdirSync(store), [path.basename(before)], 'no staged run, no lock left');
});
