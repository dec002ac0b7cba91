// Discovery of threshold scans in a folder: file-name grammar, shutter times, grouping, mask lookup.
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import { auxiliaryRole } from './input/auxiliaryFiles';

/** `<prefix><ST>_THR_<thr>_<acq>.csv`, ST like `1s310ms`, `2s`, `500ms`. */
const SCAN_FILE_RE = /^(.*?)(\d+s\d+ms|\d+s|\d+ms)_THR_(\d+)_(\d+)\.csv$/;

export interface AcquisitionFile {
  path: string;
  name: string;
  threshold: number;
  acquisition: number;
  size: number;
  mtimeMs: number;
}

export interface ThresholdFiles {
  threshold: number;
  acquisitions: AcquisitionFile[]; // sorted by acquisition index
}

export interface Scan {
  /** `<prefix><ST>`: unique within a folder, used to name outputs. */
  id: string;
  prefix: string;
  shutterText: string;
  shutterSeconds: number;
  folder: string;
  thresholds: ThresholdFiles[]; // sorted by threshold
  /** (threshold, acquisition) pairs absent although the acquisition index exists elsewhere in the scan. */
  missing: Array<[number, number]>;
}

export interface ScanFolder {
  folder: string;
  scans: Scan[];
  maskCandidates: string[];
  /** Masks, baselines and baseline widths (see input/auxiliaryFiles.ts), sorted. */
  auxiliaryCandidates: string[];
}

export function parseShutterTime(text: string): number {
  let m = /^(\d+)s(\d+)ms$/.exec(text);
  if (m) return Number(m[1]) + Number(m[2]) / 1000;
  m = /^(\d+)s$/.exec(text);
  if (m) return Number(m[1]);
  m = /^(\d+)ms$/.exec(text);
  if (m) return Number(m[1]) / 1000;
  throw new Error(`unrecognised shutter time "${text}" (expected e.g. 1s310ms, 2s or 500ms)`);
}

export interface ParsedScanFileName {
  prefix: string;
  shutterText: string;
  threshold: number;
  acquisition: number;
}

export function parseScanFileName(name: string): ParsedScanFileName | undefined {
  const m = SCAN_FILE_RE.exec(name);
  if (!m) return undefined;
  return { prefix: m[1], shutterText: m[2], threshold: Number(m[3]), acquisition: Number(m[4]) };
}

export function isMaskFileName(name: string): boolean {
  return /mask/i.test(name) && name.toLowerCase().endsWith('.csv') && !SCAN_FILE_RE.test(name);
}

/** Lists the scans of a folder (non-recursive). Reads only directory entries and stats, never file contents. */
export function discoverScans(folder: string): ScanFolder {
  const entries = fs.readdirSync(folder, { withFileTypes: true });
  const byId = new Map<string, Scan>();
  const maskCandidates: string[] = [], auxiliaryCandidates: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const name = entry.name;
    if (isMaskFileName(name)) maskCandidates.push(path.join(folder, name));
    const parsed = parseScanFileName(name);
    if (!parsed) {
      if (auxiliaryRole(name)) auxiliaryCandidates.push(path.join(folder, name));
      continue;
    }
    const filePath = path.join(folder, name);
    const stat = fs.statSync(filePath);
    if (!stat.isFile()) continue;
    const id = parsed.prefix + parsed.shutterText;
    let scan = byId.get(id);
    if (!scan) {
      scan = {
        id, prefix: parsed.prefix, shutterText: parsed.shutterText,
        shutterSeconds: parseShutterTime(parsed.shutterText), folder, thresholds: [], missing: [],
      };
      byId.set(id, scan);
    }
    let thr = scan.thresholds.find(t => t.threshold === parsed.threshold);
    if (!thr) { thr = { threshold: parsed.threshold, acquisitions: [] }; scan.thresholds.push(thr); }
    thr.acquisitions.push({
      path: filePath, name, threshold: parsed.threshold, acquisition: parsed.acquisition,
      size: stat.size, mtimeMs: stat.mtimeMs,
    });
  }
  const scans = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const scan of scans) {
    scan.thresholds.sort((a, b) => a.threshold - b.threshold);
    const allAcq = new Set<number>();
    for (const t of scan.thresholds) {
      t.acquisitions.sort((a, b) => a.acquisition - b.acquisition);
      for (const a of t.acquisitions) allAcq.add(a.acquisition);
    }
    const expected = [...allAcq].sort((a, b) => a - b);
    for (const t of scan.thresholds) {
      const present = new Set(t.acquisitions.map(a => a.acquisition));
      for (const acq of expected) if (!present.has(acq)) scan.missing.push([t.threshold, acq]);
    }
  }
  maskCandidates.sort();
  auxiliaryCandidates.sort();
  return { folder, scans, maskCandidates, auxiliaryCandidates };
}

/** Most common spacing between consecutive thresholds (thresholds need not be evenly spaced). */
export function thresholdStep(thresholds: number[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < thresholds.length; i++) {
    const d = thresholds[i] - thresholds[i - 1];
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0, bestCount = -1;
  for (const [d, c] of counts) if (c > bestCount || (c === bestCount && d < best)) { best = d; bestCount = c; }
  return best;
}

/**
 * Fingerprint of everything an analysis result depends on: file names, sizes, mtimes and settings.
 * Used to decide whether a stored result can be reused.
 */
export function inputFingerprint(scan: Scan, settings: unknown, auxiliaryFiles: string[] = []): string {
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify(settings ?? null));
  for (const file of auxiliaryFiles) {
    const st = fs.statSync(file);
    h.update(`aux:${path.basename(file)}:${st.size}:${Math.floor(st.mtimeMs)}\n`);
  }
  for (const t of scan.thresholds) {
    for (const a of t.acquisitions) h.update(`${a.name}:${a.size}:${Math.floor(a.mtimeMs)}\n`);
  }
  return h.digest('hex').slice(0, 32);
}
