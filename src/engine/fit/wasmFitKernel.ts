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
  pixelLayout(startNu: number, startJac: number, asicTheta: number, shape: number, counts: number, mask: number, rows: number): void;
  setPixelFit(freeBits: number, tolerance: number, goodBelow: number): void;
  fitPixels(count: number, m: number): void;
  chi2Survival(x: number, ndf: number): number;
}

/** Fields of a pixel's result row (scanFits.ts RESULT_FIELDS). */
const PIXEL_ROW_FIELDS = 17;

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
  /** The pixel batch (fitPixels; empty without one): the ASIC curve's ν, Jacobian and θ, the ASIC shape per unit
   *  scale, the pixels' counts (pixel-major), mask bytes and result rows. */
  readonly batch: {
    pixels: number; startNu: Float64Array; startJac: Float64Array; asicTheta: Float64Array; shape: Float64Array;
    counts: Float64Array; mask: Uint8Array; rows: Float64Array;
  };
  private readonly exports: FitKernelExports;
  private model?: KernelModel;

  /** A kernel for curves of up to maxPoints points (and batches of up to batchPixels pixels of fitPixels), or
   *  undefined when the wasm file is missing. */
  static create(maxPoints: number, batchPixels = 0): WasmFitKernel | undefined {
    const exports = wasmExports<FitKernelExports>(WASM_FILE);
    return exports && new WasmFitKernel(exports, maxPoints, batchPixels);
  }

  /** create(), or an error saying the build is incomplete. */
  static require(maxPoints: number, batchPixels = 0): WasmFitKernel {
    const kernel = WasmFitKernel.create(maxPoints, batchPixels);
    if (!kernel) throw new Error(`${WASM_FILE} not found next to the engine: the build is incomplete (npm run build)`);
    return kernel;
  }

  private constructor(exports: FitKernelExports, maxPoints: number, batchPixels: number) {
    const x = this.exports = exports;
    const sizes = [maxPoints, maxPoints, maxPoints, N_PARAMS, maxPoints, maxPoints * N_PARAMS, maxPoints * N_SECOND,
      N_PARAMS, N_PARAMS * N_PARAMS, N_PARAMS * N_PARAMS, maxPoints * KERNEL_PER_POINT];
    // the fit's scratch: bounds, trial θ, free gradient/Fisher/observed, step matrix and vector, inverse, errors,
    // and two index lists (i32, 8 bytes each here)
    const fitSizes = [N_PARAMS, N_PARAMS, N_PARAMS, N_PARAMS, N_PARAMS * N_PARAMS, N_PARAMS * N_PARAMS,
      N_PARAMS * N_PARAMS, N_PARAMS, N_PARAMS * N_PARAMS, N_PARAMS, N_PARAMS, N_PARAMS];
    const addresses = sizes.map(n => x.reserve(8 * Math.max(n, 1)));
    const fitAddresses = fitSizes.map(n => x.reserve(8 * n));
    const batchSizes = [maxPoints, maxPoints * N_PARAMS, N_PARAMS, maxPoints, batchPixels * maxPoints, batchPixels / 8,
      batchPixels * PIXEL_ROW_FIELDS];
    const batchAddresses = batchSizes.map(n => x.reserve(8 * Math.max(Math.ceil(n), 1)));
    // views only after the last reserve: growing the memory detaches earlier ones
    const view = (address: number, n: number) => new Float64Array(x.memory.buffer, address, n);
    [this.t, this.exposure, this.counts, this.theta, this.nu, this.jac, this.second, this.g, this.h, this.observed] =
      sizes.map((n, i) => view(addresses[i], n));
    this.lower = view(fitAddresses[0], N_PARAMS);
    this.upper = view(fitAddresses[1], N_PARAMS);
    this.errors = view(fitAddresses[9], N_PARAMS);
    const [startNu, startJac, asicTheta, shape, counts, mask, rows] = batchAddresses;
    this.batch = {
      pixels: batchPixels, startNu: view(startNu, maxPoints), startJac: view(startJac, maxPoints * N_PARAMS),
      asicTheta: view(asicTheta, N_PARAMS), shape: view(shape, maxPoints), counts: view(counts, batchPixels * maxPoints),
      mask: new Uint8Array(x.memory.buffer, mask, batchPixels), rows: view(rows, batchPixels * PIXEL_ROW_FIELDS),
    };
    x.layout(...(addresses as [number, number, number, number, number, number, number, number, number, number, number]));
    x.fitLayout(...(fitAddresses as [number, number, number, number, number, number, number, number, number, number, number, number]));
    x.pixelLayout(...(batchAddresses as [number, number, number, number, number, number, number]));
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

  /**
   * Readies the batch's fits (fitPixels): `model` and the fit points, the bounds, the free parameters, the deviance
   * tolerance and the deviance below which a fit is surely not bad. The ASIC curve and shape go into `batch`.
   */
  setPixelFit(model: ScurveModel, t: ArrayLike<number>, exposure: ArrayLike<number>, m: number, lower: ArrayLike<number>,
    upper: ArrayLike<number>, freeBits: number, tolerance: number, goodBelow: number): void {
    this.load(model, t, exposure, this.counts, m);
    for (let k = 0; k < N_PARAMS; k++) { this.lower[k] = lower[k]; this.upper[k] = upper[k]; }
    this.exports.setPixelFit(freeBits, tolerance, goodBelow);
  }

  /** Fits the first `count` pixels of the batch (counts and mask in `batch`) as far as the kernel goes: their rows in
   *  batch.rows (their p-values by chi2Survival), status -1 for a pixel it leaves to the caller (its amplitude-only
   *  scale in field 16). */
  fitPixels(count: number, m: number): void {
    if (!(count <= this.batch.pixels)) throw new Error(`${count} pixels given to a fit kernel batch of ${this.batch.pixels}`);
    this.exports.fitPixels(count, m);
  }

  lastConverged(): boolean { return this.exports.lastConverged() !== 0; }
  lastIterations(): number { return this.exports.lastIterations(); }
  /** Bit k: parameter k ended at a bound. */
  lastAtLimit(): number { return this.exports.lastAtLimit(); }
  /** ln det of the last fit's free Fisher matrix at its result (NaN: it left none). */
  logDetLastFisher(): number { return this.exports.logDetLastFisher(); }

  /** P(χ²_ndf ≥ x) for a whole ndf (the p-value the kernel writes into its rows; statistics.ts chi2Survival, tested
   *  against it). */
  chi2Survival(x: number, ndf: number): number {
    return this.exports.chi2Survival(x, ndf);
  }

  /** The kernel's erfc (tests). */
  erfc(x: number): number {
    return this.exports.erfc(x);
  }
}
