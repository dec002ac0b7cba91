// Stored analysis results: where they are, whether they still match the inputs (fingerprint), what they say.
import * as fs from 'fs';
import * as path from 'path';
import { AnalyseOptions, defaultOutputFolder, resultSettings, scanOutputFolder } from '../engine/analyse';
import { auxiliaryFileList, resolveAuxiliaryFiles } from '../engine/input/auxiliaryFiles';
import { discoverScans, inputFingerprint, Scan } from '../engine/scanFiles';
import { AnalysisSummary } from './analysisOutput';

export interface StoredResult {
  scan: Scan;
  outputDir: string;
  summary: AnalysisSummary;
  /** The inputs (names, sizes, mtimes, settings) are unchanged since the analysis. */
  upToDate: boolean;
}

export function resultFolder(options: AnalyseOptions, scan: Scan, scanCount: number): string {
  return scanOutputFolder(path.resolve(options.out ?? defaultOutputFolder(options.folder)), scan, scanCount);
}

export interface ScanState {
  scan: Scan;
  /** The stored result, when there is one. */
  result?: StoredResult;
}

/** Every scan of `options.folder` with its stored result (marked up to date or stale), from one directory read. */
export function scanStates(options: AnalyseOptions): ScanState[] {
  const found = discoverScans(options.folder);
  return found.scans.map(scan => {
    const outputDir = resultFolder(options, scan, found.scans.length);
    const file = path.join(outputDir, 'summary.json');
    if (!fs.existsSync(file)) return { scan };
    try {
      const summary = JSON.parse(fs.readFileSync(file, 'utf8')) as AnalysisSummary;
      const auxiliary = auxiliaryFileList(resolveAuxiliaryFiles(scan, found.scans, found.auxiliaryCandidates, options));
      const fingerprint = inputFingerprint(scan, resultSettings(options), auxiliary.filter(f => fs.existsSync(f)));
      return { scan, result: { scan, outputDir, summary, upToDate: summary.inputFingerprint === fingerprint } };
    } catch {
      return { scan }; // unreadable summary: treated as no result
    }
  });
}

/** True when every scan has a stored result that still matches its inputs: nothing to recompute. */
export function resultsUpToDate(states: ScanState[]): boolean {
  return states.length > 0 && states.every(s => s.result?.upToDate);
}

/** The stored results of a folder's scans. */
export function storedResults(options: AnalyseOptions): StoredResult[] {
  return scanStates(options).flatMap(s => (s.result ? [s.result] : []));
}
