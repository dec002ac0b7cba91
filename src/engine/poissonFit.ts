// Poisson maximum-likelihood fit of counts n_j with exposure T_j to T_j·F(t_j; θ):
// Levenberg–Marquardt on the Baker–Cousins deviance with the analytic Jacobian and the Fisher matrix
// as curvature; bounds by projection; parameter errors from the inverse Fisher matrix.
// Neyman (√n-weighted) least squares is biased at these counts and undefined for n = 0.
import { N_PARAMS, ScurveModel } from './scurveModel';

export interface FitBounds {
  lower: Float64Array;
  upper: Float64Array;
}

export interface CurveFitResult {
  converged: boolean;
  theta: Float64Array;
  errors: Float64Array;
  deviance: number;
  ndf: number;
  iterations: number;
}

const MAX_ITERATIONS = 200;
/** A deviance decrease below this ends the fit: 1e-3 is far below the 1-unit change that moves a parameter by 1σ. */
export const DEVIANCE_TOLERANCE = 1e-3;

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
  private readonly grad: Float64Array;
  private readonly jac: Float64Array; // point-major: jac[j*5 + k] = dν_j/dθ_k
  private readonly nu: Float64Array;
  private readonly trial = new Float64Array(N_PARAMS);
  private readonly g = new Float64Array(N_PARAMS);
  private readonly h = new Float64Array(N_PARAMS * N_PARAMS);
  private readonly a = new Float64Array(N_PARAMS * N_PARAMS);
  private readonly step = new Float64Array(N_PARAMS);
  private readonly freeIndex = new Int32Array(N_PARAMS);

  constructor(maxPoints: number) {
    this.grad = new Float64Array(N_PARAMS);
    this.jac = new Float64Array(maxPoints * N_PARAMS);
    this.nu = new Float64Array(maxPoints);
  }

  /** Fills ν_j = T_j·F(t_j; θ) and, when asked, the Jacobian dν_j/dθ. */
  private evaluate(model: ScurveModel, t: ArrayLike<number>, exposure: ArrayLike<number>, m: number,
    theta: Float64Array, withJacobian: boolean): void {
    const grad = this.grad, jac = this.jac, nu = this.nu;
    for (let j = 0; j < m; j++) {
      nu[j] = exposure[j] * model.evaluate(t[j], theta, withJacobian ? grad : undefined);
      if (withJacobian) for (let k = 0; k < N_PARAMS; k++) jac[j * N_PARAMS + k] = exposure[j] * grad[k];
    }
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
   */
  fit(model: ScurveModel, t: ArrayLike<number>, n: ArrayLike<number>, exposure: ArrayLike<number>, m: number,
    start: Float64Array, free: boolean[], bounds: FitBounds, tolerance = DEVIANCE_TOLERANCE): CurveFitResult {
    const theta = start, trial = this.trial, g = this.g, h = this.h, a = this.a, step = this.step;
    const idx = this.freeIndex;
    let nFree = 0;
    for (let k = 0; k < N_PARAMS; k++) if (free[k]) idx[nFree++] = k;
    clamp(theta, bounds);
    let dev = this.deviance(model, t, n, exposure, m, theta, true);
    let lambda = 1e-3, iterations = 0, converged = false;
    // ν and the Jacobian in the buffers belong to θ until a trial step is evaluated.
    let buffersAtTheta = true;
    if (!Number.isFinite(dev)) return this.result(false, theta, NaN, m, n, nFree, 0, model, t, exposure, buffersAtTheta);
    while (iterations < MAX_ITERATIONS) {
      iterations++;
      this.curvature(m, n, idx, nFree, g, h);
      let improved = false;
      while (lambda < 1e10) {
        for (let r = 0; r < nFree; r++) {
          for (let c = 0; c < nFree; c++) a[r * nFree + c] = h[r * nFree + c];
          a[r * nFree + r] += lambda * (h[r * nFree + r] > 0 ? h[r * nFree + r] : 1);
          step[r] = -g[r];
        }
        if (!solveSymmetric(a, step, nFree)) { lambda *= 10; continue; }
        trial.set(theta);
        for (let r = 0; r < nFree; r++) trial[idx[r]] += step[r];
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
    return this.result(converged, theta, dev, m, n, nFree, iterations, model, t, exposure, buffersAtTheta);
  }

  /** Gradient of D/2 and Fisher matrix Σ (1/ν)·∂ν∂νᵀ over the free parameters. */
  private curvature(m: number, n: ArrayLike<number>, idx: Int32Array, nFree: number, g: Float64Array, h: Float64Array): void {
    const jac = this.jac, nu = this.nu;
    g.fill(0, 0, nFree);
    h.fill(0, 0, nFree * nFree);
    for (let j = 0; j < m; j++) {
      const v = nu[j];
      const w = v > 0 ? 1 / v : 0, resid = v > 0 ? 1 - n[j] / v : 1;
      const o = j * N_PARAMS;
      for (let r = 0; r < nFree; r++) {
        const jr = jac[o + idx[r]];
        g[r] += resid * jr;
        const wjr = w * jr;
        for (let c = 0; c <= r; c++) h[r * nFree + c] += wjr * jac[o + idx[c]];
      }
    }
    for (let r = 0; r < nFree; r++) for (let c = 0; c < r; c++) h[c * nFree + r] = h[r * nFree + c];
  }

  private result(converged: boolean, theta: Float64Array, deviance: number, m: number, n: ArrayLike<number>, nFree: number,
    iterations: number, model: ScurveModel, t: ArrayLike<number>, exposure: ArrayLike<number>, buffersAtTheta: boolean): CurveFitResult {
    const errors = new Float64Array(N_PARAMS).fill(NaN);
    if (Number.isFinite(deviance)) {
      // Fisher matrix at the optimum (expected information, the same matrix the steps used).
      if (!buffersAtTheta) this.evaluate(model, t, exposure, m, theta, true);
      this.curvature(m, n, this.freeIndex, nFree, this.g, this.h);
      const inv = invertSymmetric(this.h.subarray(0, nFree * nFree), nFree);
      if (inv) for (let r = 0; r < nFree; r++) errors[this.freeIndex[r]] = Math.sqrt(inv[r * nFree + r]);
    }
    return { converged, theta: Float64Array.from(theta), errors, deviance, ndf: m - nFree, iterations };
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
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= a[i * n + k] * b[k];
    b[i] = s / a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= a[k * n + i] * b[k];
    b[i] = s / a[i * n + i];
  }
  return true;
}

/** Inverse of a symmetric positive-definite matrix (column by column through solveSymmetric). */
export function invertSymmetric(h: Float64Array, n: number): Float64Array | undefined {
  const inv = new Float64Array(n * n);
  const work = new Float64Array(n * n), col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    work.set(h);
    col.fill(0); col[c] = 1;
    if (!solveSymmetric(work, col, n)) return undefined;
    for (let r = 0; r < n; r++) inv[r * n + c] = col[r];
  }
  return inv;
}
