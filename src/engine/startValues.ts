// Fit-free starting values for an S-curve: plateau and tail levels, 50 % crossing, 16–84 % width.
import { AMPLITUDE, BACKGROUND, MU, SIGMA, SLOPE } from './scurveModel';

/** Flux falls with threshold (+1) or rises (−1): from the ends of a (summed) curve. */
export function detectPolarity(t: ArrayLike<number>, flux: ArrayLike<number>, m: number): 1 | -1 {
  const q = Math.max(1, Math.floor(m / 4));
  let low = 0, high = 0, nl = 0, nh = 0;
  for (let j = 0; j < q; j++) if (Number.isFinite(flux[j])) { low += flux[j]; nl++; }
  for (let j = m - q; j < m; j++) if (Number.isFinite(flux[j])) { high += flux[j]; nh++; }
  return low / Math.max(nl, 1) >= high / Math.max(nh, 1) ? 1 : -1;
}

/** Flux per point, from the plateau side (one per thread, grown as needed). */
let flux = new Float64Array(0);

/**
 * Writes μ, σ, A, C = 0, B into theta from counts n_j over exposures T_j at increasing thresholds t_j.
 * Walks from the plateau side (low t for polarity +1) towards the tail.
 */
export function estimateStart(t: ArrayLike<number>, n: ArrayLike<number>, exposure: ArrayLike<number>, m: number,
  polarity: 1 | -1, theta: Float64Array, y: Float64Array = new Float64Array(m)): void {
  const at = (k: number) => (polarity === 1 ? k : m - 1 - k); // k-th point from the plateau side
  const range = Math.abs(t[m - 1] - t[0]) || 1;
  const q = Math.max(2, Math.round(0.15 * m));
  if (flux.length < m) flux = new Float64Array(m);
  for (let k = 0; k < m; k++) flux[k] = n[at(k)] / exposure[at(k)]; // k-th from the plateau side
  let plateau = 0, tail = 0;
  for (let k = 0; k < q; k++) plateau += flux[k];
  for (let k = m - q; k < m; k++) tail += flux[k];
  plateau /= q; tail /= q;
  const height = plateau - tail;
  theta[SLOPE] = 0;
  theta[BACKGROUND] = Math.max(tail, 0);
  if (!(height > 0)) {
    theta[MU] = (t[0] + t[m - 1]) / 2; theta[SIGMA] = range / 10; theta[AMPLITUDE] = Math.max(plateau, 0);
    return;
  }
  // y: fraction of the step still present, smoothed over 5 points so that noise does not fake crossings.
  for (let k = 0; k < m; k++) {
    let s = 0, c = 0;
    for (let w = Math.max(0, k - 2); w <= Math.min(m - 1, k + 2); w++) { s += flux[w]; c++; }
    y[k] = (s / c - tail) / height;
  }
  const crossing = (level: number): number => {
    for (let k = 1; k < m; k++) {
      if (y[k] < level && y[k - 1] >= level) {
        const f = (y[k - 1] - level) / (y[k - 1] - y[k]);
        return t[at(k - 1)] + f * (t[at(k)] - t[at(k - 1)]);
      }
    }
    return NaN;
  };
  const t50 = crossing(0.5), t84 = crossing(0.84), t16 = crossing(0.16);
  theta[MU] = Number.isFinite(t50) ? t50 : (t[0] + t[m - 1]) / 2;
  const width = Math.abs(t16 - t84) / 2;
  const minStep = range / Math.max(m - 1, 1);
  theta[SIGMA] = Number.isFinite(width) ? Math.min(Math.max(width, minStep * 0.5), range / 4) : range / 10;
  theta[AMPLITUDE] = height;
}
