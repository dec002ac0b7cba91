// Stored analysis results: where they are, whether they still match the inputs (fingerprint), what they say.
// Paths are read through (a result folder may be a symlink to a versioned hidden directory).
import * as fs from 'fs';
import * as path from 'path';
import { fingerprintSettings } from '../contract/analysisSettings';
import { OUTPUT_FOLDER_NAME, SUMMARY_FILE } from '../contract/outputFiles';
import { AnalysisSummary } from '../contract/summary';
import { auxiliaryFileList, resolveAuxiliaryFiles } from '../engine/input/auxiliaryFiles';
import { discoverScans, inputFingerprint, Scan, ScanFolder } from '../engine/scanFiles';
import { AnalysisRequest } from './analysisArguments';

export interface StoredResult {
  scan: Scan;
  outputDir: string;
  summary: AnalysisSummary;
  /** The inputs (names, sizes, mtimes, settings) are unchanged since the analysis. */
  upToDate: boolean;
}

/** The output folder of one scan: `<out>/<scan id>` when the folder holds several scans, else `<out>`. */
export function resultFolder(options: AnalysisRequest, scan: Scan, scanCount: number): string {
  const out = path.resolve(options.out ?? path.join(options.folder, OUTPUT_FOLDER_NAME));
  return scanCount > 1 ? path.join(out, scan.id) : out;
}

export interface ScanState {
  scan: Scan;
  /** The stored result, when there is one. */
  result?: StoredResult;
}

/** The mask, baseline and width files the engine would read for the scan (none when the choice is ambiguous). */
function auxiliaryFilesFor(scan: Scan, found: ScanFolder, options: AnalysisRequest): string[] {
  try {
    return auxiliaryFileList(resolveAuxiliaryFiles(scan, found.scans, found.auxiliaryCandidates, options)).filter(f => fs.existsSync(f));
  } catch {
    return []; // ambiguous: the engine fails this scan, so no stored result can match anyway
  }
}

/** Every scan of `options.folder` with its stored result (marked up to date or stale), from one directory read. */
export function scanStates(options: AnalysisRequest): ScanState[] {
  const found = discoverScans(options.folder);
  return found.scans.map(scan => {
    const outputDir = resultFolder(options, scan, found.scans.length);
    const summary = readSummary(outputDir);
    if (!summary) return { scan };
    const fingerprint = inputFingerprint(scan, fingerprintSettings(options), auxiliaryFilesFor(scan, found, options));
    return { scan, result: { scan, outputDir, summary, upToDate: summary.inputFingerprint === fingerprint } };
  });
}

/** The summary of an output folder; undefined when there is none or it cannot be read. */
export function readSummary(outputDir: string): AnalysisSummary | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(outputDir, SUMMARY_FILE), 'utf8')) as AnalysisSummary;
  } catch {
    return undefined;
  }
}

/** True when every scan has a stored result that still matches its inputs: nothing to recompute. */
export function resultsUpToDate(states: ScanState[]): boolean {
  return states.length > 0 && states.every(s => s.result?.upToDate);
}

/** The stored results of a folder's scans. */
export function storedResults(options: AnalysisRequest): StoredResult[] {
  return scanStates(options).flatMap(s => (s.result ? [s.result] : []));
}
