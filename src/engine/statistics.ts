// Small statistics used by goodness of fit and the heterogeneity analysis.
import gammainc from '@stdlib/math-base-special-gammainc';
import { finiteValues, medianAndSpreadInPlace, percentile } from '../contract/quantities';

/** P(χ²_ndf ≥ x). */
export function chi2Survival(x: number, ndf: number): number {
  if (!(ndf > 0) || !Number.isFinite(x)) return NaN;
  if (x <= 0) return 1;
  return gammainc(x / 2, ndf / 2, true, true);
}

/** Relative distance from chi2Critical within which a decision against it is left to chi2Survival itself. */
export const CHI2_CRITICAL_MARGIN = 1e-6;

/** x with chi2Survival(x, ndf) = p, to a relative 1e-9: decisions against it hold beyond CHI2_CRITICAL_MARGIN.
 *  NaN without one (ndf ≤ 0, or p outside (0, 1)). */
export function chi2Critical(p: number, ndf: number): number {
  if (!(ndf > 0) || !(p > 0 && p < 1)) return NaN;
  let lo = 0, hi = ndf + 1;
  while (!(chi2Survival(hi, ndf) < p)) { lo = hi; hi *= 2; }
  for (let i = 0; i < 200 && hi - lo > 1e-9 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (chi2Survival(mid, ndf) < p) hi = mid; else lo = mid;
  }
  return hi;
}

/**
 * `(x, ndf) => chi2Survival(x, ndf) < p`, for many x: decided by the critical value of each ndf (found once),
 * chi2Survival itself only within CHI2_CRITICAL_MARGIN of it, where the decision could depend on its rounding.
 */
export function chi2SurvivalBelow(p: number): (x: number, ndf: number) => boolean {
  const critical = new Map<number, number>();
  return (x, ndf) => {
    if (!(ndf > 0) || !Number.isFinite(x) || !(p > 0 && p < 1)) return chi2Survival(x, ndf) < p;
    let c = critical.get(ndf);
    if (c === undefined) critical.set(ndf, c = chi2Critical(p, ndf));
    if (x > c * (1 + CHI2_CRITICAL_MARGIN)) return true;
    if (x < c * (1 - CHI2_CRITICAL_MARGIN)) return false;
    return chi2Survival(x, ndf) < p;
  };
}

export interface Distribution {
  n: number;
  mean: number;
  rms: number;
  /** 1.4826 × median absolute deviation: the rms a Gaussian core would have, insensitive to outliers. */
  robustRms: number;
  median: number;
  /** Values beyond median ± OUTLIER_SPREADS × robustRms: how many, and the cut they passed. */
  outliers: { below: number; above: number; low_cut: number; high_cut: number };
}

/** A value this many robust spreads from the median is an outlier (a Gaussian core gives one in 1.7 million). */
export const OUTLIER_SPREADS = 5;

/** Mean and rms (n − 1 in the denominator) of values `v`, summed in their order (NaN when empty). */
export function meanAndRms(v: ArrayLike<number>): { n: number; mean: number; rms: number } {
  const n = v.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += v[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (v[i] - mean) ** 2;
  return { n, mean, rms: Math.sqrt(squares / Math.max(n - 1, 1)) };
}

export function describe(values: ArrayLike<number>): Distribution {
  const v = finiteValues(values);
  const n = v.length;
  if (n === 0) return { n: 0, mean: NaN, rms: NaN, robustRms: NaN, median: NaN, outliers: { below: 0, above: 0, low_cut: NaN, high_cut: NaN } };
  const { mean, rms } = meanAndRms(v);
  const { median, robustRms } = medianAndSpreadInPlace(v.slice());
  const lowCut = median - OUTLIER_SPREADS * robustRms, highCut = median + OUTLIER_SPREADS * robustRms;
  let below = 0, above = 0;
  for (let i = 0; i < n; i++) { if (v[i] < lowCut) below++; if (v[i] > highCut) above++; }
  const outliers = robustRms > 0 ? { below, above, low_cut: lowCut, high_cut: highCut } : { below: 0, above: 0, low_cut: NaN, high_cut: NaN };
  return { n, mean, rms, robustRms, median, outliers };
}

/** Quantile by linear interpolation (sorts a copy). */
export function quantile(values: number[], q: number): number {
  return percentile(Float64Array.from(values).sort(), q);
}

/** Least-squares slope and intercept of y on x. */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>): { slope: number; intercept: number; slopeError: number } {
  const n = x.length;
  let sx = 0, sy = 0;
  for (let i = 0; i < n; i++) { sx += x[i]; sy += y[i]; }
  const mx = sx / n, my = sy / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += (x[i] - mx) ** 2; sxy += (x[i] - mx) * (y[i] - my); }
  const slope = sxy / sxx, intercept = my - slope * mx;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (y[i] - intercept - slope * x[i]) ** 2;
  return { slope, intercept, slopeError: Math.sqrt(ss / Math.max(n - 2, 1) / sxx) };
}
