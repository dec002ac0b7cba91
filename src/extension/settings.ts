// `veloCalib.*` settings → engine options and CLI arguments (the same options decide result reuse).
import * as path from 'path';
import * as vscode from 'vscode';
import { AnalyseOptions, DEFAULT_ANALYSE_OPTIONS } from '../engine/analyse';
import { DEFAULT_OUTLIER_SIGMA, parseExclusions } from '../engine/input/acquisitionQuality';
import { ModelName } from '../engine/scurveModel';

export function analyseOptionsFromSettings(folder: string): AnalyseOptions {
  const c = vscode.workspace.getConfiguration('veloCalib', vscode.Uri.file(folder));
  const fitRangeText = c.get<string>('fitRange', '').trim();
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(fitRangeText);
  const out = c.get<string>('outputFolder', '').trim();
  const mask = c.get<string>('maskFile', '').trim();
  const workers = c.get<number>('workers', 0);
  let exclude: Array<[number, number]> = [];
  try { exclude = parseExclusions(c.get<string | string[]>('exclude', [])); } catch { /* the engine is not asked to guess: an invalid list excludes nothing */ }
  return {
    ...DEFAULT_ANALYSE_OPTIONS,
    folder,
    out: out ? path.resolve(folder, out) : undefined,
    mask: mask ? path.resolve(folder, mask) : undefined,
    badCut: c.get<number>('badCut', DEFAULT_ANALYSE_OPTIONS.badCut),
    badColumns: c.get<number>('badColumns', DEFAULT_ANALYSE_OPTIONS.badColumns),
    cutBad: c.get<boolean>('cutBad', DEFAULT_ANALYSE_OPTIONS.cutBad),
    model: c.get<ModelName>('model', 'scurve'),
    fitRange: m ? [Number(m[1]), Number(m[2])] : undefined,
    workers: workers > 0 ? workers : undefined,
    outlierSigma: c.get<number>('outlierSigma', DEFAULT_OUTLIER_SIGMA),
    exclude,
  };
}

export function cliArguments(o: AnalyseOptions): string[] {
  const args = ['analyse', o.folder, '--bad-cut', String(o.badCut), '--bad-columns', String(o.badColumns), '--model', o.model];
  if (o.out) args.push('--out', o.out);
  if (o.mask) args.push('--mask', o.mask);
  if (!o.cutBad) args.push('--no-cut-bad');
  if (!o.fit) args.push('--no-fit');
  if (o.fitRange) args.push('--fit-range', `${o.fitRange[0]}:${o.fitRange[1]}`);
  if (o.workers) args.push('--workers', String(o.workers));
  if (o.polarity !== 'auto') args.push('--polarity', String(o.polarity));
  if (o.scan) args.push('--scan', o.scan);
  if (o.outlierSigma !== undefined) args.push('--outlier-sigma', String(o.outlierSigma));
  if (o.exclude?.length) args.push('--exclude', o.exclude.map(([t, a]) => `${t}:${a}`).join(','));
  return args;
}
