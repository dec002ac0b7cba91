import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { readTruthPixels } from '../../src/engine/generate';
import { DEVIANCE_TOLERANCE, PoissonCurveFitter } from '../../src/engine/poissonFit';
import { fitBounds, fitCurve, PixelFitJob, ScaledAsicCurve } from '../../src/engine/scanFits';
import { makeModel, MODEL_NAMES, N_PARAMS, N_SECOND, SECOND_PAIRS } from '../../src/engine/scurveModel';
import { generated, pullStats as stats, range, readPixelFits } from './helpers';

test('analytic gradients of every model agree with finite differences', () => {
  const theta = Float64Array.from([1450, 11, 0.8, -0.0012, 0.003]);
  for (const name of MODEL_NAMES) for (const pol of [1, -1] as const) {
    const model = makeModel(name, pol);
    const grad = new Float64Array(N_PARAMS);
    for (const t of [1400, 1440, 1450, 1463, 1500]) {
      model.evaluate(t, theta, grad);
      for (let k = 0; k < N_PARAMS; k++) {
        const h = Math.abs(theta[k]) * 1e-6 + 1e-9;
        const up = theta.slice(), dn = theta.slice();
        up[k] += h; dn[k] -= h;
        const numeric = (model.evaluate(t, up) - model.evaluate(t, dn)) / (2 * h);
        assert.ok(Math.abs(numeric - grad[k]) <= 1e-5 * Math.max(1, Math.abs(numeric)), `${name} p=${pol} t=${t} k=${k}: ${grad[k]} vs ${numeric}`);
      }
    }
  }
});

test('analytic second derivatives of every model agree with finite differences of the Jacobian', () => {
  const t = Float64Array.from(range(1320, 1600, 5)), m = t.length;
  const exposure = Float64Array.from(t, (_, j) => 100 + j);
  for (const name of MODEL_NAMES) for (const pol of [1, -1] as const) {
    const model = makeModel(name, pol);
    const theta = Float64Array.from([1447.3, 9.2, 0.9, -pol * 0.0014, 0.002]);
    const nu = new Float64Array(m), jac = new Float64Array(m * N_PARAMS), second = new Float64Array(m * N_SECOND);
    model.evaluateCurve(t, exposure, m, theta, nu, jac, second);
    SECOND_PAIRS.forEach(([a, b], q) => {
      const h = Math.abs(theta[b]) * 1e-6 + 1e-9;
      const up = theta.slice(), dn = theta.slice();
      up[b] += h; dn[b] -= h;
      const jacUp = new Float64Array(m * N_PARAMS), jacDn = new Float64Array(m * N_PARAMS);
      model.evaluateCurve(t, exposure, m, up, new Float64Array(m), jacUp);
      model.evaluateCurve(t, exposure, m, dn, new Float64Array(m), jacDn);
      let scale = 0;
      for (let j = 0; j < m; j++) scale = Math.max(scale, Math.abs(second[j * N_SECOND + q]));
      for (let j = 0; j < m; j++) {
        const numeric = (jacUp[j * N_PARAMS + a] - jacDn[j * N_PARAMS + a]) / (2 * h);
        assert.ok(Math.abs(numeric - second[j * N_SECOND + q]) <= 1e-5 * scale, `${name} p=${pol} t=${t[j]} (${a},${b}): ${second[j * N_SECOND + q]} vs ${numeric}`);
      }
    });
  }
});

test('a pixel fit starts from the ASIC curve scaled to it: the filled ν and Jacobian are the model at that start', () => {
  const t = Float64Array.from(range(1320, 1600, 5)), m = t.length;
  const exposure = Float64Array.from(t, (_, j) => 100 + j);
  for (const name of MODEL_NAMES) {
    const model = makeModel(name, 1);
    const asicTheta = Float64Array.from([1447.3, 9.2, 900, -1.4, 2]);
    const job = { model: name, polarity: 1, thresholds: t, exposure, asicTheta } as unknown as PixelFitJob;
    const scaled = new ScaledAsicCurve(model, job).at(7.5e-4);
    const start = new Float64Array(N_PARAMS);
    scaled.startInto(start);
    const nu = new Float64Array(m), jac = new Float64Array(m * N_PARAMS);
    scaled.fill(nu, jac);
    const nuRef = new Float64Array(m), jacRef = new Float64Array(m * N_PARAMS);
    model.evaluateCurve(t, exposure, m, start, nuRef, jacRef);
    for (const [got, want, what] of [[nu, nuRef, 'ν'], [jac, jacRef, 'Jacobian']] as const) {
      for (let i = 0; i < got.length; i++) {
        assert.ok(Math.abs(got[i] - want[i]) <= 1e-12 * Math.max(Math.abs(want[i]), 1e-300), `${name} ${what}[${i}]: ${got[i]} vs ${want[i]}`);
      }
    }
  }
});

test('noise-free expected counts are fitted back to the exact parameters', () => {
  const t = Float64Array.from(range(1320, 1600, 5));
  const exposure = new Float64Array(t.length).fill(131);
  for (const pol of [1, -1] as const) {
    const model = makeModel('scurve', pol);
    const truth = Float64Array.from([1447.3, 9.2, 0.9, -pol * 0.0014, 0.002]);
    const n = Float64Array.from(t, (x, j) => exposure[j] * model.evaluate(x, truth));
    const fit = fitCurve(new PoissonCurveFitter(t.length), model, t, n, exposure, t.length, pol, fitBounds(t));
    assert.ok(fit.converged);
    for (let k = 0; k < N_PARAMS; k++) assert.ok(Math.abs(fit.theta[k] - truth[k]) < 1e-4 * Math.max(1, Math.abs(truth[k])), `param ${k}: ${fit.theta[k]} vs ${truth[k]}`);
    // the fit stops within its tolerance of the minimum (0 here): an accepted step gaining less, or a predicted gain
    // (EDM) below a fifth of it
    assert.ok(fit.deviance < DEVIANCE_TOLERANCE, `deviance ${fit.deviance}`);
  }
});

for (const polarity of [1, -1] as const) {
  test(`pixel fits on a generated scan (polarity ${polarity}): pulls of μ and σ, statuses, outputs`, async () => {
    const scan = generated(`fit${polarity}`, { thresholds: range(1320, 1600, 5), nacq: 100, seed: 20 + polarity, rows: 32, cols: 32, polarity });
    const [dir] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 2 }, () => undefined);
    const { header, rows } = readPixelFits(path.join(dir, 'pixel_fits.csv'));
    assert.ok(header.startsWith('row,col,status,mu,mu_err,sigma,sigma_err,amplitude,amplitude_err,slope,slope_err,background,background_err,chi2,ndf,flags,sigma_upper'), header);
    assert.equal(rows.length, 32 * 32);
    const truth = readTruthPixels(scan.dir);
    const good = truth.filter(t => t.kind === 'good' && !t.masked);
    const okGood = good.filter(t => rows[t.row * 32 + t.col].status === 'ok');
    assert.ok(okGood.length >= 0.99 * good.length, `${okGood.length}/${good.length} truly good pixels ok`);
    const dead = truth.filter(t => t.kind === 'dead' && !t.masked);
    assert.ok(dead.length > 0);
    assert.ok(dead.filter(t => rows[t.row * 32 + t.col].status !== 'ok').length >= 0.95 * dead.length);
    assert.ok(truth.filter(t => t.masked).every(t => rows[t.row * 32 + t.col].status === 'masked'));
    for (const par of ['mu', 'sigma'] as const) {
      const pulls = okGood.map(t => { const r = rows[t.row * 32 + t.col]; return ((r[par] as number) - t[par]) / (r[`${par}_err`] as number); });
      const s = stats(pulls);
      assert.ok(Math.abs(s.mean) < 0.15, `${par} pull mean ${s.mean}`);
      assert.ok(s.rms > 0.8 && s.rms < 1.25, `${par} pull rms ${s.rms}`);
    }
    const asic = JSON.parse(fs.readFileSync(path.join(dir, 'asic_fit.json'), 'utf8'));
    assert.deepEqual(Object.keys(asic.params), ['mu', 'sigma', 'amplitude', 'slope', 'background']);
    assert.equal(asic.model, 'scurve'); assert.equal(asic.polarity, polarity);
    assert.ok(Number.isFinite(asic.chi2) && asic.ndf > 0);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const h = summary.heterogeneity;
    // The ASIC edge is the pixel edges broadened by threshold dispersion.
    assert.ok(Math.abs(h.asic_width.ratio - 1) < 0.05, `σ_ASIC / √(⟨σ²⟩+var μ) = ${h.asic_width.ratio}`);
    assert.equal(h.mu.significant, true, 'the generator puts a real threshold dispersion in');
    assert.ok(h.illumination.amplitude_smooth_r2 > 0.5, 'amplitude pattern is the point-source illumination');
    assert.ok(h.conclusions.length >= 5);
    const report = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    assert.match(report, /## Conclusions/);
    const binary = fs.readFileSync(path.join(dir, summary.fit.pixel_maps.file));
    const maps = new Float64Array(binary.buffer, binary.byteOffset, binary.length / 8);
    for (const name of ['mu', 'sigma_err', 'status', 'delta_deviance']) {
      const csv = fs.readFileSync(path.join(dir, `map_${name}.csv`), 'utf8').trim().split('\n');
      assert.equal(csv.length, 32, name);
      const k = summary.fit.pixel_maps.maps.indexOf(name);
      const fromBinary = Array.from(maps.subarray(k * 1024, (k + 1) * 1024));
      assert.deepEqual(fromBinary, csv.flatMap(l => l.split(',')).map(v => (v === 'nan' ? NaN : Number(v))), `pixel_maps.f64 ${name} = map_${name}.csv`);
    }
  });
}

test('--no-fit skips the fits; --fit-range restricts the points', async () => {
  const scan = generated('fitopts', { thresholds: range(1320, 1600, 10), nacq: 20, seed: 9, rows: 16, cols: 16 });
  const [noFit] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, fit: false, workers: 0 }, () => undefined);
  assert.ok(!fs.existsSync(path.join(noFit, 'pixel_fits.csv')));
  const [ranged] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, fitRange: [1380, 1520], workers: 0,
    out: path.join(scan.dir, 'ranged') }, () => undefined);
  const summary = JSON.parse(fs.readFileSync(path.join(ranged, 'summary.json'), 'utf8'));
  assert.ok(summary.fit.points.every((t: number) => t >= 1380 && t <= 1520));
  assert.ok(summary.fit.points.length < summary.thresholds.length);
});

test('the other models (seed, seed-sqrt2, kbeta) run through the same pipeline', async () => {
  const scan = generated('models', { thresholds: range(1320, 1600, 10), nacq: 30, seed: 31, rows: 8, cols: 8 });
  for (const model of ['seed', 'seed-sqrt2', 'kbeta'] as const) {
    const [dir] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, model, workers: 0, out: path.join(scan.dir, model) }, () => undefined);
    const asic = JSON.parse(fs.readFileSync(path.join(dir, 'asic_fit.json'), 'utf8'));
    assert.equal(asic.model, model);
    assert.ok(asic.params.mu > 1320 && asic.params.mu < 1600, `${model}: ASIC μ ${asic.params.mu}`);
    const { rows } = readPixelFits(path.join(dir, 'pixel_fits.csv'));
    assert.ok(rows.filter(r => r.status === 'ok' || r.status === 'bad-fit').length > 50, `${model}: pixels fitted`);
  }
});
