// Poisson maximum-likelihood fit of counts n_j with exposure T_j to T_j·F(t_j; θ):
// Levenberg–Marquardt on the Baker–Cousins deviance with the analytic Jacobian and the Fisher matrix
// as curvature; bounds by projection; parameter errors from the inverse Fisher matrix of the parameters free at the
// optimum (one sitting at its bound is held fixed there, as MINUIT reports it, and gets a one-sided error).
// Neyman (√n-weighted) least squares is biased at these counts and undefined for n = 0.
import { N_PARAMS, ScurveModel } from './scurveModel';

export interface FitBounds {
  lower: Float64Array;
  upper: Float64Array;
}

export interface CurveFitResult {
  converged: boolean;
  theta: Float64Array;
  /**
   * Parabolic errors of the parameters free at the optimum; for a parameter at its bound, the one-sided distance
   * inwards at which the profile deviance (quadratic model, the others re-optimised) rises by 1. NaN only for a
   * parameter the model does not use or when the Fisher matrix of the free ones is singular.
   */
  errors: Float64Array;
  /** Bit k set: parameter k ended at its lower or upper bound. */
  atLimit: number;
  deviance: number;
  ndf: number;
  iterations: number;
}

const MAX_ITERATIONS = 200;
/** A deviance decrease below this ends the fit: 1e-3 is far below the 1-unit change that moves a parameter by 1σ. */
export const DEVIANCE_TOLERANCE = 1e-3;

/** Expected counts below this weigh in the Fisher matrix as if they were this (a point expecting 1e-12 counts
 *  already pins the background to its bound; more weight only loses precision). */
const MIN_NU = 1e-12;

/** Baker–Cousins Poisson deviance term, 2·(ν − n + n·ln(n/ν)). */
export function devianceTerm(n: number, nu: number): number {
  return 2 * (nu - n + (n > 0 ? n * Math.log(n / nu) : 0));
}

/** The ASIC shape with only its scale free: ν_j = k·T_j·S_j, k̂ = Σn/Σ(T·S) in closed form. */
export function amplitudeOnlyFit(n: ArrayLike<number>, exposure: ArrayLike<number>, shape: ArrayLike<number>, m: number) {
  let sn = 0, sm = 0;
  for (let j = 0; j < m; j++) { sn += n[j]; sm += exposure[j] * shape[j]; }
  const scale = sm > 0 ? sn / sm : NaN;
  let deviance = 0;
  for (let j = 0; j < m; j++) {
    const nu = scale * exposure[j] * shape[j];
    deviance += nu > 0 ? devianceTerm(n[j], nu) : (n[j] > 0 ? Infinity : 0);
  }
  return { scale, deviance };
}

/** Reusable fitter for curves of up to `maxPoints` points (one per thread: no allocation per fit). */
export class PoissonCurveFitter {
  private readonly jac: Float64Array; // point-major: jac[j*5 + k] = dν_j/dθ_k
  private readonly nu: Float64Array;
  private readonly trial = new Float64Array(N_PARAMS);
  private readonly g = new Float64Array(N_PARAMS);
  private readonly h = new Float64Array(N_PARAMS * N_PARAMS);
  private readonly a = new Float64Array(N_PARAMS * N_PARAMS);
  private readonly step = new Float64Array(N_PARAMS);
  private readonly freeIndex = new Int32Array(N_PARAMS);
  private readonly moving = new Int32Array(N_PARAMS);
  private readonly inverse = new Float64Array(N_PARAMS * N_PARAMS);
  /** Size of the Fisher matrix the last fit left in h at its result; −1 when it left none. */
  private lastFisherSize = -1;
  private readonly fullG = new Float64Array(N_PARAMS);
  private readonly fullH = new Float64Array(N_PARAMS * N_PARAMS);

  constructor(maxPoints: number) {
    this.jac = new Float64Array(maxPoints * N_PARAMS);
    this.nu = new Float64Array(maxPoints);
  }

  /** Fills ν_j = T_j·F(t_j; θ) and, when asked, the Jacobian dν_j/dθ. */
  private evaluate(model: ScurveModel, t: ArrayLike<number>, exposure: ArrayLike<number>, m: number,
    theta: Float64Array, withJacobian: boolean): void {
    model.evaluateCurve(t, exposure, m, theta, this.nu, withJacobian ? this.jac : undefined);
  }

  /** Deviance of the current ν; Infinity when some ν is impossible (negative, NaN, or 0 with n > 0). */
  private devianceOfNu(n: ArrayLike<number>, m: number): number {
    let d = 0;
    const nu = this.nu;
    for (let j = 0; j < m; j++) {
      const v = nu[j];
      if (v > 0) d += devianceTerm(n[j], v);
      else if (!(v === 0 && n[j] === 0)) return Infinity;
    }
    return d;
  }

  deviance(model: ScurveModel, t: ArrayLike<number>, n: ArrayLike<number>, exposure: ArrayLike<number>, m: number,
    theta: Float64Array, withJacobian: boolean): number {
    this.evaluate(model, t, exposure, m, theta, withJacobian);
    return this.devianceOfNu(n, m);
  }

  /**
   * Fits m points. `start` is modified into the result θ. Parameters with free[k] false stay fixed.
   * `projected`: a parameter at a bound that the gradient pushes outwards is held there for the step (projected
   * Newton) instead of being clamped after it. Profile fits use it: with σ held, the background and amplitude sit at
   * their bounds often, and clamped steps cost rejected trials and stopped short of the conditional optimum. The
   * pixel fits keep the plain steps: their path, which decides between a sharp and a wide edge when both fit, stays.
   */
  fit(model: ScurveModel, t: ArrayLike<number>, n: ArrayLike<number>, exposure: ArrayLike<number>, m: number,
    start: Float64Array, free: boolean[], bounds: FitBounds, tolerance = DEVIANCE_TOLERANCE, projected = false): CurveFitResult {
    const theta = start, trial = this.trial, g = this.g, h = this.h, a = this.a, step = this.step;
    const idx = this.freeIndex, moving = this.moving;
    let nFree = 0;
    for (let k = 0; k < N_PARAMS; k++) if (free[k]) idx[nFree++] = k;
    clamp(theta, bounds);
    let dev = this.deviance(model, t, n, exposure, m, theta, true);
    let lambda = 1e-3, iterations = 0, converged = false;
    // ν and the Jacobian in the buffers belong to θ until a trial step is evaluated.
    let buffersAtTheta = true;
    if (!Number.isFinite(dev)) return this.result(false, theta, NaN, m, n, nFree, 0, model, t, exposure, buffersAtTheta, bounds);
    while (iterations < MAX_ITERATIONS) {
      iterations++;
      this.curvature(m, n, idx, nFree, g, h);
      // A parameter at a bound that the gradient pushes outwards stays there for this step (projected Newton): its
      // unconstrained step would be clamped away and the rest of the step spoiled, costing rejected trials.
      let nMove = 0;
      for (let r = 0; r < nFree; r++) {
        const k = idx[r];
        if (!projected || !((theta[k] <= bounds.lower[k] && g[r] > 0) || (theta[k] >= bounds.upper[k] && g[r] < 0))) moving[nMove++] = r;
      }
      if (nMove === 0) { converged = true; break; }
      let improved = false;
      while (lambda < 1e10) {
        for (let i = 0; i < nMove; i++) {
          const r = moving[i];
          for (let j = 0; j < nMove; j++) a[i * nMove + j] = h[r * nFree + moving[j]];
          a[i * nMove + i] += lambda * (h[r * nFree + r] > 0 ? h[r * nFree + r] : 1);
          step[i] = -g[r];
        }
        if (!solveSymmetric(a, step, nMove)) { lambda *= 10; continue; }
        trial.set(theta);
        for (let i = 0; i < nMove; i++) trial[idx[moving[i]]] += step[i];
        clamp(trial, bounds);
        // Evaluated with the Jacobian: an accepted trial needs no second evaluation (g and h stay valid on rejection).
        const trialDev = this.deviance(model, t, n, exposure, m, trial, true);
        buffersAtTheta = false;
        if (trialDev <= dev) {
          buffersAtTheta = true;
          const decrease = dev - trialDev;
          theta.set(trial);
          dev = trialDev;
          lambda = Math.max(lambda * 0.1, 1e-9);
          improved = true;
          if (decrease < tolerance) converged = true;
          break;
        }
        lambda *= 10;
      }
      if (!improved) { converged = lambda >= 1e10; break; }
      if (converged) break;
    }
    return this.result(converged, theta, dev, m, n, nFree, iterations, model, t, exposure, buffersAtTheta, bounds);
  }

  /**
   * ln det of the Fisher matrix of the last fit's free parameters at its result: the volume factor of those
   * parameters when the likelihood is integrated over them (Laplace), as the adjusted profile needs. The fit leaves
   * that very matrix behind, so the model is not evaluated again (NaN when its deviance was not finite).
   */
  logDetFisherOfLastFit(): number {
    const k = this.lastFisherSize;
    if (k < 0) return NaN;
    this.a.set(this.h.subarray(0, k * k));
    return logDetSymmetric(this.a, k);
  }

  /** Gradient of D/2 and Fisher matrix Σ (1/ν)·∂ν∂νᵀ over the free parameters. */
  private curvature(m: number, n: ArrayLike<number> | undefined, idx: Int32Array, nFree: number, g: Float64Array,
    h: Float64Array): void {
    const full = this.fullH, fullG = this.fullG;
    this.fullCurvature(m, n);
    for (let r = 0; r < nFree; r++) {
      g[r] = fullG[idx[r]];
      for (let c = 0; c < nFree; c++) h[r * nFree + c] = full[idx[r] * N_PARAMS + idx[c]];
    }
  }

  /** curvature() over all five parameters, unrolled (the fit's innermost loop with the model): fullG, fullH. */
  private fullCurvature(m: number, n: ArrayLike<number> | undefined): void {
    const jac = this.jac, nu = this.nu;
    let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0;
    let h00 = 0, h10 = 0, h11 = 0, h20 = 0, h21 = 0, h22 = 0, h30 = 0, h31 = 0, h32 = 0, h33 = 0;
    let h40 = 0, h41 = 0, h42 = 0, h43 = 0, h44 = 0;
    for (let j = 0; j < m; j++) {
      const v = nu[j];
      // Far beyond the edge ν can underflow towards 0; 1/ν would overflow and turn 0·∞ into NaN.
      const w = v > MIN_NU ? 1 / v : v > 0 ? 1 / MIN_NU : 0, resid = n === undefined ? 0 : v > 0 ? 1 - n[j] / v : 1;
      const o = j * N_PARAMS;
      const j0 = jac[o], j1 = jac[o + 1], j2 = jac[o + 2], j3 = jac[o + 3], j4 = jac[o + 4];
      g0 += resid * j0; g1 += resid * j1; g2 += resid * j2; g3 += resid * j3; g4 += resid * j4;
      const w0 = w * j0, w1 = w * j1, w2 = w * j2, w3 = w * j3, w4 = w * j4;
      h00 += w0 * j0;
      h10 += w1 * j0; h11 += w1 * j1;
      h20 += w2 * j0; h21 += w2 * j1; h22 += w2 * j2;
      h30 += w3 * j0; h31 += w3 * j1; h32 += w3 * j2; h33 += w3 * j3;
      h40 += w4 * j0; h41 += w4 * j1; h42 += w4 * j2; h43 += w4 * j3; h44 += w4 * j4;
    }
    const g = this.fullG, h = this.fullH;
    g[0] = g0; g[1] = g1; g[2] = g2; g[3] = g3; g[4] = g4;
    h[0] = h00; h[1] = h10; h[2] = h20; h[3] = h30; h[4] = h40;
    h[5] = h10; h[6] = h11; h[7] = h21; h[8] = h31; h[9] = h41;
    h[10] = h20; h[11] = h21; h[12] = h22; h[13] = h32; h[14] = h42;
    h[15] = h30; h[16] = h31; h[17] = h32; h[18] = h33; h[19] = h43;
    h[20] = h40; h[21] = h41; h[22] = h42; h[23] = h43; h[24] = h44;
  }

  /** Inverse of rows/columns rows[0 … count) of the symmetric n×n matrix h, in a scratch buffer (undefined when
   *  not positive definite). */
  private invertRows(h: Float64Array, n: number, rows: Int32Array, count: number): Float64Array | undefined {
    const sub = this.a;
    for (let i = 0; i < count; i++) for (let j = 0; j < count; j++) sub[i * count + j] = h[rows[i] * n + rows[j]];
    return invertSymmetric(sub, count, this.inverse);
  }

  private result(converged: boolean, theta: Float64Array, deviance: number, m: number, n: ArrayLike<number>, nFree: number,
    iterations: number, model: ScurveModel, t: ArrayLike<number>, exposure: ArrayLike<number>, buffersAtTheta: boolean,
    bounds: FitBounds): CurveFitResult {
    const errors = new Float64Array(N_PARAMS).fill(NaN);
    let atLimit = 0;
    this.lastFisherSize = -1;
    if (Number.isFinite(deviance)) {
      // Fisher matrix at the optimum (expected information, the same matrix the steps used).
      if (!buffersAtTheta) this.evaluate(model, t, exposure, m, theta, true);
      const idx = this.freeIndex, g = this.g, h = this.h;
      this.curvature(m, n, idx, nFree, g, h);
      this.lastFisherSize = nFree;
      const rows = this.moving; // active rows first, then one limited row at a time after them
      let nActive = 0;
      for (let r = 0; r < nFree; r++) {
        const k = idx[r];
        if (theta[k] <= bounds.lower[k] || theta[k] >= bounds.upper[k]) atLimit |= 1 << k; else rows[nActive++] = r;
      }
      const inv = this.invertRows(h, nFree, rows, nActive);
      if (inv) for (let i = 0; i < nActive; i++) errors[idx[rows[i]]] = Math.sqrt(inv[i * nActive + i]);
      for (let r = 0; r < nFree; r++) {
        const k = idx[r];
        if (!(atLimit & (1 << k))) continue;
        // Profile deviance inwards from the bound, quadratic model: D/2 rises as gδ + ½·h_eff·δ², with g the
        // gradient of D/2 inwards and h_eff the curvature left after the free parameters follow (Schur complement).
        const inward = theta[k] <= bounds.lower[k] ? 1 : -1;
        const grad = Math.max(inward * g[r], 0);
        rows[nActive] = r;
        const withK = this.invertRows(h, nFree, rows, nActive + 1);
        const last = nActive * (nActive + 1) + nActive;
        const hEff = withK && withK[last] > 0 ? 1 / withK[last] : h[r * nFree + r];
        errors[k] = hEff > 0 ? (Math.sqrt(grad * grad + hEff) - grad) / hEff : grad > 0 ? 1 / (2 * grad) : NaN;
      }
    }
    return { converged, theta: Float64Array.from(theta), errors, atLimit, deviance, ndf: m - nFree, iterations };
  }
}

function clamp(theta: Float64Array, bounds: FitBounds): void {
  for (let k = 0; k < N_PARAMS; k++) {
    if (theta[k] < bounds.lower[k]) theta[k] = bounds.lower[k];
    else if (theta[k] > bounds.upper[k]) theta[k] = bounds.upper[k];
  }
}

/** Solves A·x = b in place (b becomes x) by Cholesky; false when A is not positive definite. */
export function solveSymmetric(a: Float64Array, b: Float64Array, n: number): boolean {
  if (!choleskyInPlace(a, n)) return false;
  choleskySolve(a, b, 0, n);
  return true;
}

/** A = L·Lᵀ, L into the lower triangle of a; false when A is not positive definite. */
function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    d = Math.sqrt(d);
    a[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / d;
    }
  }
  return true;
}

/** Solves L·Lᵀ·x = b for b = x[offset … offset + n) in place, L from choleskyInPlace. */
function choleskySolve(l: Float64Array, x: Float64Array, offset: number, n: number): void {
  for (let i = 0; i < n; i++) {
    let s = x[offset + i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[offset + k];
    x[offset + i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[offset + i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[offset + k];
    x[offset + i] = s / l[i * n + i];
  }
}

/** ln det of a symmetric matrix (overwritten by its Cholesky factor); −Infinity when not positive definite. */
function logDetSymmetric(h: Float64Array, n: number): number {
  if (!choleskyInPlace(h, n)) return -Infinity;
  let logDet = 0;
  for (let j = 0; j < n; j++) logDet += 2 * Math.log(h[j * n + j]);
  return logDet;
}

/** Inverse of a symmetric positive-definite matrix (h is overwritten by its Cholesky factor), into `inv` if given. */
export function invertSymmetric(h: Float64Array, n: number, inv = new Float64Array(n * n)): Float64Array | undefined {
  if (!choleskyInPlace(h, n)) return undefined;
  inv.fill(0, 0, n * n); // column c at [c·n, c·n + n): symmetric, so also row c
  for (let c = 0; c < n; c++) {
    inv[c * n + c] = 1;
    choleskySolve(h, inv, c * n, n);
  }
  return inv;
}
