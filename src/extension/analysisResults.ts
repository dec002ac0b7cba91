// Stored analysis results: where they are, whether they still match the inputs (fingerprint), what they say.
import * as fs from 'fs';
import * as path from 'path';
import { AnalyseOptions, chooseMask, defaultOutputFolder, resultSettings, scanOutputFolder } from '../engine/analyse';
import { discoverScans, inputFingerprint, Scan } from '../engine/scanFiles';

export interface ThresholdSummary {
  threshold: number; files: number; good: number; bad: number; failed: number; all_bad: boolean;
  asic_flux: number | null; asic_flux_error: number | null;
}

/** The parts of summary.json the extension reads. */
export interface AnalysisSummary {
  scan: { id: string; prefix: string; shutter: string; shutterSeconds: number };
  shape: { rows: number; cols: number };
  inputFingerprint: string;
  thresholds: number[];
  per_threshold: ThresholdSummary[];
  bad_acquisitions: Array<[number, number]>;
  acquisitions: { total: number; good: number; bad: number; failed: number };
  heterogeneity?: { conclusions: string[] };
}

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

/** True when every scan of the folder has a stored result that still matches its inputs: nothing to recompute. */
export function resultsUpToDate(options: AnalyseOptions, stored: StoredResult[]): boolean {
  return stored.length > 0 && stored.length === discoverScans(options.folder).scans.length && stored.every(r => r.upToDate);
}

/** Results stored for the scans of `options.folder`, each marked up to date or stale. */
export function storedResults(options: AnalyseOptions): StoredResult[] {
  const found = discoverScans(options.folder);
  let maskFile: string | undefined;
  try { maskFile = chooseMask(options.mask, found.maskCandidates).file ?? undefined; } catch { maskFile = undefined; }
  const out: StoredResult[] = [];
  for (const scan of found.scans) {
    const outputDir = resultFolder(options, scan, found.scans.length);
    const file = path.join(outputDir, 'summary.json');
    if (!fs.existsSync(file)) continue;
    try {
      const summary = JSON.parse(fs.readFileSync(file, 'utf8')) as AnalysisSummary;
      const fingerprint = inputFingerprint(scan, resultSettings(options), maskFile && fs.existsSync(maskFile) ? maskFile : undefined);
      out.push({ scan, outputDir, summary, upToDate: summary.inputFingerprint === fingerprint });
    } catch {
      // unreadable summary: treated as no result
    }
  }
  return out;
}
