// S-curve fits of every pixel and of the ASIC-summed curve, plus each pixel refitted with the ASIC shape.
// Pixel fits run in worker threads over shared memory: counts in, one row of results per pixel out.
import { ScanFlux } from './flux';
import { amplitudeOnlyFit, CurveFitResult, FitBounds, PoissonCurveFitter } from './poissonFit';
import {
  AMPLITUDE, BACKGROUND, makeModel, ModelName, MU, N_PARAMS, ScurveModel, SIGMA, SLOPE,
} from './scurveModel';
import { detectPolarity, estimateStart } from './startValues';
import { chi2Survival } from './statistics';
import { runInWorkers, workerScript } from './workerPool';

export enum PixelStatus { Ok = 0, Masked = 1, Dead = 2, Failed = 3, BadFit = 4, TooFewPoints = 5 }
export { STATUS_NAMES } from '../protocol';

/** p-value below which a converged fit is called bad. */
export const BAD_FIT_P_VALUE = 0.001;

/** Layout of one pixel's row in the shared result array. */
export const R_STATUS = 0, R_THETA = 1, R_ERROR = 6, R_DEVIANCE = 11, R_NDF = 12, R_PVALUE = 13,
  R_SHAPE_DEVIANCE = 14, RESULT_FIELDS = 15;

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
  /** Pixel-major counts: counts[p*m + j]. */
  counts: Float64Array;
  mask: Uint8Array;
  results: Float64Array;
  /** ASIC flux shape at the fit points, per unit of amplitude scale (for the amplitude-only refit). */
  asicShape: Float64Array;
  /** ASIC fit parameters: with the amplitude-only scale they give every pixel a start close to its optimum. */
  asicTheta: Float64Array;
}

export interface PixelRange { start: number; end: number }

/** Fits pixels [start, end) of a job, writing their result rows. Used by fitWorker and inline. */
export function fitPixelRange(job: PixelFitJob, range: PixelRange, fitter = new PoissonCurveFitter(job.thresholds.length)): void {
  const m = job.thresholds.length;
  const model = makeModel(job.model, job.polarity);
  const bounds = fitBounds(job.thresholds);
  const theta = new Float64Array(N_PARAMS), scratch = new Float64Array(m);
  for (let p = range.start; p < range.end; p++) {
    const row = job.results.subarray(p * RESULT_FIELDS, (p + 1) * RESULT_FIELDS);
    row.fill(NaN);
    const n = job.counts.subarray(p * m, (p + 1) * m);
    if (job.mask[p]) { row[R_STATUS] = PixelStatus.Masked; continue; }
    let total = 0, nonZero = 0;
    for (let j = 0; j < m; j++) { total += n[j]; if (n[j] > 0) nonZero++; }
    if (total === 0) { row[R_STATUS] = PixelStatus.Dead; continue; }
    if (m <= countFree(model) || nonZero < 3) { row[R_STATUS] = PixelStatus.TooFewPoints; continue; }
    const shape = amplitudeOnlyFit(n, job.exposure, job.asicShape, m);
    const fit = fitPixelCurve(fitter, model, job, n, shape.scale, bounds, theta, scratch);
    writeFitRow(row, fit);
    row[R_SHAPE_DEVIANCE] = shape.deviance;
  }
}

/**
 * Two stages: the edge first with the slope held at 0 (at low counts a free slope can trade places with a
 * too-sharp edge and trap the fit in a local minimum), then every parameter free from there.
 */
export function fitCurve(fitter: PoissonCurveFitter, model: ScurveModel, t: Float64Array, n: ArrayLike<number>,
  exposure: Float64Array, m: number, polarity: 1 | -1, bounds: FitBounds, theta: Float64Array = new Float64Array(N_PARAMS),
  scratch: Float64Array = new Float64Array(m)): CurveFitResult {
  estimateStart(t, n, exposure, m, polarity, theta, scratch);
  if (model.free[SLOPE]) {
    const edgeOnly = model.free.map((f, k) => f && k !== SLOPE);
    fitter.fit(model, t, n, exposure, m, theta, edgeOnly, bounds, 1e-2); // a rough edge is enough to start from
  }
  return fitter.fit(model, t, n, exposure, m, theta, model.free, bounds);
}

/**
 * A pixel starts from the ASIC curve scaled to it (amplitude, slope and background × k, σ a little narrower than
 * the ASIC edge, which dispersion broadens) with μ from its own 50 % crossing; one full fit from there converges in
 * a few steps. Falls back to the two-stage fit when the scale is unusable.
 */
function fitPixelCurve(fitter: PoissonCurveFitter, model: ScurveModel, job: PixelFitJob, n: ArrayLike<number>, scale: number,
  bounds: FitBounds, theta: Float64Array, scratch: Float64Array): CurveFitResult {
  const m = job.thresholds.length;
  if (!(scale > 0) || !Number.isFinite(scale) || job.model !== 'scurve') {
    return fitCurve(fitter, model, job.thresholds, n, job.exposure, m, job.polarity, bounds, theta, scratch);
  }
  estimateStart(job.thresholds, n, job.exposure, m, job.polarity, theta, scratch);
  const a = job.asicTheta;
  theta[SIGMA] = a[SIGMA] * 0.9;
  theta[AMPLITUDE] = scale * a[AMPLITUDE];
  theta[SLOPE] = scale * a[SLOPE];
  theta[BACKGROUND] = scale * a[BACKGROUND];
  return fitter.fit(model, job.thresholds, n, job.exposure, m, theta, model.free, bounds);
}

export function countFree(model: ScurveModel): number {
  return model.free.filter(Boolean).length;
}

function writeFitRow(row: Float64Array, fit: CurveFitResult): void {
  for (let k = 0; k < N_PARAMS; k++) { row[R_THETA + k] = fit.theta[k]; row[R_ERROR + k] = fit.errors[k]; }
  row[R_DEVIANCE] = fit.deviance;
  row[R_NDF] = fit.ndf;
  row[R_PVALUE] = chi2Survival(fit.deviance, fit.ndf);
  const errorsOk = Number.isFinite(fit.errors[MU]) && Number.isFinite(fit.errors[SIGMA]);
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

export async function fitScan(flux: ScanFlux, settings: FitSettings): Promise<ScanFitResult> {
  const points = selectFitPoints(flux, settings.fitRange);
  const m = points.thresholds.length;
  const nPixels = flux.mask.length;
  if (m < 2) throw new Error(`only ${m} threshold(s) with good acquisitions in the fit range: nothing to fit`);
  const asic = fitAsicCurve(flux, points, settings.model, settings.polarity);
  const model = makeModel(settings.model, asic.polarity);
  const asicShape = Float64Array.from(points.thresholds, t => model.evaluate(t, asic.fit.theta));

  const shared = (length: number) => new Float64Array(new SharedArrayBuffer(length * 8));
  const counts = shared(nPixels * m);
  points.thresholdIndex.forEach((ti, j) => {
    const c = flux.counts[ti];
    for (let p = 0; p < nPixels; p++) counts[p * m + j] = c[p];
  });
  const mask = new Uint8Array(new SharedArrayBuffer(nPixels));
  mask.set(flux.mask);
  const job: PixelFitJob = {
    model: settings.model, polarity: asic.polarity, thresholds: points.thresholds, exposure: points.exposure,
    counts, mask, results: shared(nPixels * RESULT_FIELDS), asicShape, asicTheta: asic.fit.theta,
  };
  const chunk = 1024;
  const ranges: PixelRange[] = [];
  for (let s = 0; s < nPixels; s += chunk) ranges.push({ start: s, end: Math.min(nPixels, s + chunk) });
  let done = 0;
  const onDone = (_: unknown, r: PixelRange) => { done += r.end - r.start; settings.onProgress?.(done, nPixels); };
  if (settings.workers <= 0) {
    const fitter = new PoissonCurveFitter(m);
    for (const r of ranges) {
      if (settings.signal?.aborted) throw new Error('cancelled');
      fitPixelRange(job, r, fitter);
      onDone(undefined, r);
    }
  } else {
    await runInWorkers<PixelRange, PixelRange>(workerScript('fitWorker'), job, ranges,
      { workers: settings.workers, signal: settings.signal }, onDone);
  }
  return { points, asic, results: job.results, shape: flux.shape };
}
