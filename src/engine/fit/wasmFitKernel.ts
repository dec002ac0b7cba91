// Loader of the WebAssembly fit kernel (src/engine/wasm/fitKernel.ts, built into dist/fitKernel.wasm): the curve fit
// of PoissonCurveFitter with the models' ν and derivatives, deviance, gradient and curvature. Every array the kernel
// touches lives in its memory; the fitter and the tests read and write them through the views here.
import { KernelModel, N_PARAMS, N_SECOND, ScurveModel } from '../scurveModel';
import { wasmExports } from '../wasmModules';

interface FitKernelExports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  layout(t: number, exposure: number, counts: number, theta: number, nu: number, jac: number, second: number,
    g: number, h: number, o: number, points: number): void;
  setModel(polarity: number, slopeWidth: number, kbetaSeparation: number): void;
  evaluate(m: number, withJacobian: number): void;
  deviance(m: number): number;
  curvature(m: number, withObserved: number): void;
  erfc(x: number): number;
  fitLayout(lower: number, upper: number, trial: number, freeG: number, freeH: number, freeO: number, a: number,
    step: number, inverse: number, errors: number, freeIndex: number, moving: number): void;
  fit(m: number, freeBits: number, tolerance: number, projected: number, startGiven: number): number;
  lastConverged(): number;
  lastIterations(): number;
  lastAtLimit(): number;
  logDetLastFisher(): number;
}

const WASM_FILE = 'fitKernel.wasm';
/** Values per point the kernel keeps between evaluate and curvature (PER_POINT in fitKernel.ts). */
const KERNEL_PER_POINT = 7;

export class WasmFitKernel {
  readonly t: Float64Array;
  readonly exposure: Float64Array;
  readonly counts: Float64Array;
  readonly theta: Float64Array;
  readonly nu: Float64Array;
  /** Point-major Jacobian, jac[j·5 + k]. */
  readonly jac: Float64Array;
  /** Point-major second derivatives, second[j·N_SECOND + q] (SECOND_PAIRS), filled by curvature() withObserved. */
  readonly second: Float64Array;
  /** Gradient of D/2, Fisher matrix and observed Hessian over all five parameters (curvature()). */
  readonly g: Float64Array;
  readonly h: Float64Array;
  readonly observed: Float64Array;
  /** The last fit's bounds and errors. */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly errors: Float64Array;
  private readonly exports: FitKernelExports;
  private model?: KernelModel;

  /** A kernel for curves of up to maxPoints points, or undefined when the wasm file is missing. */
  static create(maxPoints: number): WasmFitKernel | undefined {
    const exports = wasmExports<FitKernelExports>(WASM_FILE);
    return exports && new WasmFitKernel(exports, maxPoints);
  }

  /** create(), or an error saying the build is incomplete. */
  static require(maxPoints: number): WasmFitKernel {
    const kernel = WasmFitKernel.create(maxPoints);
    if (!kernel) throw new Error(`${WASM_FILE} not found next to the engine: the build is incomplete (npm run build)`);
    return kernel;
  }

  private constructor(exports: FitKernelExports, maxPoints: number) {
    const x = this.exports = exports;
    const sizes = [maxPoints, maxPoints, maxPoints, N_PARAMS, maxPoints, maxPoints * N_PARAMS, maxPoints * N_SECOND,
      N_PARAMS, N_PARAMS * N_PARAMS, N_PARAMS * N_PARAMS, maxPoints * KERNEL_PER_POINT];
    // the fit's scratch: bounds, trial θ, free gradient/Fisher/observed, step matrix and vector, inverse, errors,
    // and two index lists (i32, 8 bytes each here)
    const fitSizes = [N_PARAMS, N_PARAMS, N_PARAMS, N_PARAMS, N_PARAMS * N_PARAMS, N_PARAMS * N_PARAMS,
      N_PARAMS * N_PARAMS, N_PARAMS, N_PARAMS * N_PARAMS, N_PARAMS, N_PARAMS, N_PARAMS];
    const addresses = sizes.map(n => x.reserve(8 * Math.max(n, 1)));
    const fitAddresses = fitSizes.map(n => x.reserve(8 * n));
    // views only after the last reserve: growing the memory detaches earlier ones
    const view = (address: number, n: number) => new Float64Array(x.memory.buffer, address, n);
    [this.t, this.exposure, this.counts, this.theta, this.nu, this.jac, this.second, this.g, this.h, this.observed] =
      sizes.map((n, i) => view(addresses[i], n));
    this.lower = view(fitAddresses[0], N_PARAMS);
    this.upper = view(fitAddresses[1], N_PARAMS);
    this.errors = view(fitAddresses[9], N_PARAMS);
    x.layout(...(addresses as [number, number, number, number, number, number, number, number, number, number, number]));
    x.fitLayout(...(fitAddresses as [number, number, number, number, number, number, number, number, number, number, number, number]));
  }

  /** Makes `model` the kernel's model and copies a curve's points in: thresholds, exposures and counts. */
  load(model: ScurveModel, t: ArrayLike<number>, exposure: ArrayLike<number>, n: ArrayLike<number>, m: number): void {
    const k = model.kernel;
    if (k !== this.model) {
      this.exports.setModel(k.polarity, k.slopeWidth, k.kbetaSeparation);
      this.model = k;
    }
    if (!(m <= this.t.length)) throw new Error(`a curve of ${m} points given to a fit kernel for ${this.t.length}`);
    for (let j = 0; j < m; j++) { this.t[j] = t[j]; this.exposure[j] = exposure[j]; this.counts[j] = n[j]; }
  }

  /** ν (and, withJacobian, its first and second derivatives) at θ. */
  evaluate(theta: ArrayLike<number>, m: number, withJacobian: boolean): void {
    const k = this.theta;
    k[0] = theta[0]; k[1] = theta[1]; k[2] = theta[2]; k[3] = theta[3]; k[4] = theta[4];
    this.exports.evaluate(m, withJacobian ? 1 : 0);
  }

  /** Deviance of ν against the loaded counts (Infinity when some ν is impossible). */
  deviance(m: number): number {
    return this.exports.deviance(m);
  }

  /** g, h and (withObserved) observed from ν and its derivatives and the loaded counts. */
  curvature(m: number, withObserved: boolean): void {
    this.exports.curvature(m, withObserved ? 1 : 0);
  }

  /**
   * Fits the loaded curve from `start` (see PoissonCurveFitter.fit; startGiven: ν and the Jacobian at the start are
   * filled in already). Returns the deviance; θ and the errors are left in `theta` and `errors`.
   */
  fit(start: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>, m: number, freeBits: number,
    tolerance: number, projected: boolean, startGiven: boolean): number {
    for (let k = 0; k < N_PARAMS; k++) { this.theta[k] = start[k]; this.lower[k] = lower[k]; this.upper[k] = upper[k]; }
    return this.exports.fit(m, freeBits, tolerance, projected ? 1 : 0, startGiven ? 1 : 0);
  }

  lastConverged(): boolean { return this.exports.lastConverged() !== 0; }
  lastIterations(): number { return this.exports.lastIterations(); }
  /** Bit k: parameter k ended at a bound. */
  lastAtLimit(): number { return this.exports.lastAtLimit(); }
  /** ln det of the last fit's free Fisher matrix at its result (NaN: it left none). */
  logDetLastFisher(): number { return this.exports.logDetLastFisher(); }

  /** The kernel's erfc (tests). */
  erfc(x: number): number {
    return this.exports.erfc(x);
  }
}
