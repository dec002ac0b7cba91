// The analysis settings shared by the CLI, the extension's settings and the reuse fingerprint. No Node import.
import type { ModelName } from './summary';

/** Version written into summary.json and the fingerprint (results of another version are recomputed). */
export const TOOL_VERSION = '0.1.0';

export const MODEL_NAMES: ModelName[] = ['scurve', 'seed', 'seed-sqrt2', 'kbeta'];

/** Settings whose values change results, as the fingerprint in summary.json records them. */
export interface ResultSettings {
  badCut: number; badColumns: number; cutBad: boolean; fit: boolean; model: ModelName;
  polarity: 'auto' | 1 | -1; fitRange?: [number, number];
}

export const DEFAULT_RESULT_SETTINGS = {
  badCut: 2, badColumns: 16, cutBad: true, fit: true, model: 'scurve' as ModelName, polarity: 'auto' as const,
};

/** The settings part of the reuse fingerprint, in the engine's key order. */
export function fingerprintSettings(o: ResultSettings) {
  return {
    badCut: o.badCut, badColumns: o.badColumns, cutBad: o.cutBad, fit: o.fit, model: o.model,
    polarity: o.polarity, fitRange: o.fitRange ?? null, version: TOOL_VERSION,
  };
}
