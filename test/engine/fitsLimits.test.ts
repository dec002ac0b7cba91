// Fits at the demo's statistics (10 acquisitions per threshold): parameters at bounds, unresolved edges as upper
// limits, robust conclusions — all against the generator's truth.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { readTruthPixels } from '../../src/engine/generate';
import { PoissonCurveFitter } from '../../src/engine/poissonFit';
import { fitBounds, fitCurve } from '../../src/engine/scanFits';
import { BACKGROUND, makeModel, N_PARAMS } from '../../src/engine/scurveModel';
import { generated, pullStats, range, readPixelFits } from './helpers';

test('a parameter at its bound is a result: finite errors, flagged, one-sided error for the bound one', () => {
  const t = Float64Array.from(range(1320, 1600, 5));
  const exposure = new Float64Array(t.length).fill(13.1);
  const model = makeModel('scurve', 1);
  // no background at all and a few counts per point: the background ends at its bound 0
  const truth = Float64Array.from([1450, 9, 0.8, -0.0012, 0]);
  const n = Float64Array.from(t, (x, j) => Math.round(exposure[j] * model.evaluate(x, truth)));
  const fit = fitCurve(new PoissonCurveFitter(t.length), model, t, n, exposure, t.length, 1, fitBounds(t));
  assert.ok(fit.converged);
  assert.equal(fit.theta[BACKGROUND], 0);
  assert.ok(fit.atLimit & (1 << BACKGROUND), 'background flagged at its limit');
  for (let k = 0; k < N_PARAMS; k++) assert.ok(Number.isFinite(fit.errors[k]) && fit.errors[k] > 0, `error ${k}: ${fit.errors[k]}`);
});

test('10 acquisitions per threshold: good pixels ok, pulls, σ upper limits, no nan errors, flags and maps', async t0 => {
  // 128×128: ~3,000 flagged pixels, so the coverage is known to ±0.006 (at 64×64, ~750 of them, ±0.011 spans 0.90)
  const size = 128;
  const scan = generated('lowstat', { thresholds: range(1320, 1600, 5), nacq: 10, seed: 1, rows: size, cols: size, formatVariants: false });
  const [dir] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 2 }, () => undefined);
  const { header, rows } = readPixelFits(path.join(dir, 'pixel_fits.csv'));
  assert.ok(header.startsWith('row,col,status,mu,mu_err,sigma,sigma_err,amplitude,amplitude_err,slope,slope_err,' +
    'background,background_err,chi2,ndf,flags,sigma_upper'), header);
  const truth = readTruthPixels(scan.dir);
  const good = truth.filter(t => t.kind === 'good' && !t.masked);
  const at = (t: { row: number; col: number }) => rows[t.row * size + t.col];
  const okGood = good.filter(t => at(t).status === 'ok');
  assert.ok(okGood.length >= 0.99 * good.length, `${okGood.length}/${good.length} truly good pixels ok`);

  const converged = rows.filter(r => r.status === 'ok' || r.status === 'bad-fit');
  const withNan = converged.filter(r => ['mu_err', 'sigma_err', 'amplitude_err', 'slope_err', 'background_err'].some(c => !Number.isFinite(r[c] as number)));
  assert.equal(withNan.length, 0, 'no converged fit has a nan error');
  assert.ok(converged.some(r => r.flags.includes('background-at-limit')), 'backgrounds at their bound are flagged, not failed');

  const limited = okGood.filter(t => at(t).flags.split(';').includes('sigma-upper-limit'));
  const resolved = okGood.filter(t => !at(t).flags.split(';').includes('sigma-upper-limit'));
  assert.ok(limited.length > 0, 'some edges are unresolved at 10 acquisitions');
  const mu = pullStats(okGood.map(t => ((at(t).mu as number) - t.mu) / (at(t).mu_err as number)));
  assert.ok(Math.abs(mu.mean) < 0.15 && mu.rms > 0.8 && mu.rms < 1.25, `μ pulls mean ${mu.mean} rms ${mu.rms}`);
  const sigma = pullStats(resolved.map(t => ((at(t).sigma as number) - t.sigma) / (at(t).sigma_err as number)));
  assert.ok(Math.abs(sigma.mean) < 0.15 && sigma.rms > 0.8 && sigma.rms < 1.25, `σ pulls mean ${sigma.mean} rms ${sigma.rms}`);
  // The target: the true σ below sigma_upper in ≥ 90 % of the flagged pixels. Measured 0.909–0.913 at
  // 10 acquisitions (seeds 1–3 at 128×128, README Physics); the plain 2.71 profile limit covers only ~55 % of them.
  const covered = limited.filter(t => t.sigma < (at(t).sigma_upper as number)).length / limited.length;
  const coverageError = Math.sqrt(0.9 * 0.1 / limited.length);
  assert.ok(limited.length >= 1000, `${limited.length} flagged pixels: too few to measure a coverage against 0.90`);
  assert.ok(covered >= 0.9, `true σ below sigma_upper in ${covered} of ${limited.length} flagged pixels`);
  t0.diagnostic(`ok ${okGood.length}/${good.length}; μ pulls ${mu.mean.toFixed(3)}/${mu.rms.toFixed(3)}; σ pulls ${sigma.mean.toFixed(3)}/${sigma.rms.toFixed(3)}; ` +
    `${limited.length} upper limits, coverage ${covered.toFixed(3)} ± ${coverageError.toFixed(3)}`);
  assert.ok(resolved.every(t => Number.isNaN(at(t).sigma_upper as number)), 'sigma_upper only where σ is a limit');

  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  const h = summary.heterogeneity;
  const okRows = rows.filter(r => r.status === 'ok'), okLimited = okRows.filter(r => r.flags.includes('sigma-upper-limit'));
  assert.equal(h.sigma.n, okRows.length - okLimited.length, 'σ statistics leave the limits out');
  assert.equal(h.sigma.upper_limits, okLimited.length);
  assert.ok(Math.abs(h.sigma.median - scan.truth.params.sigma0) < 1, `median σ ${h.sigma.median} vs ${scan.truth.params.sigma0}`);
  assert.ok(h.conclusions.some((c: string) => /robust spread/.test(c) && /σ/.test(c)), 'σ conclusion is robust');
  assert.ok(!h.conclusions.some((c: string) => /⟨σ⟩ = .*rms/.test(c)), 'no plain mean ± rms of σ');
  const maps = summary.fit.pixel_maps.maps as string[];
  assert.ok(maps.includes('sigma_upper') && maps.includes('flags'));
  const binary = fs.readFileSync(path.join(dir, summary.fit.pixel_maps.file));
  const all = new Float64Array(binary.buffer, binary.byteOffset, binary.length / 8);
  const upper = all.subarray(maps.indexOf('sigma_upper') * size * size, (maps.indexOf('sigma_upper') + 1) * size * size);
  const flags = all.subarray(maps.indexOf('flags') * size * size, (maps.indexOf('flags') + 1) * size * size);
  for (let p = 0; p < size * size; p++) {
    assert.ok(Object.is(upper[p], rows[p].sigma_upper) || upper[p] === rows[p].sigma_upper, `sigma_upper map at ${p}`);
    assert.equal((flags[p] & 32) !== 0, rows[p].flags.includes('sigma-upper-limit'), `flags map at ${p}`);
  }
  const report = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.match(report, /## Fit flags/);
  assert.match(report, /\| sigma-upper-limit \| \d+ \|/);
});
