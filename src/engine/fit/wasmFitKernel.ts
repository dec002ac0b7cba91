// Loader of the WebAssembly fit kernel (src/engine/wasm/fitKernel.ts, built into dist/fitKernel.wasm): the per-point
// loops of PoissonCurveFitter (model ν with its first and second derivatives, deviance, gradient and curvature).
// Every array the loops touch lives in the kernel's memory; the fitter reads and writes them through the views here.
import { KernelModel, N_PARAMS, N_SECOND, ScurveModel } from '../scurveModel';
import { wasmModule } from '../wasmModules';

interface FitKernelExports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  layout(t: number, exposure: number, counts: number, theta: number, nu: number, jac: number, second: number,
    g: number, h: number, o: number, points: number): void;
  setModel(polarity: number, slopeWidth: number, kbetaSeparation: number): void;
  evaluate(m: number, withJacobian: number): void;
  deviance(m: number): number;
  curvature(m: number, withCounts: number, withObserved: number): void;
  erfc(x: number): number;
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
  private readonly exports: FitKernelExports;
  private model?: KernelModel;

  /** A kernel for curves of up to maxPoints points, or undefined when the wasm file is missing (the TypeScript
   *  model serves). */
  static create(maxPoints: number): WasmFitKernel | undefined {
    const compiled = wasmModule(WASM_FILE);
    return compiled ? new WasmFitKernel(compiled, maxPoints) : undefined;
  }

  private constructor(module: WebAssembly.Module, maxPoints: number) {
    const x = this.exports = new WebAssembly.Instance(module, {}).exports as unknown as FitKernelExports;
    const sizes = [maxPoints, maxPoints, maxPoints, N_PARAMS, maxPoints, maxPoints * N_PARAMS, maxPoints * N_SECOND,
      N_PARAMS, N_PARAMS * N_PARAMS, N_PARAMS * N_PARAMS, maxPoints * KERNEL_PER_POINT];
    const addresses = sizes.map(n => x.reserve(8 * Math.max(n, 1)));
    // views only after the last reserve: growing the memory detaches earlier ones
    const views = sizes.map((n, i) => new Float64Array(x.memory.buffer, addresses[i], n));
    [this.t, this.exposure, this.counts, this.theta, this.nu, this.jac, this.second, this.g, this.h, this.observed] = views;
    x.layout(...(addresses as [number, number, number, number, number, number, number, number, number, number, number]));
  }

  /** Makes `model` the kernel's model; false when the model has no kernel form (the caller evaluates it itself). */
  useModel(model: ScurveModel): boolean {
    const k = model.kernel;
    if (!k) return false;
    if (k !== this.model) {
      this.exports.setModel(k.polarity, k.slopeWidth, k.kbetaSeparation);
      this.model = k;
    }
    return true;
  }

  /** Copies a curve's points in: thresholds, exposures and counts. */
  load(t: ArrayLike<number>, exposure: ArrayLike<number>, n: ArrayLike<number>, m: number): void {
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

  /** g, h and (withObserved) observed from ν and its derivatives; withCounts false takes every n/ν as 1. */
  curvature(m: number, withCounts: boolean, withObserved: boolean): void {
    this.exports.curvature(m, withCounts ? 1 : 0, withObserved ? 1 : 0);
  }

  /** The kernel's erfc (tests). */
  erfc(x: number): number {
    return this.exports.erfc(x);
  }
}
