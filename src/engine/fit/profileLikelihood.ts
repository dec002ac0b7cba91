// Profile-likelihood limits: the value of one parameter at which the deviance, minimised over the others, has risen
// by a given amount above its minimum. Used where the parabolic error is not trustworthy: an edge too sharp to
// resolve (σ's upper limit) and the edge position of such a pixel.
import { FitBounds, PoissonCurveFitter } from '../poissonFit';
import { AMPLITUDE, BACKGROUND, N_PARAMS, ScurveModel, SLOPE } from '../scurveModel';

/** Deviance rise of a one-sided 95 % upper limit (χ²₁ quantile 0.90). */
export const UPPER_LIMIT_95 = 2.71;
/** Deviance rise of a 68 % interval. */
export const ONE_SIGMA = 1;

/** Profile points need the deviance to a few hundredths, not the fit's thousandth. */
const PROFILE_FIT = { tolerance: 1e-2, projected: true };

/** One curve and its best fit: everything a profile needs. */
export interface ProfiledCurve {
  fitter: PoissonCurveFitter;
  model: ScurveModel;
  t: ArrayLike<number>;
  n: ArrayLike<number>;
  exposure: ArrayLike<number>;
  m: number;
  bounds: FitBounds;
  best: Float64Array;
  bestDeviance: number;
}

const work = new Float64Array(N_PARAMS), warm = new Float64Array(N_PARAMS);
const FREE_BUT: boolean[][] = Array.from({ length: N_PARAMS }, (_, k) => Array.from({ length: N_PARAMS }, (__, j) => j !== k));

/** Deviance rise with parameter k held at `value`, the others re-optimised from `start` (left at their optimum). */
export function profileRise(c: ProfiledCurve, k: number, value: number, start: Float64Array,
  errors?: Float64Array): number {
  work.set(start);
  work[k] = value;
  let fit = c.fitter.fit(c.model, c.t, c.n, c.exposure, c.m, work, FREE_BUT[k], c.bounds, PROFILE_FIT);
  if (!Number.isFinite(fit.deviance)) {
    // The start predicts a negative or zero flux where counts were seen (a wide edge with the slope carried on
    // beyond it): start again from a flat plateau over a small background, positive everywhere.
    work.set(start);
    work[k] = value;
    if (k !== SLOPE) work[SLOPE] = 0;
    if (k !== BACKGROUND) work[BACKGROUND] = Math.max(work[BACKGROUND], 1e-3 * Math.abs(work[AMPLITUDE]));
    fit = c.fitter.fit(c.model, c.t, c.n, c.exposure, c.m, work, FREE_BUT[k], c.bounds, PROFILE_FIT);
  }
  if (!Number.isFinite(fit.deviance)) return Infinity;
  start.set(work);
  errors?.set(fit.errors);
  return fit.deviance - c.bestDeviance;
}

/**
 * Where the profile deviance of parameter k, walking from the optimum in `direction` (+1 up, −1 down), first rises
 * by `target`; the bound when it never does. `firstStep` is a guess of the distance (e.g. the parabolic error).
 * The rise grows about quadratically, so its square root is interpolated linearly between bracketing points.
 */
export function profileLimit(c: ProfiledCurve, k: number, direction: 1 | -1, target: number, firstStep: number): number {
  const bound = direction > 0 ? c.bounds.upper[k] : c.bounds.lower[k];
  const sqrtTarget = Math.sqrt(target);
  warm.set(c.best);
  let x0 = c.best[k], r0 = 0; // last point below the target
  let step = Math.max(Math.abs(firstStep), 1e-6 * (Math.abs(x0) + 1));
  let x1 = NaN, r1 = NaN;
  for (let i = 0; i < 12; i++) {
    const x = Number.isFinite(bound) && direction * (x0 + direction * step - bound) >= 0 ? bound : x0 + direction * step;
    const r = profileRise(c, k, x, warm);
    if (r >= target) { x1 = x; r1 = r; break; }
    if (x === bound) return bound;
    x0 = x; r0 = Math.max(r, 0); step *= 2;
  }
  if (!Number.isFinite(x1)) return x0 + direction * step; // never reached: the last step's end
  for (let i = 0; i < 8; i++) {
    const s0 = Math.sqrt(r0), s1 = Math.sqrt(r1);
    const x = Number.isFinite(r1) ? x0 + (x1 - x0) * (sqrtTarget - s0) / (s1 - s0) : (x0 + x1) / 2;
    if (Math.abs(x1 - x0) < 1e-3 * (Math.abs(firstStep) + 1e-9)) return x;
    warm.set(c.best);
    const r = profileRise(c, k, x, warm);
    if (Math.abs(r - target) < 0.02) return x;
    if (r < target) { x0 = x; r0 = Math.max(r, 0); } else { x1 = x; r1 = r; }
  }
  return Number.isFinite(r1) ? x0 + (x1 - x0) * (sqrtTarget - Math.sqrt(r0)) / (Math.sqrt(r1) - Math.sqrt(r0)) : (x0 + x1) / 2;
}

/** Where a σ posterior walk stops: the adjusted deviance this far above its minimum carries no weight (e^−15).
 *  The tail is long (the adjusted likelihood flattens for wide edges): stopping at 12 cost 3 % of coverage. */
const POSTERIOR_SPAN = 30;
const MAX_POSTERIOR_POINTS = 64;

export interface SigmaPosterior {
  /** 5 % and 95 % quantiles of σ. */
  low: number;
  high: number;
  /** Profile deviance at the lower bound minus the fit's: below 2.71 the likelihood cannot tell σ from the bound. */
  riseAtBound: number;
  /** Parameter `follow` (μ): its rms distance from the fit's value with σ integrated out. */
  followSd: number;
  /** A profile point with a lower deviance than the fit: the fit stopped in a local minimum (θ there, else undefined). */
  better?: Float64Array;
}

/**
 * The distribution of parameter k (σ) given the data, with a flat prior on σ from its lower bound: the profile
 * likelihood with the other parameters' volume accounted for (Laplace, i.e. the Cox–Reid adjusted profile
 * likelihood L_p(σ)·det I_λλ(σ)^−½), integrated on an adaptive grid walked up from the bound.
 * Why not the plain 2.71 rise: on generated 10-acquisition scans the plain profile limit covers the true σ in only
 * 90 % of all pixels and in ~55 % of those whose edge looks unresolved (the low fluctuations that make it look so).
 */
export function sigmaPosterior(c: ProfiledCurve, k: number, scale: number, follow: number): SigmaPosterior {
  const lower = c.bounds.lower[k], upper = c.bounds.upper[k];
  const xs: number[] = [], adjusted: number[] = [], fMean: number[] = [], fVar: number[] = [];
  const errors = new Float64Array(N_PARAMS);
  let better: Float64Array | undefined, bestRise = -0.05, riseAtBound = NaN;
  warm.set(c.best);
  let x = lower, h = Math.max(scale, lower) / 4, min = Infinity;
  for (let i = 0; i < MAX_POSTERIOR_POINTS; i++) {
    const rise = profileRise(c, k, x, warm, errors);
    fMean.push(warm[follow]); fVar.push(errors[follow] ** 2);
    if (rise < bestRise) { bestRise = rise; better = Float64Array.from(warm); }
    if (i === 0) riseAtBound = rise;
    // the Fisher matrix the profile point's own fit (at warm) left behind
    const a = Number.isFinite(rise) ? rise + c.fitter.logDetFisherOfLastFit() : Infinity;
    xs.push(x); adjusted.push(a);
    if (a < min) min = a;
    if (x >= upper || (x > c.best[k] && a - min > POSTERIOR_SPAN)) break;
    if (i > 0 && Math.abs(a - adjusted[i - 1]) < 1) h *= 1.5; // flat stretches: longer steps
    x = Math.min(x + h, upper);
  }
  // trapezoid cumulative weight, quantiles by linear interpolation
  const w = adjusted.map(a => (Number.isFinite(a) ? Math.exp(-(a - min) / 2) : 0));
  const cum = [0];
  for (let i = 1; i < xs.length; i++) cum.push(cum[i - 1] + 0.5 * (w[i] + w[i - 1]) * (xs[i] - xs[i - 1]));
  const total = cum[cum.length - 1];
  const quantile = (q: number) => {
    const target = q * total;
    for (let i = 1; i < xs.length; i++) {
      if (cum[i] >= target) return xs[i - 1] + (xs[i] - xs[i - 1]) * (target - cum[i - 1]) / Math.max(cum[i] - cum[i - 1], 1e-300);
    }
    return xs[xs.length - 1];
  };
  // μ's error: its rms distance from the fit's value over σ's distribution (conditional optimum and its own
  // parabolic variance at each σ). The value stays the fit's, where the counts drop: at σ's median or mean it
  // would follow the long tail of wide edges and land tens of DAC away for the weakest pixels.
  const mle = c.best[follow];
  let spread = 0, wsum = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = ((i + 1 < xs.length ? xs[i + 1] : xs[i]) - (i > 0 ? xs[i - 1] : xs[i])) / 2;
    const wi = w[i] * dx;
    if (!(wi > 0) || !Number.isFinite(fVar[i])) continue;
    wsum += wi; spread += wi * ((fMean[i] - mle) ** 2 + fVar[i]);
  }
  const followSd = wsum > 0 ? Math.sqrt(spread / wsum) : NaN;
  return {
    low: total > 0 ? quantile(0.05) : lower, high: total > 0 ? quantile(0.95) : upper, riseAtBound, better,
    followSd,
  };
}
