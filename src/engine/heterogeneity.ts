// How different are the pixels, how significant is it, and why: threshold dispersion vs fit errors,
// the ASIC edge broadened by dispersion, pixels vs the ASIC shape, spatial patterns, illumination.
import { formatNumber, formatWithError } from '../contract/format';
import {
  PixelStatus, R_DEVIANCE, R_ERROR, R_FLAGS, R_NDF, R_SHAPE_DEVIANCE, R_STATUS, R_THETA, RESULT_FIELDS, ScanFitResult,
  SIGMA_UPPER_LIMIT_FLAG, STATUS_NAMES,
} from './scanFits';
import { AMPLITUDE, MU, SIGMA } from './scurveModel';
import { chi2Survival, chi2SurvivalBelow, describe, Distribution, linearFit, meanAndRms, OUTLIER_SPREADS } from './statistics';
import { finiteMedian } from '../contract/quantities';

/** Significance level for calling a pixel inconsistent with the ASIC curve. */
export const INCONSISTENT_P_VALUE = 0.001;

export interface Heterogeneity {
  status_counts: Record<string, number>;
  ok_pixels: number;
  mu: Distribution & { median_fit_error: number; intrinsic_rms: number; chi2_ndf: number; significant: boolean };
  /** Over ok pixels whose edge is resolved: an upper limit is not a measurement of σ. */
  sigma: Distribution & { median_fit_error: number; upper_limits: number };
  amplitude: Distribution & { median_fit_error: number };
  asic_width: { sigma_asic: number; sigma_asic_error: number; quadrature_sum: number; mean_sigma_squared: number; var_mu: number; ratio: number };
  asic_shape_refit: { pixels: number; inconsistent: number; fraction_inconsistent: number; median_delta_deviance: number; delta_ndf: number };
  spatial: {
    mu_by_column: number[]; mu_by_row: number[]; mu_by_row_mod16: number[]; mu_by_superpixel_position: number[][];
    even_odd_column_difference: number; even_odd_column_difference_error: number;
    double_column_rms: number; double_column_rms_expected: number;
    gradient_per_column: number; gradient_per_column_error: number; gradient_per_row: number; gradient_per_row_error: number;
  };
  illumination: { amplitude_smooth_r2: number; amplitude_residual_rms: number; amplitude_median_error: number; peak_row: number; peak_col: number };
  conclusions: string[];
}

/** The pixels' status codes and how many have each, and the μ, σ and amplitude values and errors of the ok pixels,
 *  NaN elsewhere (σ only where the edge is resolved: an upper limit is not a measurement), in one pass. */
function pixelColumns(results: Float64Array, n: number) {
  const status = new Float64Array(n), counts = STATUS_NAMES.map(() => 0);
  const column = () => new Float64Array(n).fill(NaN);
  const mu = column(), muErr = column(), sigma = column(), sigmaErr = column(), amp = column(), ampErr = column();
  let upperLimits = 0;
  for (let p = 0; p < n; p++) {
    const o = p * RESULT_FIELDS, code = status[p] = results[o + R_STATUS];
    if (Number.isInteger(code) && code >= 0 && code < counts.length) counts[code]++;
    if (code !== PixelStatus.Ok) continue;
    mu[p] = results[o + R_THETA + MU]; muErr[p] = results[o + R_ERROR + MU];
    amp[p] = results[o + R_THETA + AMPLITUDE]; ampErr[p] = results[o + R_ERROR + AMPLITUDE];
    if (results[o + R_FLAGS] & SIGMA_UPPER_LIMIT_FLAG) { upperLimits++; continue; }
    sigma[p] = results[o + R_THETA + SIGMA]; sigmaErr[p] = results[o + R_ERROR + SIGMA];
  }
  return { status, counts, mu, muErr, sigma, sigmaErr, amp, ampErr, upperLimits };
}

const squares = (values: Float64Array) => values.map(e => e * e);

/** The finite values of the even (`parity` 0) or odd columns of a rows×cols map, in pixel order. */
function finiteOfParity(values: Float64Array, cols: number, parity: number): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let p = 0, c = 0; p < values.length; p++, c = c + 1 === cols ? 0 : c + 1) {
    if (c % 2 === parity && Number.isFinite(values[p])) out[n++] = values[p];
  }
  return out.subarray(0, n);
}

/** Means of the finite `values` of a rows×cols map by column, row, row mod 16, super-pixel position (row mod 4,
 *  column parity), column parity and double column, in one pass (NaN for empty groups). */
function spatialMeans(values: Float64Array, rows: number, cols: number) {
  const groups = (size: number) => ({ sum: new Float64Array(size), count: new Float64Array(size) });
  const column = groups(cols), row = groups(rows), rowMod16 = groups(16), superPixel = groups(8), parity = groups(2);
  const doubleColumn = groups(Math.ceil(cols / 2));
  const add = (g: { sum: Float64Array; count: Float64Array }, key: number, v: number) => { g.sum[key] += v; g.count[key]++; };
  for (let r = 0, p = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, p++) {
      const v = values[p];
      if (!Number.isFinite(v)) continue;
      add(column, c, v); add(row, r, v); add(rowMod16, r % 16, v); add(superPixel, (r % 4) * 2 + c % 2, v);
      add(parity, c % 2, v); add(doubleColumn, c >> 1, v);
    }
  }
  const means = (g: { sum: Float64Array; count: Float64Array }) => Array.from(g.sum, (x, k) => (g.count[k] ? x / g.count[k] : NaN));
  return {
    column: means(column), row: means(row), rowMod16: means(rowMod16), superPixel: means(superPixel), parity: means(parity),
    doubleColumn: means(doubleColumn),
  };
}

export function analyseHeterogeneity(fits: ScanFitResult): Heterogeneity {
  const { rows, cols } = fits.shape;
  const n = rows * cols, r = fits.results;
  const { status, counts, mu, muErr, sigma, sigmaErr, amp, ampErr, upperLimits } = pixelColumns(r, n);
  const status_counts: Record<string, number> = Object.fromEntries(STATUS_NAMES.map((name, code) => [name, counts[code]]));
  const muD = describe(mu), sigmaD = describe(sigma), ampD = describe(amp);
  const medianMuErr = finiteMedian(muErr); // median: a few ill-constrained fits must not dominate
  let chi2 = 0, nChi = 0;
  for (let p = 0; p < n; p++) if (Number.isFinite(mu[p]) && muErr[p] > 0) { chi2 += ((mu[p] - muD.median) / muErr[p]) ** 2; nChi++; }
  const muChi2Ndf = chi2 / Math.max(nChi - 1, 1);
  // Robust forms throughout: at low counts a few ill-constrained pixels (huge μ errors, far-off μ) would
  // otherwise dominate both the spread and the typical error.
  const medianSqErr = finiteMedian(squares(muErr));
  const intrinsic = Math.sqrt(Math.max(muD.robustRms ** 2 - medianSqErr, 0));
  const muSignificant = nChi > 1 && chi2Survival(chi2, nChi - 1) < INCONSISTENT_P_VALUE;

  // The ASIC edge is the pixel edges convolved with the μ distribution: σ_ASIC² ≈ ⟨σ²⟩ + var(μ).
  const asic = fits.asic.fit;
  // Both sides without the measurement noise: the ASIC edge sees the true spread of μ and σ, not the fit errors.
  const sigmaIntrinsicSq = Math.max(sigmaD.robustRms ** 2 - finiteMedian(squares(sigmaErr)), 0);
  const meanSigmaSq = sigmaD.median ** 2 + sigmaIntrinsicSq;
  const quadrature = Math.sqrt(meanSigmaSq + intrinsic ** 2);

  // Pixels refitted with the ASIC shape (only the scale free) against their own fit.
  let deltaNdf = NaN, nDeltas = 0;
  const deltas = new Float64Array(n);
  let inconsistent = 0;
  const inconsistentWithAsic = chi2SurvivalBelow(INCONSISTENT_P_VALUE);
  for (let p = 0; p < n; p++) {
    if (status[p] !== PixelStatus.Ok && status[p] !== PixelStatus.BadFit) continue;
    const d = r[p * RESULT_FIELDS + R_SHAPE_DEVIANCE] - r[p * RESULT_FIELDS + R_DEVIANCE];
    if (!Number.isFinite(d)) continue;
    // own fit has ndf = m − k, the ASIC-shape fit m − 1: the likelihood ratio has k − 1 degrees of freedom
    const dn = Math.max(1, fits.points.thresholds.length - 1 - r[p * RESULT_FIELDS + R_NDF]);
    deltaNdf = dn;
    deltas[nDeltas++] = d;
    if (inconsistentWithAsic(Math.max(d, 0), dn)) inconsistent++;
  }
  const sortedDeltas = deltas.subarray(0, nDeltas).sort();

  // Spatial structure of μ.
  const means = spatialMeans(mu, rows, cols);
  const { column: colMeans, row: rowMeans, rowMod16, superPixel, parity: evenOdd } = means;
  const perParity = [0, 1].map(par => meanAndRms(finiteOfParity(mu, cols, par)));
  const evenOddErr = Math.sqrt(perParity.reduce((s, d) => s + (d.n ? d.rms ** 2 / d.n : 0), 0));
  const dcMeans = means.doubleColumn.filter(Number.isFinite);
  const dcRms = describe(dcMeans).robustRms;
  const dcExpected = muD.robustRms / Math.sqrt(muD.n / Math.max(dcMeans.length, 1));
  // μ against column and row over the pixels with a μ
  const okMu = new Float64Array(n), okCol = new Float64Array(n), okRow = new Float64Array(n);
  let nOk = 0;
  for (let p = 0; p < n; p++) if (Number.isFinite(mu[p])) { okMu[nOk] = mu[p]; okCol[nOk] = p % cols; okRow[nOk++] = Math.floor(p / cols); }
  const y = okMu.subarray(0, nOk);
  const gCol = nOk > 2 ? linearFit(okCol.subarray(0, nOk), y) : { slope: NaN, slopeError: NaN };
  const gRow = nOk > 2 ? linearFit(okRow.subarray(0, nOk), y) : { slope: NaN, slopeError: NaN };

  const ampErrMedian = finiteMedian(ampErr);
  const illumination = illuminationPattern(amp, ampErrMedian, rows, cols);

  const h: Heterogeneity = {
    status_counts, ok_pixels: status_counts.ok,
    mu: { ...muD, median_fit_error: medianMuErr, intrinsic_rms: intrinsic, chi2_ndf: muChi2Ndf, significant: muSignificant },
    sigma: { ...sigmaD, median_fit_error: finiteMedian(sigmaErr), upper_limits: upperLimits },
    amplitude: { ...ampD, median_fit_error: ampErrMedian },
    asic_width: {
      sigma_asic: asic.theta[SIGMA], sigma_asic_error: asic.errors[SIGMA], quadrature_sum: quadrature,
      mean_sigma_squared: meanSigmaSq, var_mu: intrinsic ** 2, ratio: asic.theta[SIGMA] / quadrature,
    },
    asic_shape_refit: {
      pixels: nDeltas, inconsistent, fraction_inconsistent: nDeltas ? inconsistent / nDeltas : NaN,
      median_delta_deviance: nDeltas ? sortedDeltas[Math.floor(nDeltas / 2)] : NaN, delta_ndf: deltaNdf,
    },
    spatial: {
      mu_by_column: colMeans, mu_by_row: rowMeans, mu_by_row_mod16: rowMod16,
      mu_by_superpixel_position: [0, 1, 2, 3].map(rr => [superPixel[rr * 2], superPixel[rr * 2 + 1]]),
      even_odd_column_difference: evenOdd[0] - evenOdd[1], even_odd_column_difference_error: evenOddErr,
      double_column_rms: dcRms, double_column_rms_expected: dcExpected,
      gradient_per_column: gCol.slope, gradient_per_column_error: gCol.slopeError,
      gradient_per_row: gRow.slope, gradient_per_row_error: gRow.slopeError,
    },
    illumination,
    conclusions: [],
  };
  h.conclusions = conclusions(h);
  return h;
}

/** Fits A(r, c) with a smooth quadratic surface: a point source makes A vary smoothly without any pixel defect. */
function illuminationPattern(amp: Float64Array, ampErrMedian: number, rows: number, cols: number) {
  const k = 6, b = new Float64Array(k);
  /** The surface's basis functions at (r, c), into b. */
  const basis = (r: number, c: number) => {
    const x = c / cols - 0.5, y = r / rows - 0.5;
    b[0] = 1; b[1] = x; b[2] = y; b[3] = x * x; b[4] = y * y; b[5] = x * y;
  };
  // AᵀA is symmetric: its upper triangle is summed (b[i]·b[j] is b[j]·b[i] exactly) and mirrored
  const ata = new Float64Array(k * k), atb = new Float64Array(k);
  let used = 0, sum = 0;
  for (let r = 0, p = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, p++) {
      const a = amp[p];
      if (!Number.isFinite(a)) continue;
      basis(r, c);
      for (let i = 0; i < k; i++) { atb[i] += b[i] * a; for (let j = i; j < k; j++) ata[i * k + j] += b[i] * b[j]; }
      used++; sum += a;
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) ata[i * k + j] = ata[j * k + i];
  const coef = solveDense(ata, atb, k);
  const mean = used ? sum / used : NaN;
  let ssRes = 0, ssTot = 0, peak = -Infinity, peakRow = NaN, peakCol = NaN;
  for (let rr = 0, p = 0; rr < rows; rr++) {
    for (let cc = 0; cc < cols; cc++, p++) {
      let model = mean;
      if (coef) {
        basis(rr, cc);
        model = 0;
        for (let i = 0; i < k; i++) model += b[i] * coef[i];
      }
      if (model > peak) { peak = model; peakRow = rr; peakCol = cc; }
      if (!Number.isFinite(amp[p])) continue;
      ssRes += (amp[p] - model) ** 2; ssTot += (amp[p] - mean) ** 2;
    }
  }
  return {
    amplitude_smooth_r2: ssTot > 0 ? 1 - ssRes / ssTot : NaN,
    amplitude_residual_rms: Math.sqrt(ssRes / Math.max(used - k, 1)),
    amplitude_median_error: ampErrMedian,
    peak_row: peakRow, peak_col: peakCol,
  };
}

/** x with a·x = b (n×n, row-major) by Gauss–Jordan with partial pivoting; undefined when singular. */
export function solveDense(a: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const m = Float64Array.from(a), x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[piv * n + c])) piv = r;
    if (Math.abs(m[piv * n + c]) < 1e-300) return undefined;
    for (let j = 0; j < n; j++) [m[c * n + j], m[piv * n + j]] = [m[piv * n + j], m[c * n + j]];
    [x[c], x[piv]] = [x[piv], x[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c] / m[c * n + c];
      for (let j = c; j < n; j++) m[r * n + j] -= f * m[c * n + j];
      x[r] -= f * x[c];
    }
  }
  for (let i = 0; i < n; i++) x[i] /= m[i * n + i];
  return x;
}

/** A number shown to people: rounded to its error when there is one (the shared display rule). */
const fmt = (v: number, error?: number) => formatWithError(v, error);
const pct = (v: number) => formatNumber(100 * v, 3);

/** "17 pixels with σ > 50 DAC" for a distribution's outliers, or undefined when there are none. */
export function outlierText(d: Distribution, symbol: string, unit: string): string | undefined {
  const o = d.outliers, parts: string[] = [];
  const u = unit ? ` ${unit}` : '';
  if (o.above) parts.push(`${o.above} pixel${o.above === 1 ? '' : 's'} with ${symbol} > ${formatNumber(o.high_cut, 3)}${u}`);
  if (o.below) parts.push(`${o.below} pixel${o.below === 1 ? '' : 's'} with ${symbol} < ${formatNumber(o.low_cut, 3)}${u}`);
  return parts.length ? parts.join(' and ') : undefined;
}

/** Statistical errors of a distribution's median and MAD-based spread (Gaussian core: 1.253 s/√n and 1.166 s/√n). */
export function medianError(d: Distribution): number { return 1.2533 * d.robustRms / Math.sqrt(Math.max(d.n, 1)); }
export function spreadError(d: Distribution): number { return 1.166 * d.robustRms / Math.sqrt(Math.max(d.n, 1)); }

/** "median 1445.09 ± 0.03 DAC, robust spread 7.05 ± 0.03 DAC (1.4826 × MAD); outliers …: 3 pixels with μ > 1480 DAC" */
function robustText(d: Distribution, symbol: string, unit: string): string {
  const outliers = outlierText(d, symbol, unit);
  return `median ${fmt(d.median, medianError(d))} ${unit}, robust spread ${fmt(d.robustRms, spreadError(d))} ${unit} (1.4826 × MAD)` +
    (outliers ? `; outliers beyond ${OUTLIER_SPREADS} spreads: ${outliers}` : '; no outliers');
}

function conclusions(h: Heterogeneity): string[] {
  const out: string[] = [];
  const total = Object.values(h.status_counts).reduce((s, v) => s + v, 0);
  out.push(`${h.ok_pixels} of ${total} pixels have a good S-curve fit (${Object.entries(h.status_counts)
    .filter(([k, v]) => k !== 'ok' && v > 0).map(([k, v]) => `${v} ${k}`).join(', ') || 'no others'}).`);
  if (h.ok_pixels === 0) {
    // an all-masked or all-dead matrix: every number below would be n/a, and no statement about it holds
    out.push('Nothing to conclude about thresholds, edge widths, spatial patterns or illumination: no pixel has a good fit' +
      (h.status_counts.masked === total ? ' (every pixel is masked).' : h.status_counts.dead === total ? ' (every pixel is dead: no counts).' : '.'));
    return out;
  }
  const m = h.mu;
  const muErr = spreadError(m);
  out.push(m.significant
    ? `Threshold dispersion is significant: robust rms(μ) = ${fmt(m.robustRms, muErr)} DAC against a median fit error of ${fmt(m.median_fit_error)} DAC ` +
      `(χ²/ndf = ${formatNumber(m.chi2_ndf, 3)}); the intrinsic pixel-to-pixel spread is ${fmt(m.intrinsic_rms, muErr)} DAC.`
    : `Threshold dispersion is not significant: robust rms(μ) = ${fmt(m.robustRms, muErr)} DAC is compatible with the median fit error ${fmt(m.median_fit_error)} DAC ` +
      `(χ²/ndf = ${formatNumber(m.chi2_ndf, 3)}).`);
  out.push(`Pixel thresholds μ: ${robustText(m, 'μ', 'DAC')}.`);
  const w = h.asic_width;
  out.push(`ASIC edge width σ_ASIC = ${fmt(w.sigma_asic, w.sigma_asic_error)} DAC vs √(⟨σ²⟩ + var(μ)) = ${fmt(w.quadrature_sum)} DAC ` +
    `(ratio ${formatNumber(w.ratio, 3)}): ${Math.abs(w.ratio - 1) < 0.05 ? 'the ASIC curve is the pixel curves broadened by the threshold dispersion' : 'the ASIC width is not explained by noise and dispersion alone'}.`);
  const sg = h.sigma;
  out.push(`Pixel noise width σ over ${sg.n} pixels with a resolved edge: ${robustText(sg, 'σ', 'DAC')}` +
    ` (median fit error ${fmt(sg.median_fit_error)} DAC)` +
    (sg.upper_limits ? `; ${sg.upper_limits} pixels have an edge sharper than the scan resolves and only an upper limit on σ (map_sigma_upper.csv), left out.` : '.'));
  const s = h.asic_shape_refit;
  out.push(`${pct(s.fraction_inconsistent)} % of fitted pixels are inconsistent with the ASIC curve scaled to their amplitude ` +
    `(likelihood-ratio p < ${INCONSISTENT_P_VALUE}; median Δdeviance ${formatNumber(s.median_delta_deviance, 3)}).`);
  const sp = h.spatial;
  const eoSig = Math.abs(sp.even_odd_column_difference) > 3 * sp.even_odd_column_difference_error;
  out.push(`Even − odd column mean μ: ${fmt(sp.even_odd_column_difference, sp.even_odd_column_difference_error)} DAC` +
    (eoSig ? ' (significant).' : ' (not significant).'));
  const dcSig = sp.double_column_rms > 2 * sp.double_column_rms_expected;
  out.push(`Double-column means scatter by ${formatNumber(sp.double_column_rms, 3)} DAC where ${formatNumber(sp.double_column_rms_expected, 3)} is expected from the pixel spread: ` +
    (dcSig ? 'a double-column pattern is present.' : 'no double-column pattern.'));
  const rm = sp.mu_by_row_mod16.filter(Number.isFinite);
  const rmRange = rm.length ? Math.max(...rm) - Math.min(...rm) : NaN;
  out.push(`Row-mod-16 means of μ span ${formatNumber(rmRange, 3)} DAC; gradients ${fmt(sp.gradient_per_column, sp.gradient_per_column_error)} DAC/column, ` +
    `${fmt(sp.gradient_per_row, sp.gradient_per_row_error)} DAC/row.`);
  const il = h.illumination;
  // What the smooth surface leaves is compared with the fit errors: statistics alone, or pixel-level differences.
  const residualIsStatistical = il.amplitude_residual_rms < 1.5 * il.amplitude_median_error;
  const ampOutliers = outlierText(h.amplitude, 'amplitude', 'Hz');
  out.push(`Amplitude varies by robust rms ${pct(h.amplitude.robustRms / h.amplitude.median)} % across pixels` +
    (ampOutliers ? ` (outliers: ${ampOutliers})` : '') + `; a smooth illumination ` +
    `surface (peak near row ${il.peak_row}, column ${il.peak_col}) explains ${pct(il.amplitude_smooth_r2)} % of the variance and leaves ` +
    `${formatNumber(il.amplitude_residual_rms, 3)} Hz against a median fit error of ${formatNumber(il.amplitude_median_error, 3)} Hz: ` +
    (residualIsStatistical ? 'the amplitude pattern is source illumination plus counting statistics, not pixel defects.'
      : 'beyond illumination and statistics, pixels differ in efficiency.'));
  return out;
}
