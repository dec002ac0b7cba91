// The post-fit work made cheaper against its straightforward forms, bit for bit: the heterogeneity analysis (one
// pass for the columns, parity rms without medians, typed-array linear fits, the symmetric illumination surface) and
// the counts transposed once, pixel-major, for pixel_counts.f32 and results.h5.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyseHeterogeneity, solveDense } from '../../src/engine/heterogeneity';
import { float32Bytes, pixelMajorCounts } from '../../src/engine/report/pixelCounts';
import {
  PixelStatus, R_DEVIANCE, R_ERROR, R_FLAGS, R_NDF, R_SHAPE_DEVIANCE, R_STATUS, R_THETA, RESULT_FIELDS, ScanFitResult,
  SIGMA_UPPER_LIMIT_FLAG, STATUS_NAMES,
} from '../../src/engine/scanFits';
import { AMPLITUDE, MU, SIGMA } from '../../src/engine/scurveModel';
import { describe as describeValues } from '../../src/engine/statistics';
import { Random } from '../../src/engine/random';

/** Random fit results of a rows×cols matrix: every status, σ upper limits, some NaN values and errors. */
function randomFits(rows: number, cols: number, seed: number): ScanFitResult {
  const random = new Random(seed), n = rows * cols;
  const r = new Float64Array(n * RESULT_FIELDS);
  for (let p = 0; p < n; p++) {
    const o = p * RESULT_FIELDS, u = random.uniform();
    r[o + R_STATUS] = u < 0.8 ? PixelStatus.Ok : Math.floor(random.uniform() * STATUS_NAMES.length);
    r[o + R_THETA + MU] = random.uniform() < 0.01 ? NaN : 1440 + 7 * random.gaussian() + 0.01 * (p % cols);
    r[o + R_ERROR + MU] = random.uniform() < 0.01 ? NaN : Math.abs(0.5 + 0.2 * random.gaussian());
    r[o + R_THETA + SIGMA] = 4 + random.gaussian();
    r[o + R_ERROR + SIGMA] = Math.abs(0.3 + 0.1 * random.gaussian());
    r[o + R_THETA + AMPLITUDE] = 1000 * (1 - ((p / cols) / rows - 0.4) ** 2) + 10 * random.gaussian();
    r[o + R_ERROR + AMPLITUDE] = 10 + random.uniform();
    r[o + R_DEVIANCE] = 40 + 10 * random.gaussian();
    r[o + R_SHAPE_DEVIANCE] = random.uniform() < 0.02 ? NaN : r[o + R_DEVIANCE] + 20 * random.uniform() ** 4;
    r[o + R_NDF] = 45;
    r[o + R_FLAGS] = random.uniform() < 0.1 ? SIGMA_UPPER_LIMIT_FLAG : 0;
  }
  const theta = Float64Array.of(1440, 8, 6e7, 0, 0), errors = Float64Array.of(0.01, 0.01, 1e4, 0, 0);
  return {
    points: { thresholds: Float64Array.from({ length: 50 }, (_, i) => 1320 + 5 * i) },
    asic: { fit: { theta, errors } }, results: r, shape: { rows, cols }, profileSeconds: 0,
  } as unknown as ScanFitResult;
}

/** The straightforward forms: each quantity from its own column copy, number[] arrays, full AᵀA. */
function reference(fits: ScanFitResult) {
  const { rows, cols } = fits.shape, n = rows * cols, r = fits.results;
  const field = (p: number, f: number) => r[p * RESULT_FIELDS + f];
  const ok = (p: number) => field(p, R_STATUS) === PixelStatus.Ok;
  const mu = Array.from({ length: n }, (_, p) => (ok(p) ? field(p, R_THETA + MU) : NaN));
  const amp = Array.from({ length: n }, (_, p) => (ok(p) ? field(p, R_THETA + AMPLITUDE) : NaN));
  const finite = (v: number[]) => v.filter(Number.isFinite);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const groupMeans = (size: number, key: (row: number, col: number) => number) => Array.from({ length: size }, (_, g) => {
    const v = finite(mu.filter((_, p) => key(Math.floor(p / cols), p % cols) === g));
    return v.length ? mean(v) : NaN;
  });
  const parityRms = (parity: number) => {
    const v = finite(mu.filter((_, p) => (p % cols) % 2 === parity)), m = mean(v);
    return { n: v.length, rms: Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(v.length - 1, 1)) };
  };
  const linear = (x: number[], y: number[]) => {
    const mx = mean(x), my = mean(y);
    let sxx = 0, sxy = 0;
    for (let i = 0; i < x.length; i++) { sxx += (x[i] - mx) ** 2; sxy += (x[i] - mx) * (y[i] - my); }
    const slope = sxy / sxx, intercept = my - slope * mx;
    let ss = 0;
    for (let i = 0; i < x.length; i++) ss += (y[i] - intercept - slope * x[i]) ** 2;
    return { slope, slopeError: Math.sqrt(ss / Math.max(x.length - 2, 1) / sxx) };
  };
  const okIdx = mu.map((v, p) => (Number.isFinite(v) ? p : -1)).filter(p => p >= 0);
  // the illumination surface's normal equations, every element of AᵀA summed on its own
  const basis = (row: number, col: number) => { const x = col / cols - 0.5, y = row / rows - 0.5; return [1, x, y, x * x, y * y, x * y]; };
  const ata = Array.from({ length: 36 }, () => 0), atb = Array.from({ length: 6 }, () => 0), ys: number[] = [];
  amp.forEach((a, p) => {
    if (!Number.isFinite(a)) return;
    const b = basis(Math.floor(p / cols), p % cols);
    for (let i = 0; i < 6; i++) { atb[i] += b[i] * a; for (let j = 0; j < 6; j++) ata[i * 6 + j] += b[i] * b[j]; }
    ys.push(a);
  });
  const deltas: number[] = [];
  for (let p = 0; p < n; p++) {
    const s = field(p, R_STATUS);
    const d = field(p, R_SHAPE_DEVIANCE) - field(p, R_DEVIANCE);
    if ((s === PixelStatus.Ok || s === PixelStatus.BadFit) && Number.isFinite(d)) deltas.push(d);
  }
  return {
    statusCounts: STATUS_NAMES.map((_, code) => Array.from({ length: n }, (__, p) => field(p, R_STATUS)).filter(s => s === code).length),
    mu: describeValues(mu),
    upperLimits: Array.from({ length: n }, (_, p) => p).filter(p => ok(p) && field(p, R_FLAGS) & SIGMA_UPPER_LIMIT_FLAG).length,
    byColumn: groupMeans(cols, (_, c) => c), byRow: groupMeans(rows, row => row), byRowMod16: groupMeans(16, row => row % 16),
    evenOddError: Math.sqrt([0, 1].map(parityRms).reduce((s, d) => s + (d.n ? d.rms ** 2 / d.n : 0), 0)),
    gradientColumn: linear(okIdx.map(p => p % cols), okIdx.map(p => mu[p])),
    gradientRow: linear(okIdx.map(p => Math.floor(p / cols)), okIdx.map(p => mu[p])),
    ata, atb, ampMean: mean(ys),
    medianDelta: [...deltas].sort((a, b) => a - b)[Math.floor(deltas.length / 2)],
  };
}

test('the heterogeneity analysis equals its straightforward forms bit for bit (random fits, odd and even sizes)', () => {
  for (const [rows, cols, seed] of [[37, 20, 1], [16, 33, 2], [64, 64, 3]]) {
    const fits = randomFits(rows, cols, seed);
    const h = analyseHeterogeneity(fits), ref = reference(fits);
    assert.deepEqual(Object.values(h.status_counts), ref.statusCounts);
    assert.deepEqual({ ...h.mu, median_fit_error: 0, intrinsic_rms: 0, chi2_ndf: 0, significant: false },
      { ...ref.mu, median_fit_error: 0, intrinsic_rms: 0, chi2_ndf: 0, significant: false });
    assert.equal(h.sigma.upper_limits, ref.upperLimits);
    assert.deepEqual(h.spatial.mu_by_column, ref.byColumn);
    assert.deepEqual(h.spatial.mu_by_row, ref.byRow);
    assert.deepEqual(h.spatial.mu_by_row_mod16, ref.byRowMod16);
    assert.equal(h.spatial.even_odd_column_difference_error, ref.evenOddError);
    assert.equal(h.spatial.gradient_per_column, ref.gradientColumn.slope);
    assert.equal(h.spatial.gradient_per_column_error, ref.gradientColumn.slopeError);
    assert.equal(h.spatial.gradient_per_row, ref.gradientRow.slope);
    assert.equal(h.spatial.gradient_per_row_error, ref.gradientRow.slopeError);
    assert.equal(h.asic_shape_refit.median_delta_deviance, ref.medianDelta);
    // the illumination surface from the reference's normal equations, solved by the analysis's solver
    const solved = solveDense(Float64Array.from(ref.ata), Float64Array.from(ref.atb), 6)!;
    const { rows: R, cols: C } = fits.shape;
    let ssRes = 0, ssTot = 0;
    for (let p = 0; p < R * C; p++) {
      const a = fits.results[p * RESULT_FIELDS + R_STATUS] === PixelStatus.Ok ? fits.results[p * RESULT_FIELDS + R_THETA + AMPLITUDE] : NaN;
      if (!Number.isFinite(a)) continue;
      const x = (p % C) / C - 0.5, y = Math.floor(p / C) / R - 0.5, b = [1, x, y, x * x, y * y, x * y];
      let model = 0;
      for (let i = 0; i < 6; i++) model += b[i] * solved[i];
      ssRes += (a - model) ** 2; ssTot += (a - ref.ampMean) ** 2;
    }
    assert.equal(h.illumination.amplitude_smooth_r2, 1 - ssRes / ssTot);
  }
});

test('counts transposed pixel-major once: uint32 for counts, float64 otherwise, float32 bytes as the straightforward transposition', () => {
  const random = new Random(5);
  for (const [pixels, thresholds, odd] of [[1000, 3, undefined], [1537, 7, 2.5], [600, 4, -1], [513, 2, 2 ** 32]] as const) {
    const counts = Array.from({ length: thresholds }, () => Float64Array.from({ length: pixels }, () => Math.floor(random.uniform() * 5000)));
    if (odd !== undefined) counts[thresholds - 1][pixels - 1] = odd; // one value a uint32 cannot hold: all float64
    const got = pixelMajorCounts(counts, pixels);
    assert.ok(got.buffer instanceof SharedArrayBuffer);
    assert.equal(got instanceof Uint32Array, odd === undefined);
    const f32 = new Float32Array(pixels * thresholds), f64 = new Float64Array(pixels * thresholds);
    for (let j = 0; j < thresholds; j++) for (let p = 0; p < pixels; p++) f32[p * thresholds + j] = f64[p * thresholds + j] = counts[j][p];
    assert.deepEqual(Array.from(got), Array.from(f64));
    assert.deepEqual(Buffer.from(float32Bytes(got)), Buffer.from(f32.buffer));
  }
});
