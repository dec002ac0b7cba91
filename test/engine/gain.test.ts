// Gain calibration against the generator's truth: K pulls, target = μ − baseline, the baseline-aligned ASIC width,
// the output contract (columns, maps, summary, report) and bad baseline files.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { PIXEL_FITS_HEADER } from '../../src/engine/fitOutputs';
import { readTruthPixels } from '../../src/engine/generate';
import { readBaseline } from '../../src/engine/gain/baseline';
import { readTruthGain } from '../../src/engine/gain/generateBaseline';
import { MatrixFormatError } from '../../src/engine/matrixParser';
import { generated, range, readOutputMatrix, scratchDir } from './helpers';

interface Row { [k: string]: number | string }

function readPixelFits(dir: string): { names: string[]; rows: Row[] } {
  const lines = fs.readFileSync(path.join(dir, 'pixel_fits.csv'), 'utf8').trim().split('\n');
  const names = lines[0].split(',');
  return {
    names,
    rows: lines.slice(1).map(l => {
      const c = l.split(',');
      return Object.fromEntries(names.map((n, i) => [n, n === 'status' ? c[i] : c[i] === 'nan' ? NaN : Number(c[i])]));
    }),
  };
}

function meanRms(v: number[]) {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return { mean, rms: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length) };
}

function variance(v: number[]): number {
  const { rms } = meanRms(v);
  return rms * rms;
}

/** Truth ⟨σ²⟩ and var(target) over the pixels the aligned curve sums that have an edge (good, unmasked, with a baseline). */
function truthWidths(dir: string) {
  const pixels = readTruthPixels(dir), gain = readTruthGain(dir);
  const used = pixels.map((p, i) => ({ p, g: gain[i] })).filter(({ p, g }) => p.kind === 'good' && !p.masked && Number.isFinite(g.baselineFile));
  return { meanSigmaSq: meanRms(used.map(u => u.p.sigma ** 2)).mean, varTarget: variance(used.map(u => u.g.target)) };
}

const quiet = () => undefined;

test('gain on a generated scan with a fractional baseline: K pulls, target = μ − baseline, aligned width, outputs', async () => {
  const scan = generated('gain', { thresholds: range(1320, 1600, 5), nacq: 100, seed: 11, rows: 64, cols: 64, formatVariants: false, baseline: {} });
  const [dir] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 2 }, quiet);
  const { names, rows } = readPixelFits(dir);
  assert.equal(names.join(','), `${PIXEL_FITS_HEADER},target,target_err,gain,gain_err`);
  assert.deepEqual(names.slice(0, 3), ['row', 'col', 'status']);

  const truth = readTruthGain(scan.dir);
  const pulls: number[] = [];
  for (const r of rows) {
    const t = truth[(r.row as number) * 64 + (r.col as number)];
    if (r.status !== 'ok' || !Number.isFinite(t.baselineFile)) continue;
    pulls.push(((r.gain as number) - t.k) / (r.gain_err as number));
  }
  const p = meanRms(pulls);
  assert.ok(pulls.length > 3900, `${pulls.length} ok pixels with a baseline`);
  assert.ok(Math.abs(p.mean) < 0.15, `K pull mean ${p.mean}`);
  assert.ok(p.rms > 0.8 && p.rms < 1.25, `K pull rms ${p.rms}`);

  // map_target is μ − baseline (polarity +1), NaN where the pixel has no baseline or no fitted edge.
  const target = readOutputMatrix(path.join(dir, 'map_target.csv')).flat(), mu = readOutputMatrix(path.join(dir, 'map_mu.csv')).flat();
  const baseline = readOutputMatrix(path.join(scan.dir, scan.truth.gain!.baselineFile)).flat();
  let compared = 0;
  rows.forEach((r, i) => {
    if (r.status !== 'ok' || !Number.isFinite(baseline[i])) { if (!Number.isFinite(baseline[i])) assert.ok(Number.isNaN(target[i])); return; }
    assert.ok(Math.abs(target[i] - (mu[i] - baseline[i])) < 1e-9 * Math.abs(mu[i]), `pixel ${i}: ${target[i]} vs ${mu[i] - baseline[i]}`);
    compared++;
  });
  assert.ok(compared > 3900);

  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  const g = summary.gain;
  assert.equal(path.basename(g.baseline.file), 'Module0_VP0-1_TrimBest_Noise_Predict.csv');
  assert.equal(g.baseline.source, 'auto');
  assert.ok(Math.abs(g.n_eh - 5895 / 3.62) < 1e-9);
  assert.ok(Math.abs(g.n_eh_scale_uncertainty - 0.03 / 3.62) < 1e-12);
  // The ASIC K from the aligned curve and the pixel K median sit at the truth's 13.5 e⁻/DAC (5 % spread).
  assert.ok(Math.abs(g.asic.gain - 13.5) < 0.1, `ASIC K ${g.asic.gain}`);
  assert.ok(Math.abs(g.pixels.gain_median - 13.5) < 0.1, `median K ${g.pixels.gain_median}`);
  assert.ok(Math.abs(g.pixels.gain_spread / 13.5 - 0.05) < 0.005, `K spread ${g.pixels.gain_spread}`);

  // σ_aligned² = ⟨σ²⟩ + var(target) of the truth within 5 %.
  const w = truthWidths(scan.dir);
  const a = g.aligned_asic;
  assert.equal(a.grid, 'binned');
  const expected = w.meanSigmaSq + w.varTarget;
  assert.ok(Math.abs(a.sigma_aligned ** 2 / expected - 1) < 0.05, `σ_aligned² ${a.sigma_aligned ** 2} vs truth ${expected}`);
  assert.ok(a.broadening_removed > 0.2 && a.broadening_removed < 1, `removed ${a.broadening_removed}`);
  assert.ok(summary.heterogeneity.conclusions.some((c: string) => /the baseline alignment removes \d+(\.\d+)? % of the ASIC edge broadening/.test(c)));

  // The ASIC good curve, the maps in pixel_maps.f64, the report section.
  assert.ok(summary.fit.asic_good.pixels > 3900 && summary.fit.asic_good.pixels < 64 * 64);
  const maps: string[] = summary.fit.pixel_maps.maps;
  assert.deepEqual(maps.slice(-4), ['target', 'target_err', 'gain', 'gain_err']);
  const all = new Float64Array(new Uint8Array(fs.readFileSync(path.join(dir, 'pixel_maps.f64'))).buffer);
  assert.equal(all.length, maps.length * 4096);
  const gainMap = readOutputMatrix(path.join(dir, 'map_gain.csv')).flat();
  const fromBinary = all.subarray(maps.indexOf('gain') * 4096, (maps.indexOf('gain') + 1) * 4096);
  gainMap.forEach((v, i) => assert.ok(Object.is(v, fromBinary[i]) || Math.abs(v - fromBinary[i]) < 1e-12 * Math.abs(v)));
  const report = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.match(report, /## Gain/);
  assert.match(report, /### Baseline-aligned ASIC curve/);
});

test('whole-DAC baselines without gain spread: exact shifts, σ_aligned² = ⟨σ²⟩ of the truth', async () => {
  const scan = generated('gain-flat', {
    thresholds: range(1320, 1600, 5), nacq: 100, seed: 12, rows: 48, cols: 48, formatVariants: false,
    baseline: { gainSpread: 0, integral: true },
  });
  const [dir] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 2 }, quiet);
  const g = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).gain;
  assert.equal(g.baseline.integral, true);
  assert.equal(g.baseline.width_file, null);
  assert.equal(g.aligned_asic.grid, 'exact');
  assert.equal(g.aligned_asic.binning_variance, 0);
  const w = truthWidths(scan.dir);
  assert.ok(w.varTarget < 1e-20);
  assert.ok(Math.abs(g.aligned_asic.sigma_aligned ** 2 / w.meanSigmaSq - 1) < 0.05, `σ_aligned² ${g.aligned_asic.sigma_aligned ** 2} vs ⟨σ²⟩ ${w.meanSigmaSq}`);
  // Every pixel has the same target: the ASIC K is the truth's up to its error and the tiny fit bias.
  assert.ok(Math.abs(g.asic.gain - 13.5) < 0.02, `ASIC K ${g.asic.gain} ± ${g.asic.gain_error}`);
  assert.ok(g.aligned_asic.broadening_removed > 0.9, `removed ${g.aligned_asic.broadening_removed}`);
});

test('a baseline width file enters the K errors: pulls stay normal although the baseline noise dominates', async () => {
  const scan = generated('gain-width', {
    thresholds: range(1320, 1600, 5), nacq: 20, seed: 16, rows: 32, cols: 32, formatVariants: false, baseline: { width: 1.5 },
  });
  const [dir] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 2 }, quiet);
  const g = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).gain;
  assert.equal(path.basename(g.baseline.width_file), 'Module0_VP0-1_TrimBest_Noise_Width.csv');
  assert.equal(g.baseline.width_source, 'auto');
  const truth = readTruthGain(scan.dir);
  const rows = readPixelFits(dir).rows.filter(r => r.status === 'ok' && Number.isFinite(truth[(r.row as number) * 32 + (r.col as number)].baselineFile));
  const pulls = rows.map(r => ((r.gain as number) - truth[(r.row as number) * 32 + (r.col as number)].k) / (r.gain_err as number));
  const p = meanRms(pulls);
  assert.ok(Math.abs(p.mean) < 0.15 && p.rms > 0.8 && p.rms < 1.25, `K pulls mean ${p.mean} rms ${p.rms}`);
  // target_err² = μ_err² + width²
  for (const r of rows) assert.ok(Math.abs((r.target_err as number) ** 2 - (r.mu_err as number) ** 2 - 2.25) < 1e-9 * (r.target_err as number) ** 2);
});

test('inverted polarity: target = baseline − μ, K positive and at the truth', async () => {
  const scan = generated('gain-pol', {
    thresholds: range(1320, 1600, 5), nacq: 20, seed: 17, rows: 32, cols: 32, polarity: -1, formatVariants: false, baseline: {},
  });
  const [dir] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 2 }, quiet);
  const g = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).gain;
  assert.equal(g.polarity, -1);
  assert.ok(Math.abs(g.pixels.gain_median - 13.5) < 0.2 && Math.abs(g.asic.gain - 13.5) < 0.2, `K ${g.pixels.gain_median}, ASIC ${g.asic.gain}`);
  const truth = readTruthGain(scan.dir);
  const ok = readPixelFits(dir).rows.filter(r => r.status === 'ok' && Number.isFinite(truth[(r.row as number) * 32 + (r.col as number)].baselineFile));
  for (const r of ok) {
    const t = truth[(r.row as number) * 32 + (r.col as number)];
    assert.ok(Math.abs((r.target as number) - (t.baselineFile - (r.mu as number))) < 1e-9 * t.baselineFile);
  }
  const p = meanRms(ok.map(r => ((r.gain as number) - truth[(r.row as number) * 32 + (r.col as number)].k) / (r.gain_err as number)));
  assert.ok(Math.abs(p.mean) < 0.15 && p.rms > 0.8 && p.rms < 1.25, `K pulls mean ${p.mean} rms ${p.rms}`);
});

test('a baseline above every edge gives no K and a warning, not a crash', async () => {
  const scan = generated('gain-above', { thresholds: range(1320, 1600, 20), nacq: 3, seed: 18, rows: 8, cols: 8 });
  const file = path.join(scratchDir('above'), 'electrons.csv');
  fs.writeFileSync(file, Array.from({ length: 8 }, () => new Array(8).fill('18000').join(',')).join('\n') + '\n');
  const [dir] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 0, baseline: file }, quiet);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.gain.pixels.count, 0);
  assert.ok(summary.gain.pixels.not_positive_target > 0);
  assert.ok(summary.gain.asic.target < 0); // one common baseline: the aligned curve is the ASIC curve moved
  assert.equal(summary.gain.asic.gain, null);
  assert.ok(summary.heterogeneity.conclusions.some((c: string) => /edge on the noise side of the baseline/.test(c)));
  assert.ok(readOutputMatrix(path.join(dir, 'map_gain.csv')).flat().every(Number.isNaN));
  // Baselines spread wider than the scan: no aligned point is covered by the central 90 % of them.
  fs.writeFileSync(file, Array.from({ length: 8 }, (_, r) => Array.from({ length: 8 }, (_, c) => 900 + 8 * (8 * r + c)).join(',')).join('\n') + '\n');
  const [wide] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 0, baseline: file, out: path.join(scan.dir, 'wide') }, quiet);
  const g = JSON.parse(fs.readFileSync(path.join(wide, 'summary.json'), 'utf8')).gain;
  assert.equal(g.aligned_asic, null);
  assert.equal(g.asic.gain, null);
});

test('a scan without a baseline has no gain outputs; the pixel table keeps its columns', async () => {
  const scan = generated('gain-none', { thresholds: range(1320, 1600, 20), nacq: 3, seed: 13, rows: 16, cols: 16 });
  const [dir] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 0 }, quiet);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.gain, undefined);
  assert.equal(readPixelFits(dir).names.join(','), PIXEL_FITS_HEADER);
  assert.ok(!fs.existsSync(path.join(dir, 'map_gain.csv')));
  assert.ok(!summary.fit.pixel_maps.maps.includes('gain'));
  assert.ok(summary.fit.asic_good.pixels > 0);
});

test('baseline cells: nan, empty and ≤ 0 mean no baseline; bad files name file, line and column', async () => {
  const dir = scratchDir('baseline-files');
  const write = (name: string, text: string) => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };
  const b = readBaseline(write('b.csv', '1330.5,nan,\n0,-2,1328\n'), { rows: 2, cols: 3 });
  assert.deepEqual(Array.from(b.values).map(v => (Number.isNaN(v) ? 'none' : v)), [1330.5, 'none', 'none', 'none', 'none', 1328]);
  assert.equal(b.pixelsWithBaseline, 2);
  assert.equal(b.integral, false);
  const expectError = (fn: () => unknown, file: string, line: number, column: number, detail: RegExp) => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof MatrixFormatError, String(e));
      assert.equal(path.basename(e.file), file); assert.equal(e.line, line); assert.equal(e.column, column);
      assert.match(e.message, detail);
      return true;
    });
  };
  expectError(() => readBaseline(write('shape.csv', '1,2\n3,4\n'), { rows: 2, cols: 3 }), 'shape.csv', 1, 1, /baseline is 2×2: expected the scan's shape 2×3/);
  expectError(() => readBaseline(write('text.csv', '1,2,3\n4,five,6\n'), { rows: 2, cols: 3 }), 'text.csv', 2, 2, /expected a number \(or nan\), found "five"/);
  expectError(() => readBaseline(path.join(dir, 'missing.csv'), { rows: 2, cols: 3 }), 'missing.csv', 0, 0, /unreadable file/);
  expectError(() => readBaseline(path.join(dir, 'b.csv'), { rows: 2, cols: 3 }, write('w.csv', '1,1,1\n1,-1,1\n')), 'w.csv', 2, 2, /negative baseline width/);

  // Through the analysis: an explicit bad baseline stops that scan with the parser's message.
  const scan = generated('gain-bad', { thresholds: range(1320, 1600, 40), nacq: 2, seed: 14, rows: 8, cols: 8 });
  await assert.rejects(analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 0, baseline: write('small.csv', '1,2\n') }, quiet),
    /small\.csv:1:1: baseline is 1×2: expected the scan's shape 8×8/);
});

test('CLI: an ambiguous baseline is an error listing the candidates; --baseline chooses; a missing file is named', () => {
  const scan = generated('gain-cli', { thresholds: range(1320, 1600, 40), nacq: 2, seed: 15, rows: 8, cols: 8, baseline: {} });
  const own = path.join(scan.dir, scan.truth.gain!.baselineFile);
  fs.copyFileSync(own, path.join(scan.dir, 'Module0_VP0-1_Baseline_warm.csv'));
  const cli = (...a: string[]) => spawnSync(process.execPath, [path.resolve(__dirname, '../../../dist/cli.js'), 'analyse', scan.dir,
    '--workers', '0', ...a], { encoding: 'utf8' });
  const ambiguous = cli();
  assert.equal(ambiguous.status, 1);
  assert.match(ambiguous.stderr, /several baseline files name its ASIC \(Module0_VP0-1_Baseline_warm\.csv, Module0_VP0-1_TrimBest_Noise_Predict\.csv\): choose one with --baseline/);
  const chosen = cli('--baseline', own);
  assert.equal(chosen.status, 0, chosen.stderr);
  assert.match(chosen.stdout, /Baseline: .*TrimBest_Noise_Predict\.csv \(option\)/);
  const missing = cli('--baseline', path.join(scan.dir, 'nowhere.csv'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nowhere\.csv: unreadable file \(ENOENT/);
  assert.equal(cli('--line-ev', '-5').status, 2);
});
