import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyseFolder, AnalyseOptions, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { EngineEvent } from '../../src/protocol';
import { computeScanFlux, pixelFluxCsv, readMask, scanShape } from '../../src/engine/flux';
import { FluxCsvKernel } from '../../src/engine/fluxCsvKernel';
import { formatNumber, matrixToCsv } from '../../src/engine/csvFormat';
import { Random } from '../../src/engine/random';
import { discoverScans } from '../../src/engine/scanFiles';
import { ThresholdAccumulator } from '../../src/engine/thresholdAccumulator';
import { folderHashes, generated, range, readMatrixWithCsvParse, readOutputMatrix, scratchDir } from './helpers';

const thresholds = range(1320, 1600, 40); // 8 thresholds, uneven data sizes are fine
const scan = generated('flux', { thresholds, nacq: 6, seed: 2, rows: 24, cols: 40, badFraction: 0.1 });
const ST = 1.31;
const id = `${scan.truth.prefix}${scan.truth.shutterText}`;

function options(extra: Partial<AnalyseOptions> = {}): AnalyseOptions {
  return { ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, fit: false, workers: 2, ...extra };
}

async function run(extra: Partial<AnalyseOptions> = {}) {
  const events: EngineEvent[] = [];
  const dirs = await analyseFolder(options(extra), e => events.push(e));
  const summary = JSON.parse(fs.readFileSync(path.join(dirs[0], 'summary.json'), 'utf8'));
  return { dir: dirs[0], summary, events };
}

/** Independent computation from the raw files through csv-parse. */
function expectedSums(goodOnly: Set<string>) {
  const mask = readMatrixWithCsvParse(path.join(scan.dir, scan.truth.maskFile)).flat();
  return thresholds.map(thr => {
    const sum = new Array(24 * 40).fill(0);
    let good = 0;
    for (let acq = 0; acq < 6; acq++) {
      if (!goodOnly.has(`${thr}:${acq}`)) continue;
      good++;
      readMatrixWithCsvParse(path.join(scan.dir, `${id}_THR_${thr}_${acq}.csv`)).flat().forEach((v, p) => { sum[p] += v; });
    }
    return { sum, good, mask };
  });
}

test('bad acquisitions found are exactly the generator truth; one threshold all bad gives NaN, flagged', async () => {
  const { summary } = await run();
  const truthBad = scan.truth.badAcquisitions.map(([t, a]) => `${t}:${a}`).sort();
  assert.deepEqual(summary.bad_acquisitions.map(([t, a]: number[]) => `${t}:${a}`).sort(), truthBad);
  assert.ok(summary.bad_acquisitions.every((b: unknown[]) => b[2] === 'noisy-last-columns'), 'reason of each bad acquisition');
  assert.ok(truthBad.length > thresholds.length, 'generator made random bad acquisitions besides the all-bad threshold');
  assert.deepEqual(summary.all_bad_thresholds, [scan.truth.allBadThreshold]);
  const allBad = summary.per_threshold.find((t: { threshold: number }) => t.threshold === scan.truth.allBadThreshold);
  assert.equal(allBad.good, 0); assert.equal(allBad.all_bad, true); assert.equal(allBad.asic_flux, null);
  assert.equal(summary.mask.source, 'auto'); assert.equal(path.basename(summary.mask.file), scan.truth.maskFile);
});

test('flux and uncertainty per pixel and per ASIC are exact: Σhits/T, √Σhits/T, masked = nan', async () => {
  const { dir, summary } = await run();
  const bad = new Set(summary.bad_acquisitions.map(([t, a]: number[]) => `${t}:${a}`));
  const good = new Set<string>();
  for (const t of thresholds) for (let a = 0; a < 6; a++) if (!bad.has(`${t}:${a}`)) good.add(`${t}:${a}`);
  const expected = expectedSums(good);
  const asicFlux = fs.readFileSync(path.join(dir, `FluxperASIC_${id}_THR_1320-1600-step40.csv`), 'utf8').trim().split('\n');
  const asicErr = fs.readFileSync(path.join(dir, `UncertaintyFluxperASIC_${id}_THR_1320-1600-step40.csv`), 'utf8').trim().split('\n');
  assert.equal(asicFlux.length, thresholds.length);
  const f32 = fs.readFileSync(path.join(dir, 'pixel_counts.f32'));
  const pixelCounts = new Float32Array(f32.buffer, f32.byteOffset, f32.length / 4);
  assert.equal(pixelCounts.length, 24 * 40 * thresholds.length);
  thresholds.forEach((thr, i) => {
    const { sum, good: nGood, mask } = expected[i];
    const T = nGood * ST;
    const flux = readOutputMatrix(path.join(dir, `Fluxperpixel_${id}_THR_${thr}.csv`)).flat();
    const err = readOutputMatrix(path.join(dir, `UncertaintyFluxperpixel_${id}_THR_${thr}.csv`)).flat();
    let asic = 0;
    sum.forEach((s, p) => {
      assert.equal(pixelCounts[p * thresholds.length + i], T === 0 ? 0 : s, 'pixel_counts.f32 is [pixel][threshold]');
      if (mask[p] > 0 || T === 0) { assert.ok(Number.isNaN(flux[p]) && Number.isNaN(err[p])); return; }
      asic += s;
      assert.equal(flux[p], s / T);
      assert.equal(err[p], Math.sqrt(s) / T);
    });
    if (T === 0) { assert.equal(asicFlux[i], 'nan'); return; }
    assert.equal(Number(asicFlux[i]), asic / T);
    assert.equal(Number(asicErr[i]), Math.sqrt(asic) / T, 'ASIC uncertainty is √(Σhits)/T, not Σ√n');
    assert.equal(summary.per_threshold[i].exposure_s, T);
  });
});

test('--no-cut-bad keeps every acquisition; --bad-columns and --bad-cut move the cut', async () => {
  const keep = await run({ cutBad: false, out: scratchDir('keep') });
  assert.deepEqual(keep.summary.bad_acquisitions, []);
  assert.ok(keep.summary.per_threshold.every((t: { good: number }) => t.good === 6));
  // Without the last-column cut the noisy acquisitions still stand out by their total count (except where every
  // acquisition of a threshold is noisy: the median is noisy too); with the count test off nothing is cut.
  const high = await run({ badCut: 1000, out: scratchDir('high') });
  const truthBad = new Set(scan.truth.badAcquisitions.map(([t, a]) => `${t}:${a}`));
  const randomBad = scan.truth.badAcquisitions.filter(([t]) => t !== scan.truth.allBadThreshold).map(([t, a]) => `${t}:${a}`);
  assert.deepEqual(high.summary.bad_acquisitions.map(([t, a]: number[]) => `${t}:${a}`).sort(), randomBad.sort());
  assert.ok(high.summary.bad_acquisitions.every(([t, a, r]: [number, number, string]) => r === 'count-outlier' && truthBad.has(`${t}:${a}`)));
  const off = await run({ badCut: 1000, outlierSigma: 0, out: scratchDir('high-off') });
  assert.deepEqual(off.summary.bad_acquisitions, []);
  const narrow = await run({ badColumns: 4, out: scratchDir('narrow') });
  assert.equal(narrow.summary.bad_acquisitions.length, scan.truth.badAcquisitions.length);
});

test('inline (workers = 0) and worker-thread runs give identical outputs', async () => {
  const a = await run({ workers: 0, out: scratchDir('inline') });
  const b = await run({ workers: 2, out: scratchDir('workers') });
  for (const name of fs.readdirSync(a.dir).filter(n => n.endsWith('.csv'))) {
    assert.equal(fs.readFileSync(path.join(a.dir, name), 'utf8'), fs.readFileSync(path.join(b.dir, name), 'utf8'), name);
  }
});

test('the WebAssembly kernel is used and agrees exactly with the TypeScript parser (files of every variant)', async () => {
  const found = discoverScans(scan.dir);
  const s = found.scans[0];
  const shape = scanShape(s);
  const mask = readMask(found.maskCandidates[0], shape).mask;
  assert.equal(new ThresholdAccumulator({ shape, mask, shutterSeconds: ST, cut: { cutBad: true, badCut: 2, badColumns: 16 } }).parserName, 'wasm');
  const common = { badCut: 2, badColumns: 16, cutBad: true, strict: false, workers: 2 };
  const wasm = await computeScanFlux(s, shape, mask, { ...common, parser: 'wasm' });
  const ts = await computeScanFlux(s, shape, mask, { ...common, parser: 'typescript' });
  assert.deepEqual(wasm.counts.map(c => Array.from(c)), ts.counts.map(c => Array.from(c)));
  assert.deepEqual(wasm.perThreshold, ts.perThreshold);
});

test('raw data is never modified; outputs are complete with no staging leftovers', async () => {
  const before = folderHashes(scan.dir);
  const { dir } = await run();
  assert.deepEqual(folderHashes(scan.dir), before);
  assert.ok(!fs.readdirSync(dir).some(n => n.startsWith('.')), 'no temp files left');
});

test('a bad acquisition file is skipped and reported; --strict aborts; missing acquisitions are reported', async () => {
  const copy = scratchDir('corrupt');
  for (const name of fs.readdirSync(scan.dir)) if (name.endsWith('.csv')) fs.copyFileSync(path.join(scan.dir, name), path.join(copy, name));
  const victim = `${id}_THR_1360_2.csv`;
  const lines = fs.readFileSync(path.join(copy, victim), 'utf8').split('\n');
  lines[4] = lines[4].replace(/^(\d+),(\d+)/, '$1,abc');
  fs.writeFileSync(path.join(copy, victim), lines.join('\n'));
  fs.writeFileSync(path.join(copy, `${id}_THR_1400_3.csv`), '1,2,3\n'); // wrong shape
  fs.rmSync(path.join(copy, `${id}_THR_1440_1.csv`));
  const events: EngineEvent[] = [];
  const [dir] = await analyseFolder({ ...options(), folder: copy }, e => events.push(e));
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  const skipped = summary.skipped_files.map((s: { file: string }) => s.file).sort();
  assert.deepEqual(skipped, [victim, `${id}_THR_1400_3.csv`].sort());
  const abc = summary.skipped_files.find((s: { file: string }) => s.file === victim);
  assert.equal(abc.line, 5); assert.equal(abc.column, 2); assert.match(abc.reason, /expected a non-negative integer hit count, found "abc"/);
  assert.deepEqual(summary.missing_acquisitions, [[1440, 1]]);
  const t1360 = summary.per_threshold.find((t: { threshold: number }) => t.threshold === 1360);
  assert.equal(t1360.failed, 1);
  assert.ok(events.some(e => e.type === 'log' && e.level === 'warn' && e.message.includes(victim)));

  const strictOut = scratchDir('strict');
  await assert.rejects(analyseFolder({ ...options(), folder: copy, strict: true, out: strictOut }, () => undefined), /--strict: .*\.csv:\d+:\d+: /);
  assert.deepEqual(fs.readdirSync(strictOut), [], 'strict abort leaves no output');
});

test('empty folder and folder without scan files give clear errors', async () => {
  const empty = scratchDir('empty');
  await assert.rejects(analyseFolder({ ...options(), folder: empty }, () => undefined), /no scan files/);
  await assert.rejects(analyseFolder({ ...options(), folder: path.join(empty, 'nope') }, () => undefined), /not a folder/);
});

test('cancel (abort signal) leaves no partial output', async () => {
  const out = scratchDir('cancel');
  const controller = new AbortController();
  const p = analyseFolder({ ...options(), out, signal: controller.signal }, e => { if (e.type === 'progress') controller.abort(); });
  await assert.rejects(p, /cancelled/);
  assert.deepEqual(fs.readdirSync(out), []);
});

test('two shutter times in one folder are two scans, each with its own output folder; uneven thresholds', async () => {
  const dir = scratchDir('two-scans');
  const { generateScan } = await import('../../src/engine/generate');
  generateScan({ dir, thresholds: [1320, 1330, 1350, 1400, 1500], nacq: 3, seed: 8, rows: 8, cols: 8, shutterSeconds: 1.31 });
  generateScan({ dir, thresholds: [1320, 1340, 1360], nacq: 2, seed: 9, rows: 8, cols: 8, shutterSeconds: 2 });
  const events: EngineEvent[] = [];
  const dirs = await analyseFolder({ ...options(), folder: dir }, e => events.push(e));
  const ids = ['Module0_VP0-1_ECS_data_ST_1s310ms', 'Module0_VP0-1_ECS_data_ST_2s'];
  assert.deepEqual(dirs, ids.map(id => path.join(dir, 'velo-calib', id)));
  const progress = events.filter(e => e.type === 'progress');
  // the two scans run side by side: each scan's events carry its own index
  assert.deepEqual([...new Set(progress.map(e => e.type === 'progress' && `${e.scanIndex}/${e.scanCount}`))].sort(), ['0/2', '1/2']);
  const [a, b] = dirs.map(d => JSON.parse(fs.readFileSync(path.join(d, 'summary.json'), 'utf8')));
  assert.deepEqual(a.thresholds, [1320, 1330, 1350, 1400, 1500]);
  assert.equal(b.scan.shutterSeconds, 2);
  assert.ok(fs.existsSync(path.join(dirs[0], `FluxperASIC_${ids[0]}_THR_1320-1500-step10.csv`)), 'step = most common spacing');
  assert.ok(fs.existsSync(path.join(dirs[1], `FluxperASIC_${ids[1]}_THR_1320-1360-step20.csv`)));
});

test('--mask overrides the folder mask; several mask files naming the scan without --mask are an error', async () => {
  const out = scratchDir('mask-option');
  const maskFile = path.join(out, 'none-masked.csv');
  fs.writeFileSync(maskFile, Array.from({ length: 24 }, () => new Array(40).fill(0).join(',')).join('\n') + '\n');
  const { summary } = await run({ mask: maskFile, out });
  assert.equal(summary.mask.source, 'option');
  assert.equal(summary.mask.maskedPixels, 0);
  const copy = scratchDir('two-masks');
  for (const name of fs.readdirSync(scan.dir)) if (name.endsWith('.csv')) fs.copyFileSync(path.join(scan.dir, name), path.join(copy, name));
  // A mask naming no ASIC does not compete with the scan's own; a second one naming the scan's ASIC does.
  fs.copyFileSync(path.join(scan.dir, scan.truth.maskFile), path.join(copy, 'Other_Matrix_Mask.csv'));
  const [own] = await analyseFolder({ ...options(), folder: copy, out: path.join(copy, 'own') }, () => undefined);
  assert.equal(path.basename(JSON.parse(fs.readFileSync(path.join(own, 'summary.json'), 'utf8')).mask.file), scan.truth.maskFile);
  fs.copyFileSync(path.join(scan.dir, scan.truth.maskFile), path.join(copy, scan.truth.maskFile.replace('.csv', '_old.csv')));
  await assert.rejects(analyseFolder({ ...options(), folder: copy }, () => undefined), /several mask files name its ASIC .*choose one with --mask/);
  const wrongShape = path.join(out, 'small-mask.csv');
  fs.writeFileSync(wrongShape, '0,0\n0,0\n');
  await assert.rejects(run({ mask: wrongShape, out: scratchDir('mask-shape') }), /small-mask\.csv:1:1: mask is 2×2: expected the scan's shape 24×40/);
});

test('the pixel flux CSV text (WebAssembly layout, or remembered per count) is byte for byte the matrix CSV of Σhits/T and √Σhits/T', () => {
  const rng = new Random(5);
  const rows = 64, cols = 48, n = rows * cols;
  const kernel = FluxCsvKernel.create(n);
  assert.ok(kernel, 'dist/csvKernel.wasm missing: run npm run build');
  const generators: [string, (p: number) => number][] = [
    // integer counts below 65,536: the WebAssembly layout
    ['integer counts', p => (p % 53 === 0 ? 65535 : p % 47 === 0 ? 0 : rng.poisson(p % 7 === 0 ? 4000 : 30))],
    // larger and fractional counts: the TypeScript writer takes the matrix
    ['large and fractional counts', p => (p % 53 === 0 ? 70000 + p : p % 41 === 0 ? 12.5 : rng.poisson(p % 7 === 0 ? 4000 : 30))],
  ];
  for (const [what, count] of generators) {
    for (const exposure of [131, 1.31 * 97, 0.3, 1e-300, 0]) {
      const counts = Float64Array.from({ length: n }, (_, p) => count(p));
      const mask = Uint8Array.from({ length: n }, (_, p) => (p % 29 === 0 ? 1 : 0));
      const flux = Float64Array.from(counts, (c, p) => (mask[p] || !(exposure > 0) ? NaN : c / exposure));
      const error = Float64Array.from(counts, (c, p) => (mask[p] || !(exposure > 0) ? NaN : Math.sqrt(c) / exposure));
      const csv = pixelFluxCsv(counts, mask, exposure, { rows, cols });
      assert.equal(Buffer.from(csv.flux).toString(), matrixToCsv(flux, rows, cols), `${what}, T = ${exposure}`);
      assert.equal(Buffer.from(csv.error).toString(), matrixToCsv(error, rows, cols), `${what}, T = ${exposure}`);
      const laidOut = kernel.csv(counts, mask, rows, cols, c => c / exposure, formatNumber, 'nan');
      assert.equal(laidOut === undefined, what !== 'integer counts', `${what}: the kernel takes only integer counts < 65,536`);
    }
  }
});