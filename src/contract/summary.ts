// The typed summary.json: what the extension and the webviews read of an analysis (written by the engine's
// analyse.ts and fitOutputs.ts). No Node import. Readers accept the older and newer forms of evolving fields.
import type { ParameterName } from './quantities';

export type ModelName = 'scurve' | 'seed' | 'seed-sqrt2' | 'kbeta';

export interface ThresholdSummary {
  threshold: number; files: number; good: number; bad: number; failed: number; excluded?: number; all_bad: boolean;
  exposure_s: number; asic_flux: number | null; asic_flux_error: number | null;
}

/** Why an acquisition was left out of the flux. */
export type BadReason = 'noisy-last-columns' | 'empty' | 'count-outlier';

export interface AsicFitSummary {
  params: Record<string, number | null>; errors: Record<string, number | null>; chi2: number | null; ndf: number | null;
  per_pixel_amplitude: number | null; unmasked_pixels: number;
}

/** An ASIC-level curve fit as summary.json holds it (`fit.asic_good`, `gain.aligned_asic`). */
export interface CurveFitSummary {
  model: ModelName; polarity: 1 | -1; params: Record<string, number | null>; errors: Record<string, number | null>;
  chi2: number | null; ndf: number | null; p_value: number | null; converged: boolean; pixels: number; points: number;
}

/** `summary.json` → `gain`: present when the scan was analysed with a noise baseline (README output contract). */
export interface GainSummary {
  n_eh: number;
  /** Relative, common to every K: reported once, never folded into per-pixel errors. */
  n_eh_scale_uncertainty: number;
  line_ev: number; pair_ev: number; pair_ev_error: number; kbeta_ev: number;
  baseline: { file: string; source: string; width_file: string | null; width_source: string; pixels_with_baseline: number; integral: boolean };
  polarity: 1 | -1;
  asic: { target: number | null; target_error: number | null; gain: number | null; gain_error: number | null; from?: string };
  pixels: {
    count: number; not_positive_target: number; gain_median: number | null; gain_spread: number | null; gain_mean: number | null;
    gain_median_error: number | null; target_median: number | null; target_spread: number | null; target_intrinsic_spread: number | null;
  };
  kbeta: { separation_dac: number | null } | null;
  aligned_asic: (CurveFitSummary & {
    grid: 'exact' | 'binned'; bin_dac: number | null; binning_variance: number;
    sigma_aligned: number | null; sigma_aligned_error: number | null; sigma_expected: number | null; ratio: number | null;
    sigma_asic: number | null; sigma_asic_error: number | null; broadening_removed: number | null;
  }) | null;
}

export interface AnalysisSummary {
  dataFolder?: string;
  scan: { id: string; prefix: string; shutter: string; shutterSeconds: number };
  shape: { rows: number; cols: number };
  inputFingerprint: string;
  thresholds: number[];
  per_threshold: ThresholdSummary[];
  /** `[thr, acq]` pairs (older results) or `[thr, acq, reason]` triples. */
  bad_acquisitions: Array<[number, number] | [number, number, BadReason]>;
  /** Acquisitions excluded by the user (`[thr, acq]`), when any. */
  excluded_acquisitions?: Array<[number, number]>;
  /** Unreadable files: name, place and what was wrong (line/column when known). */
  skipped_files?: Array<{ file: string; threshold: number; acquisition: number; reason: string; line?: number; column?: number }>;
  mask: { maskedPixels: number };
  acquisitions: { total: number; good: number; bad: number; failed: number };
  fit?: {
    model: ModelName; polarity: 1 | -1; pixel_maps?: { file: string; maps: string[] };
    asic: AsicFitSummary;
    /** The ASIC curve of `ok` pixels only, fitted (newer results). */
    asic_good?: CurveFitSummary;
  };
  gain?: GainSummary;
  heterogeneity?: {
    conclusions: string[];
    mu: { mean: number; rms: number; robustRms: number; median_fit_error: number; intrinsic_rms: number };
    sigma: { mean: number }; asic_width: { sigma_asic: number; quadrature_sum: number; ratio: number };
    asic_shape_refit: { fraction_inconsistent: number }; status_counts: Record<string, number>;
  };
  /** A live snapshot of `velo-calib watch` (absent from a final or batch result). */
  live?: LiveSnapshotState;
}

/** How far a live snapshot is: files counted, thresholds complete, the highest threshold its pixel fits saw. */
export interface LiveSnapshotState { complete: boolean; files_counted: number; thresholds_done: number; fit_up_to_threshold: number | null }

/** One line for people: `live: 120 files counted, 3 thresholds complete, fits up to THR 1400`. */
export function liveSnapshotText(live: LiveSnapshotState): string {
  const fits = live.fit_up_to_threshold === null ? 'no pixel fits yet' : `fits up to THR ${live.fit_up_to_threshold}`;
  return `live: ${live.files_counted} files counted, ${live.thresholds_done} thresholds complete, ${fits}`;
}

/** One left-out acquisition: bad (with the reason) or excluded by the user. */
export interface SkippedAcquisition { threshold: number; acquisition: number; reason: BadReason | 'excluded' }

/** Bad and excluded acquisitions of a summary in one list, whichever form the summary uses. */
export function skippedAcquisitions(s: Pick<AnalysisSummary, 'bad_acquisitions' | 'excluded_acquisitions'>): SkippedAcquisition[] {
  const bad = (s.bad_acquisitions ?? []).map(([threshold, acquisition, reason]) =>
    ({ threshold, acquisition, reason: reason ?? 'noisy-last-columns' as BadReason }));
  const excluded = (s.excluded_acquisitions ?? []).map(([threshold, acquisition]) => ({ threshold, acquisition, reason: 'excluded' as const }));
  return [...bad, ...excluded];
}

/** Readable reason of a skipped acquisition (tree rows, tooltips). */
export const SKIP_REASON_TEXT: Record<SkippedAcquisition['reason'], string> = {
  'noisy-last-columns': 'bad: noisy last columns', empty: 'bad: empty acquisition',
  'count-outlier': 'bad: total count inconsistent with the other acquisitions', excluded: 'excluded by hand (veloCalib.exclude)',
};

/** The ASIC value a map of `quantity` is compared with, and what it is (flux: mean per unmasked pixel, not the total). */
export function asicReference(s: AnalysisSummary, quantity: string, threshold?: number): { value: number | null; error?: number | null; label: string } {
  const unmasked = s.shape.rows * s.shape.cols - s.mask.maskedPixels;
  if (quantity === 'flux') {
    const total = s.per_threshold.find(t => t.threshold === threshold)?.asic_flux ?? null;
    return { value: total !== null && unmasked > 0 ? total / unmasked : null, label: 'ASIC flux / pixel' };
  }
  const asic = s.fit?.asic;
  if (!asic) return { value: null, label: '' };
  if (quantity === 'amplitude') return { value: asic.per_pixel_amplitude, label: 'ASIC amplitude / pixel' };
  if (quantity === 'slope') return { value: asic.params.slope !== null ? asic.params.slope / asic.unmasked_pixels : null, label: 'ASIC slope / pixel' };
  if (quantity === 'target' || quantity === 'gain') {
    const g = s.gain?.asic;
    return { value: g?.[quantity] ?? null, error: g?.[`${quantity}_error`] ?? null,
      label: quantity === 'gain' ? 'ASIC K (aligned curve)' : 'ASIC target (aligned curve)' };
  }
  if (quantity === 'mu' || quantity === 'sigma') {
    return { value: asic.params[quantity as ParameterName] ?? null, error: asic.errors[quantity] ?? null, label: `ASIC ${quantity === 'mu' ? 'μ' : 'σ'}` };
  }
  return { value: null, label: '' };
}

/** "3 bad acquisitions and 1 unreadable file skipped" over the summaries of a run (empty when nothing was skipped). */
export function skippedText(summaries: Array<Pick<AnalysisSummary, 'acquisitions'>>): string {
  const bad = summaries.reduce((n, s) => n + s.acquisitions.bad, 0), failed = summaries.reduce((n, s) => n + s.acquisitions.failed, 0);
  const parts = [bad ? `${bad} bad acquisition${bad > 1 ? 's' : ''}` : '', failed ? `${failed} unreadable file${failed > 1 ? 's' : ''}` : ''].filter(Boolean);
  return parts.length ? `${parts.join(' and ')} skipped` : '';
}
