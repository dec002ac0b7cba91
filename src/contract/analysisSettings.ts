// The analysis settings shared by the CLI, the extension's settings and the reuse fingerprint. No Node import.
import type { ModelName } from './summary';

/** Version written into summary.json and the fingerprint (results of another version are recomputed). */
export const TOOL_VERSION = '0.1.0';

export const MODEL_NAMES: ModelName[] = ['scurve', 'seed', 'seed-sqrt2', 'kbeta'];

/** Count-outlier test: an acquisition whose total is inconsistent with its threshold's median at more than this many
 *  σ (Gaussian, one-sided) is skipped. */
export const DEFAULT_OUTLIER_SIGMA = 5;

/** Settings whose values change results, as the fingerprint in summary.json records them. */
export interface ResultSettings {
  badCut: number; badColumns: number; cutBad: boolean; fit: boolean; model: ModelName;
  polarity: 'auto' | 1 | -1; fitRange?: [number, number]; outlierSigma?: number; exclude?: Array<[number, number]>;
}

export const DEFAULT_RESULT_SETTINGS = {
  badCut: 2, badColumns: 16, cutBad: true, fit: true, model: 'scurve' as ModelName, polarity: 'auto' as const,
};

/** The settings part of the reuse fingerprint, in the engine's key order. */
export function fingerprintSettings(o: ResultSettings) {
  return {
    badCut: o.badCut, badColumns: o.badColumns, cutBad: o.cutBad, fit: o.fit, model: o.model,
    polarity: o.polarity, fitRange: o.fitRange ?? null, outlierSigma: o.outlierSigma ?? DEFAULT_OUTLIER_SIGMA,
    exclude: o.exclude ?? [], version: TOOL_VERSION,
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
