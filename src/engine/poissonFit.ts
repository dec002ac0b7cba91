// Poisson maximum-likelihood fit of counts n_j with exposure T_j to T_j·F(t_j; θ):
// Levenberg–Marquardt on the Baker–Cousins deviance with the analytic Jacobian, the Fisher matrix as curvature far
// from the minimum and the observed Hessian (analytic second derivatives) near it; bounds by projection; parameter
// errors from the inverse Fisher matrix of the parameters free at the optimum (one sitting at its bound is held fixed
// there, as MINUIT reports it, and gets a one-sided error).
// Neyman (√n-weighted) least squares is biased at these counts and undefined for n = 0.
// The fit runs in the WebAssembly fit kernel (src/engine/wasm/fitKernel.ts, loaded by fit/wasmFitKernel.ts): the
// models' TypeScript (scurveModel.ts) is its reference, and this class hands it the curve and reads the result.
import { WasmFitKernel } from './fit/wasmFitKernel';
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

/** A deviance decrease below this ends the fit: 1e-3 is far below the 1-unit change that moves a parameter by 1σ. */
export const DEVIANCE_TOLERANCE = 1e-3;

/** Reusable fitter for curves of up to `maxPoints` points (one per thread: no allocation in the kernel per fit);
 *  with `batchPixels`, its kernel also fits batches of that many pixels (scanFits.ts fitPixelRange). */
export class PoissonCurveFitter {
  readonly kernel: WasmFitKernel;

  constructor(maxPoints: number, batchPixels = 0) {
    this.kernel = WasmFitKernel.require(maxPoints, batchPixels);
  }

  /**
   * Fits m points. `start` is modified into the result θ. Parameters with free[k] false stay fixed.
   */
  fit(model: ScurveModel, t: ArrayLike<number>, n: ArrayLike<number>, exposure: ArrayLike<number>, m: number,
    start: Float64Array, free: boolean[], bounds: FitBounds, options: FitOptions = {}): CurveFitResult {
    const { tolerance = DEVIANCE_TOLERANCE, projected = false, curveAtStart } = options;
    const kernel = this.kernel;
    kernel.load(model, t, exposure, n, m);
    let freeBits = 0, nFree = 0;
    for (let k = 0; k < N_PARAMS; k++) if (free[k]) { freeBits |= 1 << k; nFree++; }
    const startGiven = curveAtStart !== undefined && withinBounds(start, bounds);
    if (startGiven) curveAtStart(kernel.nu, kernel.jac);
    const deviance = kernel.fit(start, bounds.lower, bounds.upper, m, freeBits, tolerance, projected, startGiven);
    start.set(kernel.theta);
    return {
      converged: kernel.lastConverged(), theta: kernel.theta.slice(), errors: kernel.errors.slice(),
      atLimit: kernel.lastAtLimit(), deviance, ndf: m - nFree, iterations: kernel.lastIterations(),
    };
  }

  /**
   * ln det of the Fisher matrix of the last fit's free parameters at its result: the volume factor of those
   * parameters when the likelihood is integrated over them (Laplace), as the adjusted profile needs. The fit leaves
   * that very matrix behind, so the model is not evaluated again (NaN when its deviance was not finite).
   */
  logDetFisherOfLastFit(): number {
    return this.kernel.logDetLastFisher();
  }
}

function withinBounds(theta: Float64Array, bounds: FitBounds): boolean {
  for (let k = 0; k < N_PARAMS; k++) if (!(theta[k] >= bounds.lower[k] && theta[k] <= bounds.upper[k])) return false;
  return true;
}
