// Gain calibration: each pixel's edge μ referred to its noise baseline. target = p·(μ − baseline) is the source line's
// distance from the noise in DAC (p the polarity: the line lies above the noise on the DAC axis for p = +1), and
// K = n_eh / target the gain in e⁻/DAC, with n_eh = E_line / w the electron–hole pairs of the line.
import { formatNumber, formatWithError } from '../../contract/format';
import { ScanFlux } from '../flux';
import { Heterogeneity } from '../heterogeneity';
import { PixelStatus, R_ERROR, R_STATUS, R_THETA, RESULT_FIELDS, ScanFitResult } from '../scanFits';
import { MU, ModelName, SIGMA } from '../scurveModel';
import { describe, Distribution } from '../statistics';
import { alignedAsicCurve, curveFitJson, CurveFit, finiteOrNull, fitSummedCurve } from './asicCurves';
import { Baseline } from './baseline';


/** 3.62 ± 0.03 eV: the spread of the room-temperature measurements and the shift between warm and cold scans. */
import { DEFAULT_GAIN_SETTINGS, GainSettings } from '../../contract/analysisSettings';

export { DEFAULT_GAIN_SETTINGS };
export type { GainSettings };

/** A per-pixel quantity written as a trailing `pixel_fits.csv` column and as `map_<name>.csv`. */
export interface PixelQuantity {
  name: string;
  values: Float64Array;
}

export interface GainInput {
  baseline: Baseline;
  /** How the baseline files were chosen (`option` or `auto`), for the summary. */
  source: { baseline: string; width: string };
  settings: GainSettings;
}

export interface GainAnalysis {
  quantities: PixelQuantity[];
  summary: ReturnType<typeof gainSummary>;
  conclusions: string[];
  report: string[];
}

/** Per-pixel target and gain, their statistics over ok pixels, the ASIC gain from the baseline-aligned curve. */
export function analyseGain(flux: ScanFlux, fits: ScanFitResult, heterogeneity: Heterogeneity, model: ModelName,
  input: GainInput): GainAnalysis {
  const { baseline, settings } = input;
  const polarity = fits.asic.polarity;
  const nEh = settings.lineEv / settings.pairEv;
  const n = flux.mask.length, r = fits.results;
  const target = new Float64Array(n).fill(NaN), targetErr = new Float64Array(n).fill(NaN);
  const gain = new Float64Array(n).fill(NaN), gainErr = new Float64Array(n).fill(NaN);
  const okGain: number[] = [], okGainErr: number[] = [], okTarget: number[] = [], okMuErrSq: number[] = [];
  for (let p = 0; p < n; p++) {
    const o = p * RESULT_FIELDS, status = r[o + R_STATUS];
    if (status !== PixelStatus.Ok && status !== PixelStatus.BadFit) continue; // only converged fits have a μ
    const b = baseline.values[p], mu = r[o + R_THETA + MU], muErr = r[o + R_ERROR + MU];
    if (!Number.isFinite(b) || !Number.isFinite(mu)) continue;
    const w = baseline.width && Number.isFinite(baseline.width[p]) ? baseline.width[p] : 0;
    target[p] = polarity * (mu - b);
    targetErr[p] = Math.sqrt(muErr * muErr + w * w);
    if (target[p] > 0) {
      gain[p] = nEh / target[p];
      gainErr[p] = gain[p] * targetErr[p] / target[p];
    }
    if (status === PixelStatus.Ok) {
      okTarget.push(target[p]); okMuErrSq.push(muErr * muErr);
      if (target[p] > 0) { okGain.push(gain[p]); okGainErr.push(gainErr[p]); }
    }
  }

  const aligned = alignedAsicCurve(flux, fits.points, baseline.values, baseline.integral);
  const alignedFit = aligned ? fitSummedCurve(aligned, model, polarity) : undefined;
  const targetD = describe(okTarget);
  // The aligned edge sees the targets' true spread plus the baseline noise, not the μ fit errors.
  const varTarget = Math.max(targetD.robustRms ** 2 - describe(okMuErrSq).median, 0);
  const width = heterogeneity.asic_width;
  const summary = gainSummary({
    input, nEh, polarity, model, target: targetD, gain: describe(okGain), gainMedianError: describe(okGainErr).median,
    aligned, alignedFit, varTarget, meanSigmaSq: width.mean_sigma_squared, sigmaAsic: width.sigma_asic,
    sigmaAsicError: width.sigma_asic_error,
  });
  return {
    quantities: [
      { name: 'target', values: target }, { name: 'target_err', values: targetErr },
      { name: 'gain', values: gain }, { name: 'gain_err', values: gainErr },
    ],
    summary,
    conclusions: gainConclusions(summary, heterogeneity.sigma.mean),
    report: gainReport(summary, heterogeneity.sigma.mean),
  };
}

interface SummaryParts {
  input: GainInput; nEh: number; polarity: 1 | -1; model: ModelName;
  target: Distribution; gain: Distribution; gainMedianError: number;
  aligned: ReturnType<typeof alignedAsicCurve>; alignedFit: CurveFit | undefined; varTarget: number;
  meanSigmaSq: number; sigmaAsic: number; sigmaAsicError: number;
}

function gainSummary(s: SummaryParts) {
  const { settings, baseline, source } = s.input;
  const f = s.alignedFit?.fit;
  const asicTarget = f ? s.polarity * f.theta[MU] : NaN, asicTargetErr = f ? f.errors[MU] : NaN;
  const asicGain = asicTarget > 0 ? s.nEh / asicTarget : NaN;
  // What the binning adds to the aligned edge is removed before comparing widths.
  const sigmaAligned = f ? Math.sqrt(Math.max(f.theta[SIGMA] ** 2 - (s.aligned?.binningVariance ?? 0), 0)) : NaN;
  const broadening = s.sigmaAsic ** 2 - s.meanSigmaSq;
  const expected = Math.sqrt(s.meanSigmaSq + s.varTarget);
  return {
    n_eh: s.nEh,
    n_eh_scale_uncertainty: settings.pairEvError / settings.pairEv,
    line_ev: settings.lineEv, pair_ev: settings.pairEv, pair_ev_error: settings.pairEvError, kbeta_ev: settings.kbetaEv,
    baseline: {
      file: baseline.file, source: source.baseline, width_file: baseline.widthFile ?? null, width_source: source.width,
      pixels_with_baseline: baseline.pixelsWithBaseline, integral: baseline.integral,
    },
    polarity: s.polarity,
    asic: {
      target: finiteOrNull(asicTarget), target_error: finiteOrNull(asicTargetErr),
      gain: finiteOrNull(asicGain), gain_error: finiteOrNull(asicGain * asicTargetErr / asicTarget),
      from: 'fit of the baseline-aligned ASIC curve',
    },
    pixels: {
      count: s.gain.n, not_positive_target: s.target.n - s.gain.n, gain_median: finiteOrNull(s.gain.median), gain_spread: finiteOrNull(s.gain.robustRms),
      gain_mean: finiteOrNull(s.gain.mean), gain_median_error: finiteOrNull(s.gainMedianError),
      target_median: finiteOrNull(s.target.median), target_spread: finiteOrNull(s.target.robustRms),
      target_intrinsic_spread: finiteOrNull(Math.sqrt(s.varTarget)),
      spread: '1.4826 × median absolute deviation over ok pixels with a baseline',
    },
    kbeta: s.model === 'kbeta' ? {
      separation_dac: finiteOrNull(asicTarget * (settings.kbetaEv / settings.lineEv - 1)),
      note: 'K-beta edge distance from the K-alpha edge implied by the ASIC gain',
    } : null,
    aligned_asic: s.aligned && s.alignedFit ? {
      ...curveFitJson(s.alignedFit, s.model, s.polarity),
      grid: s.aligned.grid, bin_dac: s.aligned.grid === 'exact' ? null : 1, binning_variance: s.aligned.binningVariance,
      sigma_aligned: finiteOrNull(sigmaAligned), sigma_aligned_error: finiteOrNull(f!.errors[SIGMA]),
      sigma_expected: finiteOrNull(expected), ratio: finiteOrNull(sigmaAligned / expected),
      mean_sigma_squared: finiteOrNull(s.meanSigmaSq), var_target: finiteOrNull(s.varTarget),
      sigma_asic: finiteOrNull(s.sigmaAsic), sigma_asic_error: finiteOrNull(s.sigmaAsicError),
      broadening_removed: finiteOrNull(broadening > 0 ? (s.sigmaAsic ** 2 - sigmaAligned ** 2) / broadening : NaN),
    } : null,
  };
}

type GainSummary = ReturnType<typeof gainSummary>;

function gainConclusions(g: GainSummary, meanSigma: number): string[] {
  const out: string[] = [];
  const scale = `n_eh = ${formatNumber(g.n_eh)} e⁻ from ${g.line_ev} eV / ${g.pair_ev} eV, common scale uncertainty ` +
    `±${formatNumber(100 * g.n_eh_scale_uncertainty, 2)} %`;
  out.push(`Gain K = n_eh/target, target = ${g.polarity > 0 ? 'μ − baseline' : 'baseline − μ'}: ASIC K = ${formatWithError(g.asic.gain, g.asic.gain_error, 'e⁻/DAC')} ` +
    `(target ${formatWithError(g.asic.target, g.asic.target_error, 'DAC')}; ${scale}); pixel K median ` +
    `${formatNumber(g.pixels.gain_median)} e⁻/DAC, robust spread ${formatNumber(g.pixels.gain_spread, 3)} e⁻/DAC ` +
    `(${formatNumber(100 * (g.pixels.gain_spread ?? NaN) / (g.pixels.gain_median ?? NaN), 2)} %) over ${g.pixels.count} ok pixels with a baseline.`);
  if (g.pixels.not_positive_target > g.pixels.count) {
    out.push(`Warning: ${g.pixels.not_positive_target} ok pixels have their edge on the noise side of the baseline (target ≤ 0, no K): ` +
      'is the baseline in DAC of this ASIC and this polarity?');
  }
  const a = g.aligned_asic;
  if (a) {
    const residual = Math.sqrt(Math.max((a.sigma_aligned ?? NaN) ** 2 - (a.mean_sigma_squared ?? NaN), 0));
    out.push(`Baseline-aligned ASIC edge σ_aligned = ${formatWithError(a.sigma_aligned, a.sigma_aligned_error, 'DAC')} against ` +
      `⟨σ⟩ = ${formatNumber(meanSigma)} DAC and σ_ASIC = ${formatWithError(a.sigma_asic, a.sigma_asic_error, 'DAC')}: ` +
      `the baseline alignment removes ${formatNumber(100 * (a.broadening_removed ?? NaN), 3)} % of the ASIC edge broadening; ` +
      `what remains, ${formatNumber(residual, 3)} DAC in quadrature, is the spread of the measured targets (gain spread and ` +
      `baseline noise; ${formatNumber(Math.sqrt(a.var_target ?? NaN), 3)} DAC expected from the pixels).`);
  }
  return out;
}

function gainReport(g: GainSummary, meanSigma: number): string[] {
  const lines = ['## Gain', ''];
  lines.push(`Baseline \`${g.baseline.file}\` (${g.baseline.source}; ${g.baseline.pixels_with_baseline} pixels with a baseline, ` +
    `${g.baseline.integral ? 'whole DAC values' : 'fractional values'})` +
    (g.baseline.width_file ? `, width \`${g.baseline.width_file}\` (${g.baseline.width_source}) propagated into the target errors.` : ', no width file.'), '');
  lines.push(`target = ${g.polarity > 0 ? 'μ − baseline' : 'baseline − μ'} (DAC), K = n_eh / target (e⁻/DAC), n_eh = ${g.line_ev} eV / ` +
    `(${g.pair_ev} ± ${g.pair_ev_error}) eV = ${formatWithError(g.n_eh, g.n_eh * g.n_eh_scale_uncertainty, 'e⁻')}. ` +
    'This scale uncertainty is common to every pixel and every K below and is not included in their errors.', '');
  lines.push('| quantity | value |', '|---|---|');
  lines.push(`| ASIC target (aligned curve) | ${formatWithError(g.asic.target, g.asic.target_error, 'DAC')} |`);
  lines.push(`| ASIC K | ${formatWithError(g.asic.gain, g.asic.gain_error, 'e⁻/DAC')} |`);
  lines.push(`| pixel K median (${g.pixels.count} ok pixels) | ${formatNumber(g.pixels.gain_median)} e⁻/DAC |`);
  lines.push(`| median per-pixel K error | ${formatNumber(g.pixels.gain_median_error, 2)} e⁻/DAC |`);
  lines.push(`| pixel K robust spread | ${formatNumber(g.pixels.gain_spread, 3)} e⁻/DAC |`);
  lines.push(`| pixel target median, robust spread | ${formatNumber(g.pixels.target_median)} DAC, ${formatNumber(g.pixels.target_spread, 3)} DAC |`);
  if (g.kbeta) lines.push(`| K-beta edge beyond K-alpha (${g.kbeta_ev} eV) | ${formatNumber(g.kbeta.separation_dac, 3)} DAC |`);
  const a = g.aligned_asic;
  if (a) {
    lines.push('', '### Baseline-aligned ASIC curve', '',
      `Every pixel's counts at t − baseline (${a.grid === 'exact' ? 'exact whole-DAC shifts' : `binned on a ${a.bin_dac}-DAC grid, ` +
        `binning variance ${formatNumber(a.binning_variance, 2)} DAC² removed from σ²`}), ${a.pixels} pixels, ${a.points} points.`, '',
      '| σ_aligned | √(⟨σ²⟩ + var target) | ⟨σ⟩ | σ_ASIC | broadening removed |', '|---|---|---|---|---|',
      `| ${formatWithError(a.sigma_aligned, a.sigma_aligned_error)} | ${formatNumber(a.sigma_expected)} | ${formatNumber(meanSigma)} | ` +
      `${formatWithError(a.sigma_asic, a.sigma_asic_error)} | ${formatNumber(100 * (a.broadening_removed ?? NaN), 3)} % |`);
  }
  return lines;
}
