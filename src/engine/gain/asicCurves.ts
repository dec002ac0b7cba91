// Two more ASIC-level curves fitted with the pixels' fitter: the "ASIC good" curve (the sum over ok pixels only)
// and the baseline-aligned curve (every pixel's counts moved onto its own target axis t − baseline, then summed),
// whose width is what remains of the ASIC edge broadening after equalisation: σ_aligned² ≈ ⟨σ²⟩ + var(target).
import { ScanFlux } from '../flux';
import { CurveFitResult, PoissonCurveFitter } from '../poissonFit';
import { fitBounds, fitCurve, FitPoints, PixelStatus, R_STATUS, RESULT_FIELDS, ScanFitResult } from '../scanFits';
import { formatWithError } from '../../contract/format';
import { FIT_PARAMETERS, makeModel, ModelName, MU, SIGMA } from '../scurveModel';
import { chi2Survival, quantile } from '../statistics';

export interface SummedCurve {
  /** Abscissa: thresholds (ASIC good) or thresholds minus baseline (aligned), DAC. */
  t: Float64Array;
  counts: Float64Array;
  /** Exposure of each point: seconds (ASIC good) or pixel·seconds (aligned: the fitted flux is per pixel). */
  exposure: Float64Array;
  pixels: number;
}

export interface CurveFit {
  fit: CurveFitResult;
  pValue: number;
  pixels: number;
  points: number;
}

export function fitSummedCurve(curve: SummedCurve, model: ModelName, polarity: 1 | -1): CurveFit {
  const m = curve.t.length;
  const fit = fitCurve(new PoissonCurveFitter(m), makeModel(model, polarity), curve.t, curve.counts, curve.exposure, m,
    polarity, fitBounds(curve.t));
  return { fit, pValue: chi2Survival(fit.deviance, fit.ndf), pixels: curve.pixels, points: m };
}

/** The ASIC sum over `ok` pixels only, at the fit points. */
export function asicGoodCurve(flux: ScanFlux, fits: ScanFitResult): SummedCurve {
  const n = flux.mask.length, points = fits.points;
  const ok: number[] = [];
  for (let p = 0; p < n; p++) if (fits.results[p * RESULT_FIELDS + R_STATUS] === PixelStatus.Ok) ok.push(p);
  const okPixels = Int32Array.from(ok);
  const counts = Float64Array.from(points.thresholdIndex, ti => {
    const c = flux.counts[ti];
    let s = 0;
    for (let i = 0; i < okPixels.length; i++) s += c[okPixels[i]];
    return s;
  });
  return { t: Float64Array.from(points.thresholds), counts, exposure: Float64Array.from(points.exposure), pixels: ok.length };
}

/** Width of the grid the aligned curve is binned on when baselines are not whole DAC values. */
export const ALIGNED_BIN_DAC = 1;
/** Central fraction of the baselines whose pixels must all cover an aligned point (the ends are partly covered). */
const COVERED_FRACTION = 0.9;

export interface AlignedCurve extends SummedCurve {
  /** `exact`: whole-DAC baselines, every count at its exact t − baseline; `binned`: on the ALIGNED_BIN_DAC grid. */
  grid: 'exact' | 'binned';
  /** Exposure-weighted variance of t − baseline within the bins (DAC²): what the binning adds to σ². 0 when exact. */
  binningVariance: number;
}

/**
 * Every unmasked pixel with a baseline contributes its counts at u = t_j − b_p with exposure T_j; points of equal u
 * (exact) or of one 1-DAC bin (binned, abscissa = exposure-weighted mean u) are summed. Kept: the u range that every
 * pixel of the central 90 % of baselines covers, [t_first − b_5%, t_last − b_95%], so that the ends of the curve are
 * not made by a few pixels with outlying baselines.
 */
export function alignedAsicCurve(flux: ScanFlux, points: FitPoints, baseline: Float64Array, integral: boolean): AlignedCurve | undefined {
  const pixels: number[] = [];
  for (let p = 0; p < flux.mask.length; p++) if (!flux.mask[p] && Number.isFinite(baseline[p])) pixels.push(p);
  const m = points.thresholds.length;
  if (pixels.length === 0 || m < 2) return undefined;
  const b = pixels.map(p => baseline[p]);
  const lo = Math.ceil(points.thresholds[0] - quantile(b, (1 - COVERED_FRACTION) / 2) - 1e-9);
  const hi = Math.floor(points.thresholds[m - 1] - quantile(b, (1 + COVERED_FRACTION) / 2) + 1e-9);
  if (hi - lo < 2) return undefined;
  const bins = Math.round((hi - lo) / ALIGNED_BIN_DAC) + 1;
  const counts = new Float64Array(bins), exposure = new Float64Array(bins), uSum = new Float64Array(bins), uSq = new Float64Array(bins);
  for (const p of pixels) {
    for (let j = 0; j < m; j++) {
      const u = points.thresholds[j] - baseline[p];
      const k = Math.round((u - lo) / ALIGNED_BIN_DAC);
      if (k < 0 || k >= bins) continue;
      const T = points.exposure[j];
      counts[k] += flux.counts[points.thresholdIndex[j]][p];
      exposure[k] += T; uSum[k] += T * u; uSq[k] += T * u * u;
    }
  }
  const keep: number[] = [];
  for (let k = 0; k < bins; k++) if (exposure[k] > 0) keep.push(k);
  let within = 0, total = 0;
  for (const k of keep) { within += uSq[k] - uSum[k] ** 2 / exposure[k]; total += exposure[k]; }
  return {
    t: Float64Array.from(keep, k => (integral ? lo + k * ALIGNED_BIN_DAC : uSum[k] / exposure[k])),
    counts: Float64Array.from(keep, k => counts[k]),
    exposure: Float64Array.from(keep, k => exposure[k]),
    pixels: pixels.length,
    grid: integral ? 'exact' : 'binned',
    binningVariance: integral ? 0 : Math.max(within / total, 0),
  };
}

/** An ASIC-level fit as summary.json shows it (the shape of asic_fit.json's params/errors). */
export function curveFitJson(c: CurveFit, model: ModelName, polarity: 1 | -1) {
  const f = c.fit;
  const named = (v: Float64Array) => Object.fromEntries(FIT_PARAMETERS.map((n, k) => [n, finiteOrNull(v[k])]));
  return {
    model, polarity, params: named(f.theta), errors: named(f.errors), chi2: finiteOrNull(f.deviance), ndf: f.ndf,
    p_value: finiteOrNull(c.pValue), converged: f.converged, pixels: c.pixels, points: c.points,
  };
}

export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** One line comparing the ASIC good curve with the all-pixel ASIC curve. */
export function asicGoodConclusion(good: CurveFit, asic: CurveFitResult, unmaskedPixels: number): string {
  const g = good.fit;
  return `ASIC curve of the ${good.pixels} ok pixels only: μ = ${formatWithError(g.theta[MU], g.errors[MU], 'DAC')}, ` +
    `σ = ${formatWithError(g.theta[SIGMA], g.errors[SIGMA], 'DAC')} (all ${unmaskedPixels} unmasked pixels: ` +
    `μ = ${formatWithError(asic.theta[MU], asic.errors[MU], 'DAC')}, σ = ${formatWithError(asic.theta[SIGMA], asic.errors[SIGMA], 'DAC')}).`;
}
