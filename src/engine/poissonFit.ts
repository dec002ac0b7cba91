// Poisson maximum-likelihood fit of counts n_j with exposure T_j to T_j·F(t_j; θ):
// Levenberg–Marquardt on the Baker–Cousins deviance with the analytic Jacobian, the Fisher matrix as curvature far
// from the minimum and the observed Hessian (analytic second derivatives) near it; bounds by projection; parameter
// errors from the inverse Fisher matrix of the parameters free at the optimum (one sitting at its bound is held fixed there, as MINUIT reports it, and gets a one-sided error).
// Neyman (√n-weighted) least squares is biased at these counts and undefined for n = 0.
import { devianceTerm } from './fit/deviance';
import { WasmFitKernel } from './fit/wasmFitKernel';
import { N_PARAMS, N_SECOND, ScurveModel } from './scurveModel';

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

export interface FitOptions {
  /** The fit ends when an accepted step lowers the deviance by less than this. */
  tolerance?: number;
  /**
   * A parameter at a bound that the gradient pushes outwards is held there for the step (projected Newton) instead
   * of being clamped after it. Profile fits use it: with σ held, the background and amplitude sit at their bounds
   * often, and clamped steps cost rejected trials and stopped short of the conditional optimum. The pixel fits keep
   * the plain steps: their path, which decides between a sharp and a wide edge when both fit, stays.
   */
  projected?: boolean;
  /**
   * Fills ν_j and the Jacobian at the start θ (already known to the caller, e.g. a scaled copy of another curve) in
   * place of evaluating the model there; used only when the start lies within the bounds. (The first step is never a
   * Newton step, so the second derivatives at the start are not needed.)
   */
  curveAtStart?: (nu: Float64Array, jac: Float64Array) => void;
}

const MAX_ITERATIONS = 200;
/** Once a step lowers the deviance by less than this, the steps are Newton steps on the observed Hessian. */
const NEWTON_BELOW_DECREASE = 10;
/**
 * The fit also ends when the estimated distance to the minimum (EDM: the decrease a full Newton step predicts) is
 * below this fraction of the tolerance, as MINUIT's MIGRAD does (EDM < 0.002·0.1 for a deviance: 2e-4 against our
 * 1e-3), but only where the quadratic model has just been seen to hold: the last step decreased the deviance by its
 * prediction within MODEL_AGREEMENT, and was not clamped at a bound. Near a bound (a background close to 0) the
 * deviance is far from quadratic and an EDM alone can stop a fit well short of its minimum.
 */
const EDM_FRACTION = 0.2;
const MODEL_AGREEMENT = 0.1;
/** A deviance decrease below this ends the fit: 1e-3 is far below the 1-unit change that moves a parameter by 1σ. */
export const DEVIANCE_TOLERANCE = 1e-3;

/** Expected counts below this weigh in the Fisher matrix as if they were this (a point expecting 1e-12 counts
 *  already pins the background to its bound; more weight only loses precision). */
const MIN_NU = 1e-12;

/** Reusable fitter for curves of up to `maxPoints` points (one per thread: no allocation per fit). */
export class PoissonCurveFitter {
  private readonly jac: Float64Array; // point-major: jac[j*5 + k] = dν_j/dθ_k
  private readonly second: Float64Array; // point-major: second[j*N_SECOND + q] = d²ν_j for SECOND_PAIRS[q]
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
  private readonly fullG: Float64Array;
  private readonly fullH: Float64Array;

  /** Observed Hessian of D/2 over all five parameters (fullCurvature). */
  private readonly fullObserved: Float64Array;
  /** Observed Hessian of D/2 over the free parameters (the Newton steps' curvature). */
  private readonly observed = new Float64Array(N_PARAMS * N_PARAMS);
  /** The WebAssembly kernel of the per-point loops (undefined when dist/fitKernel.wasm is missing); ν, the
   *  derivatives and the full curvature above are views of its memory. */
  private readonly kernel: WasmFitKernel | undefined;
  /** The current fit's model and points are the kernel's (set by begin()). */
  private inKernel = false;

  /** `withKernel` false: the models' TypeScript only (tests compare the two). */
  constructor(maxPoints: number, withKernel = true) {
    const kernel = this.kernel = withKernel ? WasmFitKernel.create(maxPoints) : undefined;
    this.jac = kernel?.jac ?? new Float64Array(maxPoints * N_PARAMS);
    this.second = kernel?.second ?? new Float64Array(maxPoints * N_SECOND);
    this.nu = kernel?.nu ?? new Float64Array(maxPoints);
    this.fullG = kernel?.g ?? new Float64Array(N_PARAMS);
    this.fullH = kernel?.h ?? new Float64Array(N_PARAMS * N_PARAMS);
    this.fullObserved = kernel?.observed ?? new Float64Array(N_PARAMS * N_PARAMS);
  }

  /** Hands a curve to the kernel when there is one and it knows the model; else the model's TypeScript serves. */
  private begin(model: ScurveModel, t: ArrayLike<number>, n: ArrayLike<number>, exposure: ArrayLike<number>, m: number): void {
    this.inKernel = this.kernel !== undefined && this.kernel.useModel(model);
    if (this.inKernel) this.kernel!.load(t, exposure, n, m);
  }

  /** Fills ν_j = T_j·F(t_j; θ) and, when asked, its first and second derivatives. */
  private evaluate(model: ScurveModel, t: ArrayLike<number>, exposure: ArrayLike<number>, m: number,
    theta: Float64Array, withJacobian: boolean): void {
    if (this.inKernel) this.kernel!.evaluate(theta, m, withJacobian);
    else model.evaluateCurve(t, exposure, m, theta, this.nu, withJacobian ? this.jac : undefined, withJacobian ? this.second : undefined);
  }

  /** Deviance of the current ν; Infinity when some ν is impossible (negative, NaN, or 0 with n > 0). */
  private devianceOfNu(n: ArrayLike<number>, m: number): number {
    if (this.inKernel) return this.kernel!.deviance(m);
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
    this.begin(model, t, n, exposure, m);
    this.evaluate(model, t, exposure, m, theta, withJacobian);
    return this.devianceOfNu(n, m);
  }

  /**
   * Fits m points. `start` is modified into the result θ. Parameters with free[k] false stay fixed.
   */
  fit(model: ScurveModel, t: ArrayLike<number>, n: ArrayLike<number>, exposure: ArrayLike<number>, m: number,
    start: Float64Array, free: boolean[], bounds: FitBounds, options: FitOptions = {}): CurveFitResult {
    const { tolerance = DEVIANCE_TOLERANCE, projected = false, curveAtStart } = options;
    const theta = start, trial = this.trial, g = this.g, h = this.h, a = this.a, step = this.step;
    const idx = this.freeIndex, moving = this.moving;
    let nFree = 0;
    for (let k = 0; k < N_PARAMS; k++) if (free[k]) idx[nFree++] = k;
    this.begin(model, t, n, exposure, m);
    if (!clamp(theta, bounds) && curveAtStart) curveAtStart(this.nu, this.jac);
    else this.evaluate(model, t, exposure, m, theta, true);
    let dev = this.devianceOfNu(n, m);
    let lambda = 1e-3, iterations = 0, converged = false, lastDecrease = Infinity, modelTrusted = false;
    // ν and the Jacobian in the buffers belong to θ until a trial step is evaluated.
    let buffersAtTheta = true;
    // g, h (and the observed Hessian) belong to θ from curvature() until a step is accepted.
    let curvatureAtTheta = false;
    if (!Number.isFinite(dev)) return this.result(false, theta, NaN, m, n, nFree, 0, model, t, exposure, buffersAtTheta, false, bounds);
    while (iterations < MAX_ITERATIONS) {
      iterations++;
      const newton = lastDecrease < NEWTON_BELOW_DECREASE;
      this.curvature(m, n, idx, nFree, g, h, newton || modelTrusted);
      curvatureAtTheta = true;
      // A parameter at a bound that the gradient pushes outwards stays there for this step (projected Newton): its
      // unconstrained step would be clamped away and the rest of the step spoiled, costing rejected trials.
      let nMove = 0;
      for (let r = 0; r < nFree; r++) {
        const k = idx[r];
        if (!projected || !((theta[k] <= bounds.lower[k] && g[r] > 0) || (theta[k] >= bounds.upper[k] && g[r] < 0))) moving[nMove++] = r;
      }
      if (nMove === 0) { converged = true; break; }
      if (modelTrusted && this.newtonDecrease(g, nFree, nMove) < tolerance * EDM_FRACTION) { converged = true; break; }
      let improved = false;
      // Newton steps on the observed Hessian (quadratic convergence near the optimum, where the Fisher matrix alone
      // converges only linearly when the residuals are not small); Fisher scoring where it is not positive definite.
      let curvatureMatrix = newton ? this.observed : h;
      while (lambda < 1e10) {
        for (let i = 0; i < nMove; i++) {
          const r = moving[i];
          for (let j = 0; j < nMove; j++) a[i * nMove + j] = curvatureMatrix[r * nFree + moving[j]];
          a[i * nMove + i] += lambda * (h[r * nFree + r] > 0 ? h[r * nFree + r] : 1);
          step[i] = -g[r];
        }
        if (!solveSymmetric(a, step, nMove)) {
          if (curvatureMatrix !== h) curvatureMatrix = h; else lambda *= 10;
          continue;
        }
        trial.set(theta);
        for (let i = 0; i < nMove; i++) trial[idx[moving[i]]] += step[i];
        const clamped = clamp(trial, bounds);
        let predicted = 0; // decrease of D the quadratic model predicts for this step
        for (let i = 0; i < nMove; i++) {
          let cs = 0;
          for (let j = 0; j < nMove; j++) cs += curvatureMatrix[moving[i] * nFree + moving[j]] * step[j];
          predicted -= 2 * step[i] * (g[moving[i]] + 0.5 * cs);
        }
        // Evaluated with the Jacobian: an accepted trial needs no second evaluation (g and h stay valid on rejection).
        this.evaluate(model, t, exposure, m, trial, true);
        const trialDev = this.devianceOfNu(n, m);
        buffersAtTheta = false;
        if (trialDev <= dev) {
          buffersAtTheta = true;
          curvatureAtTheta = false;
          const decrease = dev - trialDev;
          lastDecrease = decrease;
          modelTrusted = !clamped && Math.abs(decrease - predicted) < MODEL_AGREEMENT * predicted + 1e-4;
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
    return this.result(converged, theta, dev, m, n, nFree, iterations, model, t, exposure, buffersAtTheta, curvatureAtTheta, bounds);
  }

  /**
   * Decrease of D that a full Newton step on the observed Hessian (of the nFree free parameters) predicts, gᵀO⁻¹g over
   * the parameters moving[0 … nMove) (MINUIT's estimated distance to the minimum); Infinity when O is not positive
   * definite there.
   */
  private newtonDecrease(g: Float64Array, nFree: number, nMove: number): number {
    const a = this.a, x = this.step, rows = this.moving, o = this.observed;
    for (let i = 0; i < nMove; i++) {
      for (let j = 0; j < nMove; j++) a[i * nMove + j] = o[rows[i] * nFree + rows[j]];
      x[i] = g[rows[i]];
    }
    if (!solveSymmetric(a, x, nMove)) return Infinity;
    let edm = 0;
    for (let i = 0; i < nMove; i++) edm += g[rows[i]] * x[i];
    return edm;
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
    h: Float64Array, withObserved: boolean): void {
    const full = this.fullH, fullG = this.fullG, fullObserved = this.fullObserved, observed = this.observed;
    this.fullCurvature(m, n, withObserved);
    for (let r = 0; r < nFree; r++) {
      g[r] = fullG[idx[r]];
      for (let c = 0; c < nFree; c++) h[r * nFree + c] = full[idx[r] * N_PARAMS + idx[c]];
      if (withObserved) for (let c = 0; c < nFree; c++) observed[r * nFree + c] = fullObserved[idx[r] * N_PARAMS + idx[c]];
    }
  }

  /**
   * curvature() over all five parameters, unrolled (the fit's innermost loop with the model): the gradient of D/2
   * fullG = Σ (1 − n/ν)·∂ν, the Fisher matrix fullH = Σ ∂ν∂νᵀ/ν and the observed Hessian
   * fullObserved = Σ (n/ν²)·∂ν∂νᵀ + Σ (1 − n/ν)·∂²ν (only when asked: far from the minimum the steps do without).
   */
  private fullCurvature(m: number, n: ArrayLike<number> | undefined, withObserved: boolean): void {
    if (this.inKernel) { this.kernel!.curvature(m, n !== undefined, withObserved); return; }
    const jac = this.jac, nu = this.nu, second = this.second;
    let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0;
    let h00 = 0, h10 = 0, h11 = 0, h20 = 0, h21 = 0, h22 = 0, h30 = 0, h31 = 0, h32 = 0, h33 = 0;
    let h40 = 0, h41 = 0, h42 = 0, h43 = 0, h44 = 0;
    let o00 = 0, o10 = 0, o11 = 0, o20 = 0, o21 = 0, o22 = 0, o30 = 0, o31 = 0, o32 = 0, o33 = 0;
    let o40 = 0, o41 = 0, o42 = 0, o43 = 0, o44 = 0;
    for (let j = 0; j < m; j++) {
      const v = nu[j];
      // Far beyond the edge ν can underflow towards 0; 1/ν would overflow and turn 0·∞ into NaN.
      const w = v > MIN_NU ? 1 / v : v > 0 ? 1 / MIN_NU : 0, ratio = n === undefined ? 1 : v > 0 ? n[j] / v : 0;
      const resid = 1 - ratio, wo = ratio * w;
      const o = j * N_PARAMS, q = j * N_SECOND;
      const j0 = jac[o], j1 = jac[o + 1], j2 = jac[o + 2], j3 = jac[o + 3], j4 = jac[o + 4];
      g0 += resid * j0; g1 += resid * j1; g2 += resid * j2; g3 += resid * j3; g4 += resid * j4;
      const w0 = w * j0, w1 = w * j1, w2 = w * j2, w3 = w * j3, w4 = w * j4;
      h00 += w0 * j0;
      h10 += w1 * j0; h11 += w1 * j1;
      h20 += w2 * j0; h21 += w2 * j1; h22 += w2 * j2;
      h30 += w3 * j0; h31 += w3 * j1; h32 += w3 * j2; h33 += w3 * j3;
      h40 += w4 * j0; h41 += w4 * j1; h42 += w4 * j2; h43 += w4 * j3; h44 += w4 * j4;
      if (!withObserved) continue;
      const v0 = wo * j0, v1 = wo * j1, v2 = wo * j2, v3 = wo * j3, v4 = wo * j4;
      o00 += v0 * j0 + resid * second[q];
      o10 += v1 * j0 + resid * second[q + 1]; o11 += v1 * j1 + resid * second[q + 2];
      o20 += v2 * j0 + resid * second[q + 3]; o21 += v2 * j1 + resid * second[q + 4]; o22 += v2 * j2;
      o30 += v3 * j0 + resid * second[q + 5]; o31 += v3 * j1 + resid * second[q + 6]; o32 += v3 * j2; o33 += v3 * j3;
      o40 += v4 * j0; o41 += v4 * j1; o42 += v4 * j2; o43 += v4 * j3; o44 += v4 * j4;
    }
    const g = this.fullG;
    g[0] = g0; g[1] = g1; g[2] = g2; g[3] = g3; g[4] = g4;
    fillSymmetric5(this.fullH, h00, h10, h11, h20, h21, h22, h30, h31, h32, h33, h40, h41, h42, h43, h44);
    if (withObserved) fillSymmetric5(this.fullObserved, o00, o10, o11, o20, o21, o22, o30, o31, o32, o33, o40, o41, o42, o43, o44);
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
    curvatureAtTheta: boolean, bounds: FitBounds): CurveFitResult {
    const errors = new Float64Array(N_PARAMS).fill(NaN);
    let atLimit = 0;
    this.lastFisherSize = -1;
    if (Number.isFinite(deviance)) {
      // Fisher matrix at the optimum (expected information, the same matrix the steps used).
      const idx = this.freeIndex, g = this.g, h = this.h;
      if (!curvatureAtTheta) {
        if (!buffersAtTheta) this.evaluate(model, t, exposure, m, theta, true);
        this.curvature(m, n, idx, nFree, g, h, false);
      }
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

/** A symmetric 5×5 matrix from its lower triangle, row by row. */
function fillSymmetric5(h: Float64Array, h00: number, h10: number, h11: number, h20: number, h21: number, h22: number,
  h30: number, h31: number, h32: number, h33: number, h40: number, h41: number, h42: number, h43: number, h44: number): void {
  h[0] = h00; h[1] = h10; h[2] = h20; h[3] = h30; h[4] = h40;
  h[5] = h10; h[6] = h11; h[7] = h21; h[8] = h31; h[9] = h41;
  h[10] = h20; h[11] = h21; h[12] = h22; h[13] = h32; h[14] = h42;
  h[15] = h30; h[16] = h31; h[17] = h32; h[18] = h33; h[19] = h43;
  h[20] = h40; h[21] = h41; h[22] = h42; h[23] = h43; h[24] = h44;
}

/** Moves θ into the bounds; true when it had to. */
function clamp(theta: Float64Array, bounds: FitBounds): boolean {
  let moved = false;
  for (let k = 0; k < N_PARAMS; k++) {
    if (theta[k] < bounds.lower[k]) { theta[k] = bounds.lower[k]; moved = true; }
    else if (theta[k] > bounds.upper[k]) { theta[k] = bounds.upper[k]; moved = true; }
  }
  return moved;
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
