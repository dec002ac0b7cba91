// `veloCalib.*` settings → the analysis request → `velo-calib analyse` arguments. No vscode import (unit-tested):
// settings.ts binds `readSetting` to the workspace configuration of the data folder.
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_OUTLIER_SIGMA, DEFAULT_RESULT_SETTINGS, parseExclusions, ResultSettings } from '../contract/analysisSettings';
import type { ModelName } from '../contract/summary';

/** What the extension asks the engine for: the result settings plus where, which scan and how many workers. */
export interface AnalysisRequest extends ResultSettings {
  folder: string;
  out?: string;
  mask?: string;
  /** Noise baseline and its width for the gain (absent: each scan's own from the data folder, if any). */
  baseline?: string;
  baselineWidth?: string;
  /** Worker threads, as `--workers`: undefined = one per core, 0 = none (parse and fit in the engine process). */
  workers?: number;
  /** Only this scan id. */
  scan?: string;
}

/** Reads one `veloCalib.<key>` setting (undefined when unset). */
export type SettingReader = (key: string) => unknown;

const FIT_RANGE = /^\s*(-?\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?)\s*$/;

export function requestFromSettings(folder: string, read: SettingReader, scan?: string): AnalysisRequest {
  const text = (key: string) => (typeof read(key) === 'string' ? (read(key) as string).trim() : '');
  const num = (key: string, fallback: number) => (typeof read(key) === 'number' && Number.isFinite(read(key)) ? read(key) as number : fallback);
  const range = FIT_RANGE.exec(text('fitRange'));
  const workers = read('workers');
  let exclude: Array<[number, number]> = [];
  try { exclude = parseExclusions((read('exclude') as string | string[] | undefined) ?? []); } catch { /* an invalid list excludes nothing */ }
  return {
    ...DEFAULT_RESULT_SETTINGS,
    folder,
    out: text('outputFolder') ? path.resolve(folder, text('outputFolder')) : undefined,
    mask: text('maskFile') ? path.resolve(folder, text('maskFile')) : undefined,
    baseline: text('baselineFile') ? path.resolve(folder, text('baselineFile')) : undefined,
    baselineWidth: text('baselineWidthFile') ? path.resolve(folder, text('baselineWidthFile')) : undefined,
    lineEv: num('lineEv', DEFAULT_RESULT_SETTINGS.lineEv),
    pairEv: num('pairEv', DEFAULT_RESULT_SETTINGS.pairEv),
    pairEvError: num('pairEvError', DEFAULT_RESULT_SETTINGS.pairEvError),
    kbetaEv: num('kbetaEv', DEFAULT_RESULT_SETTINGS.kbetaEv),
    badCut: num('badCut', DEFAULT_RESULT_SETTINGS.badCut),
    badColumns: num('badColumns', DEFAULT_RESULT_SETTINGS.badColumns),
    cutBad: typeof read('cutBad') === 'boolean' ? read('cutBad') as boolean : DEFAULT_RESULT_SETTINGS.cutBad,
    model: (text('model') || DEFAULT_RESULT_SETTINGS.model) as ModelName,
    fitRange: range ? [Number(range[1]), Number(range[2])] : undefined,
    // the engine accepts up to two per core (more only costs memory)
    workers: typeof workers === 'number' && Number.isInteger(workers) && workers >= 0 ? Math.min(workers, 2 * os.cpus().length) : undefined,
    outlierSigma: Math.max(0, num('outlierSigma', DEFAULT_OUTLIER_SIGMA)),
    exclude,
    scan,
  };
}

export function cliArguments(o: AnalysisRequest): string[] {
  const args = ['analyse', o.folder, '--bad-cut', String(o.badCut), '--bad-columns', String(o.badColumns), '--model', o.model];
  if (o.out) args.push('--out', o.out);
  if (o.mask) args.push('--mask', o.mask);
  if (!o.cutBad) args.push('--no-cut-bad');
  if (!o.fit) args.push('--no-fit');
  if (o.fitRange) args.push('--fit-range', `${o.fitRange[0]}:${o.fitRange[1]}`);
  if (o.workers !== undefined) args.push('--workers', String(o.workers));
  if (o.polarity !== 'auto') args.push('--polarity', String(o.polarity));
  if (o.scan) args.push('--scan', o.scan);
  if (o.baseline) args.push('--baseline', o.baseline);
  if (o.baselineWidth) args.push('--baseline-width', o.baselineWidth);
  args.push('--line-ev', String(o.lineEv), '--pair-ev', String(o.pairEv), '--pair-ev-error', String(o.pairEvError),
    '--kbeta-ev', String(o.kbetaEv));
  if (o.outlierSigma !== undefined) args.push('--outlier-sigma', String(o.outlierSigma));
  if (o.exclude?.length) args.push('--exclude', o.exclude.map(([t, a]) => `${t}:${a}`).join(','));
  return args;
}
