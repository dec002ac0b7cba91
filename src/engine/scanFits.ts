// S-curve fits of every pixel and of the ASIC-summed curve, plus each pixel refitted with the ASIC shape.
// Pixel fits run in worker threads over shared memory: counts in, one row of results per pixel out.
import { ScanFlux } from './flux';
import { ProfiledCurve, profileRise, sigmaPosterior, UPPER_LIMIT_95 } from './fit/profileLikelihood';
import { amplitudeOnlyFit } from './fit/deviance';
import { CurveFitResult, DEVIANCE_TOLERANCE, FitBounds, PoissonCurveFitter } from './poissonFit';
import {
  AMPLITUDE, BACKGROUND, KBETA_RATIO, KBETA_SEPARATION, makeModel, ModelName, MU, N_PARAMS, ScurveModel, scurveModel, SIGMA, SLOPE,
} from './scurveModel';
import { detectPolarity, estimateStart } from './startValues';
import { CHI2_CRITICAL_MARGIN, chi2Critical, chi2Survival } from './statistics';
import { fitWorkerPool } from './fitPool';

export enum PixelStatus { Ok = 0, Masked = 1, Dead = 2, Failed = 3, BadFit = 4, TooFewPoints = 5 }
export { FIT_FLAG_NAMES, STATUS_NAMES } from '../protocol';

/** Bits of a pixel's flags (names in FIT_FLAG_NAMES): bit k for parameter k at a bound (σ at its upper bound only),
 *  and SIGMA_UPPER_LIMIT_FLAG when the edge is not resolved and σ is quoted as an upper limit. */
export const SIGMA_UPPER_LIMIT_FLAG = 1 << 5;

/** p-value below which a converged fit is called bad. */
export const BAD_FIT_P_VALUE = 0.001;

/** Layout of one pixel's row in the shared result array. */
export const R_STATUS = 0, R_THETA = 1, R_ERROR = 6, R_DEVIANCE = 11, R_NDF = 12, R_PVALUE = 13,
  R_SHAPE_DEVIANCE = 14, R_FLAGS = 15, R_SIGMA_UPPER = 16, RESULT_FIELDS = 17;

/**
 * A σ within this many parabolic errors of its lower bound is checked with the profile likelihood: is σ at the bound
 * (standing for 0, an edge sharper than the step) excluded at 95 %? Further away the parabola is safe enough.
 */
const SIGMA_SCREEN_ERRORS = 3;
/** A profile point this far below the fit's deviance means the fit found a local minimum, not the global one. */
const LOCAL_MINIMUM_MARGIN = 0.05;

export interface FitSettings {
  model: ModelName;
  polarity: 'auto' | 1 | -1;
  fitRange?: [number, number];
  workers: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** The points of the scan that enter the fits: thresholds in range with a non-zero exposure. */
export interface FitPoints {
  thresholdIndex: number[];
  thresholds: Float64Array;
  exposure: Float64Array;
}

export function selectFitPoints(flux: ScanFlux, fitRange?: [number, number]): FitPoints {
  const thresholdIndex: number[] = [];
  flux.perThreshold.forEach((t, i) => {
    if (t.exposure > 0 && (!fitRange || (t.threshold >= fitRange[0] && t.threshold <= fitRange[1]))) thresholdIndex.push(i);
  });
  return {
    thresholdIndex,
    thresholds: Float64Array.from(thresholdIndex, i => flux.thresholds[i]),
    exposure: Float64Array.from(thresholdIndex, i => flux.perThreshold[i].exposure),
  };
}

export function fitBounds(thresholds: ArrayLike<number>): FitBounds {
  const m = thresholds.length;
  const lo = thresholds[0], hi = thresholds[m - 1], range = Math.max(hi - lo, 1);
  const lower = new Float64Array(N_PARAMS), upper = new Float64Array(N_PARAMS);
  lower[MU] = lo - 0.5 * range; upper[MU] = hi + 0.5 * range;
  // an edge much sharper than the threshold step is not resolvable: keep σ ≥ step/4
  lower[SIGMA] = Math.max(range * 1e-3, range / Math.max(m - 1, 1) / 4); upper[SIGMA] = range;
  lower[AMPLITUDE] = 0; upper[AMPLITUDE] = Infinity;
  lower[SLOPE] = -Infinity; upper[SLOPE] = Infinity;
  lower[BACKGROUND] = 0; upper[BACKGROUND] = Infinity;
  return { lower, upper };
}

/** Everything a fit worker needs; typed arrays on SharedArrayBuffers are shared, not copied. */
export interface PixelFitJob {
  model: ModelName;
  polarity: 1 | -1;
  thresholds: Float64Array;
  exposure: Float64Array;
  /** Counts by fit point: counts[j][p] (the flux's own arrays when shared). */
  counts: Float64Array[];
  mask: Uint8Array;
  results: Float64Array;
  /** ASIC flux shape at the fit points, per unit of amplitude scale (for the amplitude-only refit). */
  asicShape: Float64Array;
  /** ASIC fit parameters: with the amplitude-only scale they give every pixel a start close to its optimum. */
  asicTheta: Float64Array;
  /** A pixel fit's deviance below this is surely not a bad fit (p ≥ BAD_FIT_P_VALUE; NaN without degrees of
   *  freedom): the fit kernel's batches decide by it, the rest is left to the exact p-value. */
  surelyGoodBelow: number;
}

export interface PixelRange { start: number; end: number }

/** Pixels per batch of the fit kernel's common path (a fit thread's fitter is made for batches of this size). */
export const PIXEL_BATCH = 1024;

/** Fits pixels [start, end) of a job, writing their result rows. Used by fitWorker and inline.
 *  With a fitter made for batches (PIXEL_BATCH), the fit kernel takes each pixel as far as most go (fitPixels in
 *  src/engine/wasm/fitKernel.ts: statuses, amplitude-only fit, the fit from the scaled ASIC curve, the row) and
 *  leaves the others to RangeFit.fitOnHost, which is also the whole path without a batch (the reference).
 *  Returns the milliseconds spent on profile-likelihood limits (reported apart by the benchmark). */
export function fitPixelRange(job: PixelFitJob, range: PixelRange, fitter = new PoissonCurveFitter(job.thresholds.length, PIXEL_BATCH)): number {
  const pixels = new RangeFit(job, fitter);
  const { kernel } = fitter, { batch } = kernel;
  if (batch.pixels === 0) {
    for (let p = range.start; p < range.end; p++) pixels.fitOnHost(p);
    return pixels.profileMs;
  }
  const m = job.thresholds.length, results = job.results;
  batch.startNu.set(pixels.asicStart.nu);
  batch.startJac.set(pixels.asicStart.jac);
  batch.asicTheta.set(job.asicTheta);
  batch.shape.set(job.asicShape);
  for (let s = range.start; s < range.end; s += batch.pixels) {
    const e = Math.min(range.end, s + batch.pixels), count = e - s;
    gatherCounts(job.counts, s, e, batch.counts);
    batch.mask.set(job.mask.subarray(s, e));
    // the pixels left to the host fit with the kernel in between: its model, points and bounds are set per batch
    kernel.setPixelFit(pixels.model, job.thresholds, job.exposure, m, pixels.bounds.lower, pixels.bounds.upper, pixels.freeBits,
      DEVIANCE_TOLERANCE, job.surelyGoodBelow);
    kernel.fitPixels(count, m);
    results.set(batch.rows.subarray(0, count * RESULT_FIELDS), s * RESULT_FIELDS);
    for (let p = s, o = s * RESULT_FIELDS; p < e; p++, o += RESULT_FIELDS) {
      if (results[o + R_STATUS] === PIXEL_ON_HOST) {
        pixels.fitOnHost(p, { scale: results[o + R_SIGMA_UPPER], deviance: results[o + R_SHAPE_DEVIANCE] });
      }
    }
  }
  return pixels.profileMs;
}

/** Pixels [start, end) of counts by point into `into`, pixel-major (into[(p − start)·m + j]); returns `into`. */
function gatherCounts(counts: Float64Array[], start: number, end: number, into: Float64Array): Float64Array {
  const m = counts.length;
  for (let j = 0; j < m; j++) {
    const c = counts[j];
    for (let p = start, o = j; p < end; p++, o += m) into[o] = c[p];
  }
  return into;
}

/** Status in a row of the fit kernel's batch: the pixel is left to RangeFit.fitOnHost (scale in R_SIGMA_UPPER). */
const PIXEL_ON_HOST = -1;

/** One range's pixels fitted in TypeScript around the fit kernel (the reference path, and the kernel batch's
 *  pixels that need more than its common path: fallbacks, bad fits, unresolved edges). */
class RangeFit {
  readonly model: ScurveModel;
  readonly bounds: FitBounds;
  readonly asicStart: ScaledAsicCurve;
  readonly nFree: number;
  /** Bit k: parameter k free. */
  readonly freeBits: number;
  profileMs = 0;
  private readonly theta = new Float64Array(N_PARAMS);
  private readonly scratch: Float64Array;
  /** The counts of the pixel being fitted. */
  private readonly pixelCounts: Float64Array;

  constructor(readonly job: PixelFitJob, readonly fitter: PoissonCurveFitter) {
    this.model = makeModel(job.model, job.polarity);
    this.bounds = fitBounds(job.thresholds);
    this.asicStart = new ScaledAsicCurve(this.model, job);
    this.nFree = countFree(this.model);
    this.freeBits = this.model.free.reduce((bits, f, k) => (f ? bits | (1 << k) : bits), 0);
    this.scratch = new Float64Array(job.thresholds.length);
    this.pixelCounts = new Float64Array(job.thresholds.length);
  }

  /** Fits pixel p and writes its row; `shape`: its amplitude-only fit, when known already. */
  fitOnHost(p: number, shape?: { scale: number; deviance: number }): void {
    const { job, fitter, model, bounds } = this;
    const m = job.thresholds.length;
    const row = job.results.subarray(p * RESULT_FIELDS, (p + 1) * RESULT_FIELDS);
    row.fill(NaN);
    row[R_FLAGS] = 0;
    const n = gatherCounts(job.counts, p, p + 1, this.pixelCounts);
    if (job.mask[p]) { row[R_STATUS] = PixelStatus.Masked; return; }
    let total = 0, nonZero = 0;
    for (let j = 0; j < m; j++) { total += n[j]; if (n[j] > 0) nonZero++; }
    if (total === 0) { row[R_STATUS] = PixelStatus.Dead; return; }
    if (m <= this.nFree || nonZero < 3) { row[R_STATUS] = PixelStatus.TooFewPoints; return; }
    shape ??= amplitudeOnlyFit(n, job.exposure, job.asicShape, m);
    let fit = fitPixelCurve(fitter, model, job, n, this.asicStart.at(shape.scale), bounds, this.theta, this.scratch);
    let limit: EdgeLimit | undefined;
    if (fit.converged) {
      const t0 = performance.now();
      const edge = resolveEdge({ fitter, model, t: job.thresholds, n, exposure: job.exposure, m, bounds, best: fit.theta,
        bestDeviance: fit.deviance }, fit);
      fit = edge.fit;
      limit = edge.limit;
      this.profileMs += performance.now() - t0;
    }
    writeFitRow(row, fit, fitter);
    row[R_SHAPE_DEVIANCE] = shape.deviance;
    if (limit && row[R_STATUS] !== PixelStatus.Failed) {
      row[R_FLAGS] = (row[R_FLAGS] & ~(1 << SIGMA)) | SIGMA_UPPER_LIMIT_FLAG;
      row[R_SIGMA_UPPER] = limit.sigmaUpper;
      row[R_ERROR + MU] = limit.muError;
    }
  }
}

export interface EdgeLimit {
  /** 95 % upper limit of σ. */
  sigmaUpper: number;
  /** μ's error with σ integrated out (the fit's parabolic error belongs to its too-sharp edge). */
  muError: number;
}

/**
 * The unresolved edge: σ at its lower bound, or the profile likelihood unable to exclude the bound (which stands for
 * σ = 0, an edge sharper than the threshold step) at 95 %. Then σ is reported as its 95 % upper limit and μ's error
 * with σ integrated out (sigmaPosterior): the fit's parabolic error belongs to its too-sharp edge.
 * The profile at the bound can also reveal that the fit stopped in the wider of two minima (a sharp edge one step
 * further fits better): the fit then moves there.
 */
export function resolveEdge(c: ProfiledCurve, fit: CurveFitResult): { fit: CurveFitResult; limit?: EdgeLimit } {
  const lower = c.bounds.lower[SIGMA], error = fit.errors[SIGMA];
  if (fit.theta[SIGMA] - lower > SIGMA_SCREEN_ERRORS * error) return { fit };
  if (fit.theta[SIGMA] > lower) { // one profile point decides most pixels
    const warm = Float64Array.from(fit.theta);
    const rise = profileRise(c, SIGMA, lower, warm);
    if (rise < -LOCAL_MINIMUM_MARGIN) return refitFrom(c, fit, warm) ?? { fit };
    if (rise >= UPPER_LIMIT_95) return { fit };
  }
  const posterior = sigmaPosterior(c, SIGMA, error > lower ? error : lower, MU);
  if (posterior.better) {
    const better = refitFrom(c, fit, posterior.better);
    if (better) return better;
  }
  if (posterior.riseAtBound >= UPPER_LIMIT_95) return { fit };
  return { fit, limit: { sigmaUpper: posterior.high, muError: posterior.followSd } };
}

/** The fit stopped in a local minimum: fit again from a better point and resolve the edge there. */
function refitFrom(c: ProfiledCurve, fit: CurveFitResult, start: Float64Array): { fit: CurveFitResult; limit?: EdgeLimit } | undefined {
  const refit = c.fitter.fit(c.model, c.t, c.n, c.exposure, c.m, start, c.model.free, c.bounds);
  if (!refit.converged || !(refit.deviance < fit.deviance - LOCAL_MINIMUM_MARGIN)) return undefined;
  c.best = refit.theta;
  c.bestDeviance = refit.deviance;
  return resolveEdge(c, refit);
}

/**
 * Two stages: the edge first with the slope held at 0 (at low counts a free slope can trade places with a
 * too-sharp edge and trap the fit in a local minimum), then every parameter free from there. Models other than
 * `scurve` start from the converged scurve: the same edge, width and heights.
 */
export function fitCurve(fitter: PoissonCurveFitter, model: ScurveModel, t: Float64Array, n: ArrayLike<number>,
  exposure: Float64Array, m: number, polarity: 1 | -1, bounds: FitBounds, theta: Float64Array = new Float64Array(N_PARAMS),
  scratch: Float64Array = new Float64Array(m)): CurveFitResult {
  estimateStart(t, n, exposure, m, polarity, theta, scratch);
  const scurve = model.name === 'scurve' ? model : scurveModel(polarity);
  const edgeOnly = scurve.free.map((f, k) => f && k !== SLOPE);
  fitter.fit(scurve, t, n, exposure, m, theta, edgeOnly, bounds, { tolerance: 1e-2 }); // a rough edge is enough to start from
  const fit = fitter.fit(scurve, t, n, exposure, m, theta, scurve.free, bounds);
  if (model === scurve) return fit;
  startFromScurve(model, polarity, theta);
  return fitter.fit(model, t, n, exposure, m, theta, model.free, bounds);
}

/** Turns a converged scurve θ into a start for `model` (in place). */
function startFromScurve(model: ScurveModel, polarity: 1 | -1, theta: Float64Array): void {
  if (model.name !== 'kbeta') return; // seed models share the scurve's parameters (see seedModel)
  // The K-beta step adds KBETA_RATIO of the K-alpha plateau just beyond the edge: the scurve saw both as one.
  theta[AMPLITUDE] /= 1 + KBETA_RATIO;
  theta[SLOPE] /= 1 + KBETA_RATIO;
  theta[MU] -= polarity * KBETA_SEPARATION * KBETA_RATIO / (1 + KBETA_RATIO);
}

/**
 * The ASIC curve scaled to a pixel: θ_ASIC with the heights (amplitude, slope, background) × k. The model is linear
 * in the heights, so its ν and Jacobian there are the ASIC's, computed once, with the μ and σ columns × k: a pixel's
 * fit starts there without evaluating the model.
 */
export class ScaledAsicCurve {
  /** ν and the Jacobian of the ASIC curve itself (k = 1). */
  readonly nu: Float64Array;
  readonly jac: Float64Array;
  /** The pixel's amplitude-only scale k (set by at()). */
  scale = NaN;
  /** ν and the Jacobian at the start (the fit's curveAtStart). */
  readonly fill = (nu: Float64Array, jac: Float64Array) => {
    const k = this.scale, m = this.nu.length;
    for (let j = 0; j < m; j++) nu[j] = k * this.nu[j];
    for (let o = 0; o < m * N_PARAMS; o += N_PARAMS) {
      jac[o + MU] = k * this.jac[o + MU];
      jac[o + SIGMA] = k * this.jac[o + SIGMA];
      jac[o + AMPLITUDE] = this.jac[o + AMPLITUDE];
      jac[o + SLOPE] = this.jac[o + SLOPE];
      jac[o + BACKGROUND] = this.jac[o + BACKGROUND];
    }
  };

  constructor(model: ScurveModel, readonly job: PixelFitJob) {
    const m = job.thresholds.length;
    this.nu = new Float64Array(m);
    this.jac = new Float64Array(m * N_PARAMS);
    model.evaluateCurve(job.thresholds, job.exposure, m, job.asicTheta, this.nu, this.jac);
  }

  /** This curve at scale k (the pixel's amplitude-only fit). */
  at(scale: number): this {
    this.scale = scale;
    return this;
  }

  /** Writes the start θ into theta. */
  startInto(theta: Float64Array): void {
    const a = this.job.asicTheta, k = this.scale;
    theta[MU] = a[MU];
    theta[SIGMA] = a[SIGMA];
    theta[AMPLITUDE] = k * a[AMPLITUDE];
    theta[SLOPE] = k * a[SLOPE];
    theta[BACKGROUND] = k * a[BACKGROUND];
  }
}

/**
 * A pixel starts from the ASIC curve scaled to it (ScaledAsicCurve: no model evaluation at the start); one full fit
 * from there converges in a few steps. Falls back to the two-stage fit from the pixel's own start values when the
 * scale is unusable or that fit fails or fits badly.
 */
function fitPixelCurve(fitter: PoissonCurveFitter, model: ScurveModel, job: PixelFitJob, n: ArrayLike<number>,
  asicStart: ScaledAsicCurve, bounds: FitBounds, theta: Float64Array, scratch: Float64Array): CurveFitResult {
  const m = job.thresholds.length;
  if (asicStart.scale > 0 && Number.isFinite(asicStart.scale)) {
    asicStart.startInto(theta);
    const fit = fitter.fit(model, job.thresholds, n, job.exposure, m, theta, model.free, bounds, { curveAtStart: asicStart.fill });
    if (fit.converged && Number.isFinite(fit.errors[MU])) {
      if (!(fitPValue(fit, fitter) < BAD_FIT_P_VALUE)) return fit;
      // a bad fit from the ASIC start may be a wrong minimum (e.g. a very wide edge): the pixel's own start decides
      const own = fitCurve(fitter, model, job.thresholds, n, job.exposure, m, job.polarity, bounds, theta, scratch);
      return own.converged && own.deviance < fit.deviance ? own : fit;
    }
  }
  return fitCurve(fitter, model, job.thresholds, n, job.exposure, m, job.polarity, bounds, theta, scratch);
}

export function countFree(model: ScurveModel): number {
  return model.free.filter(Boolean).length;
}

/** The χ² p-value of a fit, remembered for the last fit asked (the pixel's fit is judged, then written). */
function fitPValue(fit: CurveFitResult, fitter: PoissonCurveFitter): number {
  if (fit !== lastPValue.fit) lastPValue = { fit, p: fitter.kernel.chi2Survival(fit.deviance, fit.ndf) };
  return lastPValue.p;
}
let lastPValue: { fit?: CurveFitResult; p: number } = { p: NaN };

/** Status from convergence and p-value (a parameter at a bound is a result, not a failure), flags from the bounds. */
function writeFitRow(row: Float64Array, fit: CurveFitResult, fitter: PoissonCurveFitter): void {
  for (let k = 0; k < N_PARAMS; k++) { row[R_THETA + k] = fit.theta[k]; row[R_ERROR + k] = fit.errors[k]; }
  row[R_DEVIANCE] = fit.deviance;
  row[R_NDF] = fit.ndf;
  row[R_PVALUE] = fitPValue(fit, fitter);
  row[R_FLAGS] = fit.atLimit;
  let errorsOk = true;
  for (let k = 0; k < N_PARAMS; k++) if (!Number.isFinite(fit.errors[k])) errorsOk = false;
  if (!fit.converged || !errorsOk) row[R_STATUS] = PixelStatus.Failed;
  else row[R_STATUS] = row[R_PVALUE] < BAD_FIT_P_VALUE ? PixelStatus.BadFit : PixelStatus.Ok;
}


export interface AsicFit {
  model: ModelName;
  polarity: 1 | -1;
  fit: CurveFitResult;
  pValue: number;
  unmaskedPixels: number;
}

export interface ScanFitResult {
  points: FitPoints;
  asic: AsicFit;
  results: Float64Array;
  shape: { rows: number; cols: number };
  /** Time spent on profile-likelihood limits, summed over worker threads. */
  profileSeconds: number;
}

export function fitAsicCurve(flux: ScanFlux, points: FitPoints, modelName: ModelName, polarity: 'auto' | 1 | -1): AsicFit {
  const m = points.thresholds.length;
  const counts = Float64Array.from(points.thresholdIndex, i => flux.perThreshold[i].asicCounts);
  const asicFlux = Float64Array.from(points.thresholdIndex, i => flux.perThreshold[i].asicFlux);
  const p = polarity === 'auto' ? detectPolarity(points.thresholds, asicFlux, m) : polarity;
  const model = makeModel(modelName, p);
  const fit = fitCurve(new PoissonCurveFitter(m), model, points.thresholds, counts, points.exposure, m, p, fitBounds(points.thresholds));
  return {
    model: modelName, polarity: p, fit, pValue: chi2Survival(fit.deviance, fit.ndf),
    unmaskedPixels: flux.mask.length - flux.maskedPixels,
  };
}

/** The pixel fits' job: the counts at the fit points, mask and result rows, all shared with the fit threads (the
 *  flux's counts as they are when the flux threads made them shared, else copied), and the ASIC fit the pixels
 *  start from. */
export function pixelFitJob(flux: ScanFlux, points: FitPoints, asic: AsicFit): PixelFitJob {
  const nPixels = flux.mask.length;
  const model = makeModel(asic.model, asic.polarity);
  const asicShape = Float64Array.from(points.thresholds, t => model.evaluate(t, asic.fit.theta));
  const ndf = points.thresholds.length - countFree(model);
  const mask = new Uint8Array(new SharedArrayBuffer(nPixels));
  mask.set(flux.mask);
  return {
    model: asic.model, polarity: asic.polarity, thresholds: points.thresholds, exposure: points.exposure,
    counts: points.thresholdIndex.map(i => sharedArray(flux.counts[i])), mask,
    results: new Float64Array(new SharedArrayBuffer(nPixels * RESULT_FIELDS * 8)), asicShape, asicTheta: asic.fit.theta,
    surelyGoodBelow: chi2Critical(BAD_FIT_P_VALUE, ndf) * (1 - CHI2_CRITICAL_MARGIN),
  };
}

/** `values` when it is on shared memory, else a copy there. */
function sharedArray(values: Float64Array): Float64Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const copy = new Float64Array(new SharedArrayBuffer(values.length * 8));
  copy.set(values);
  return copy;
}

export async function fitScan(flux: ScanFlux, settings: FitSettings): Promise<ScanFitResult> {
  const points = selectFitPoints(flux, settings.fitRange);
  const m = points.thresholds.length;
  const nPixels = flux.mask.length;
  if (m < 2) throw new Error(`only ${m} threshold(s) with good acquisitions in the fit range: nothing to fit`);
  const asic = fitAsicCurve(flux, points, settings.model, settings.polarity);
  const job = pixelFitJob(flux, points, asic);
  const chunk = 1024;
  const ranges: PixelRange[] = [];
  for (let s = 0; s < nPixels; s += chunk) ranges.push({ start: s, end: Math.min(nPixels, s + chunk) });
  let done = 0, profileMs = 0;
  const onDone = (ms: number, r: PixelRange) => { done += r.end - r.start; profileMs += ms; settings.onProgress?.(done, nPixels); };
  if (settings.workers <= 0) {
    const fitter = new PoissonCurveFitter(m, PIXEL_BATCH);
    for (const r of ranges) {
      if (settings.signal?.aborted) throw new Error('cancelled');
      onDone(fitPixelRange(job, r, fitter), r);
    }
  } else {
    await fitWorkerPool(settings.workers).run(job, ranges, settings.signal, onDone);
  }
  return { points, asic, results: job.results, shape: flux.shape, profileSeconds: profileMs / 1000 };
}
