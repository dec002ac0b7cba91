// The analysis settings shared by the CLI, the extension's settings and the reuse fingerprint. No Node import.
import type { ModelName } from './summary';

/** Version written into summary.json and the fingerprint (results of another version are recomputed). */
export const TOOL_VERSION = '0.1.0';

export const MODEL_NAMES: ModelName[] = ['scurve', 'seed', 'seed-sqrt2', 'kbeta'];

/** Count-outlier test: an acquisition whose total is inconsistent with its threshold's median at more than this many
 *  σ (Gaussian, one-sided) is skipped. */
export const DEFAULT_OUTLIER_SIGMA = 5;

/** Energies of the gain calibration (eV): K = n_eh / target with n_eh = lineEv / pairEv. */
export interface GainSettings {
  /** Energy of the source line the edge μ measures (eV): Mn Kα of Fe-55. */
  lineEv: number;
  /** Mean energy per electron–hole pair in silicon (eV). */
  pairEv: number;
  /** Its standard uncertainty (eV): the common scale uncertainty of every K, reported once, not per pixel. */
  pairEvError: number;
  /** Energy of the K-beta line (eV), for the K-beta step separation the measured gain implies. */
  kbetaEv: number;
}

export const DEFAULT_GAIN_SETTINGS: GainSettings = { lineEv: 5895, pairEv: 3.62, pairEvError: 0.03, kbetaEv: 6490 };

/** Settings whose values change results, as the fingerprint in summary.json records them. */
export interface ResultSettings extends GainSettings {
  badCut: number; badColumns: number; cutBad: boolean; fit: boolean; model: ModelName;
  polarity: 'auto' | 1 | -1; fitRange?: [number, number]; outlierSigma?: number; exclude?: Array<[number, number]>;
}

export const DEFAULT_RESULT_SETTINGS = {
  badCut: 2, badColumns: 16, cutBad: true, fit: true, model: 'scurve' as ModelName, polarity: 'auto' as const,
  ...DEFAULT_GAIN_SETTINGS,
};

/** The settings part of the reuse fingerprint, in the engine's key order. */
export function fingerprintSettings(o: ResultSettings) {
  return {
    badCut: o.badCut, badColumns: o.badColumns, cutBad: o.cutBad, fit: o.fit, model: o.model,
    polarity: o.polarity, fitRange: o.fitRange ?? null, outlierSigma: o.outlierSigma ?? DEFAULT_OUTLIER_SIGMA,
    exclude: o.exclude ?? [], version: TOOL_VERSION,
    lineEv: o.lineEv, pairEv: o.pairEv, pairEvError: o.pairEvError, kbetaEv: o.kbetaEv,
  };
}

/** `THR:ACQ[,THR:ACQ…]` (CLI) or a list of such strings (setting) → pairs; throws naming the offending item. */
export function parseExclusions(text: string | string[]): Array<[number, number]> {
  const items = (Array.isArray(text) ? text : [text]).flatMap(t => t.split(/[,\s]+/)).filter(Boolean);
  return items.map(item => {
    const m = /^(\d+):(\d+)$/.exec(item);
    if (!m) throw new Error(`"${item}": expected THR:ACQ (threshold and acquisition number), e.g. 1440:3`);
    return [Number(m[1]), Number(m[2])];
  });
}
