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
  /** Second files of one (threshold, acquisition), e.g. `_1440_01` beside `_1440_1`: not added twice. */
  duplicates: DuplicateFile[];
}

export interface DuplicateFile {
  file: string;
  threshold: number;
  acquisition: number;
  reason: string;
}

/** A directory entry discovery set aside instead of failing on it (summary.json `ignored_entries`). */
export interface IgnoredEntry {
  name: string;
  reason: string;
}

export interface ScanFolder {
  folder: string;
  /** The scans to analyse. */
  scans: Scan[];
  /** Scans of too few files beside a real scan (a lone file of another shutter time): analysed only on request. */
  strayScans: Scan[];
  maskCandidates: string[];
  /** Masks, baselines and baseline widths (see input/auxiliaryFiles.ts), sorted. */
  auxiliaryCandidates: string[];
  ignored: IgnoredEntry[];
}

/** Beside a scan with at least this many thresholds, a scan with fewer is a stray, not a scan to analyse. */
const MIN_SCAN_THRESHOLDS = 3;

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

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a path cannot be used as a scan file, from the error of stat (which follows symbolic links). */
function statFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'broken symbolic link (its target does not exist)';
  if (code === 'ELOOP') return 'symbolic link loop';
  return `cannot be inspected (${code ?? (e as Error).message})`;
}

/**
 * Lists the scans of a folder (non-recursive). Reads only directory entries and stats, never file contents.
 * Never fails on a single entry: hidden and macOS `._*` files, non-regular files, broken links, link loops and
 * names that are not UTF-8 are set aside in `ignored`, duplicates of an acquisition in `Scan.duplicates`,
 * and lone files of another scan id in `strayScans`. `statOf` (fs.statSync) may answer from a cache (the live watch).
 */
export function discoverScans(folder: string, statOf: (filePath: string) => fs.Stats = fs.statSync): ScanFolder {
  const entries = fs.readdirSync(folder, { withFileTypes: true, encoding: 'buffer' });
  const byId = new Map<string, Scan>();
  const maskCandidates: string[] = [], auxiliaryCandidates: string[] = [];
  const ignored: IgnoredEntry[] = [];
  for (const entry of entries) {
    let name: string;
    try {
      name = utf8.decode(entry.name);
    } catch {
      const shown = entry.name.toString('utf8');
      if (/\.csv$/i.test(shown)) ignored.push({ name: shown, reason: 'file name is not valid UTF-8: it cannot be opened by name' });
      continue;
    }
    const parsed = parseScanFileName(name);
    const isMask = isMaskFileName(name);
    const role = parsed ? undefined : auxiliaryRole(name);
    if (!parsed && !role) continue; // not a file of ours
    if (name.startsWith('.')) {
      ignored.push({ name, reason: name.startsWith('._') ? 'macOS resource-fork file (._*)' : 'hidden file' });
      continue;
    }
    const filePath = path.join(folder, name);
    let stat: fs.Stats;
    try {
      stat = statOf(filePath);
    } catch (e) {
      ignored.push({ name, reason: statFailure(e) });
      continue;
    }
    if (!stat.isFile()) { ignored.push({ name, reason: 'not a regular file' }); continue; }
    if (isMask) maskCandidates.push(filePath);
    if (role) { auxiliaryCandidates.push(filePath); continue; }
    if (!parsed) continue;
    const id = parsed.prefix + parsed.shutterText;
    let scan = byId.get(id);
    if (!scan) {
      scan = {
        id, prefix: parsed.prefix, shutterText: parsed.shutterText,
        shutterSeconds: parseShutterTime(parsed.shutterText), folder, thresholds: [], missing: [], duplicates: [],
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
  const all = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const scan of all) {
    scan.thresholds.sort((a, b) => a.threshold - b.threshold);
    const allAcq = new Set<number>();
    for (const t of scan.thresholds) {
      t.acquisitions = dropDuplicates(scan, t.acquisitions);
      for (const a of t.acquisitions) allAcq.add(a.acquisition);
    }
    const expected = [...allAcq].sort((a, b) => a - b);
    for (const t of scan.thresholds) {
      const present = new Set(t.acquisitions.map(a => a.acquisition));
      for (const acq of expected) if (!present.has(acq)) scan.missing.push([t.threshold, acq]);
    }
  }
  const largest = Math.max(0, ...all.map(s => s.thresholds.length));
  const isStray = (s: Scan) => largest >= MIN_SCAN_THRESHOLDS && s.thresholds.length < MIN_SCAN_THRESHOLDS;
  const strayScans = all.filter(isStray);
  for (const s of strayScans) {
    const files = s.thresholds.flatMap(t => t.acquisitions);
    ignored.push({
      name: files.length === 1 ? files[0].name : `${s.id}_THR_*.csv`,
      reason: `a scan of too few files (${files.length} file${files.length === 1 ? '' : 's'}, ${s.thresholds.length} ` +
        `threshold${s.thresholds.length === 1 ? '' : 's'}) beside a scan of ${largest} thresholds: not analysed (--scan ${s.id} to analyse it)`,
    });
  }
  maskCandidates.sort();
  auxiliaryCandidates.sort();
  ignored.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { folder, scans: all.filter(s => !isStray(s)), strayScans, maskCandidates, auxiliaryCandidates, ignored };
}

/** The canonical file name of an acquisition (numbers without leading zeros). */
function canonicalName(scan: Scan, a: AcquisitionFile): string {
  return `${scan.id}_THR_${a.threshold}_${a.acquisition}.csv`;
}

/**
 * Sorted by acquisition, one file per acquisition number: of `_1440_1` and `_1440_01` the canonical name is kept
 * (else the first name in byte order), the others go to `scan.duplicates`.
 */
function dropDuplicates(scan: Scan, files: AcquisitionFile[]): AcquisitionFile[] {
  const rank = (a: AcquisitionFile) => (a.name === canonicalName(scan, a) ? 0 : 1);
  files.sort((a, b) => a.acquisition - b.acquisition || rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const kept: AcquisitionFile[] = [];
  for (const a of files) {
    const previous = kept[kept.length - 1];
    if (previous?.acquisition === a.acquisition) {
      scan.duplicates.push({
        file: a.name, threshold: a.threshold, acquisition: a.acquisition,
        reason: `duplicate of ${previous.name} (threshold ${a.threshold}, acquisition ${a.acquisition}): not added twice`,
      });
    } else {
      kept.push(a);
    }
  }
  return kept;
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
  for (const d of scan.duplicates) h.update(`duplicate:${d.file}\n`);
  return h.digest('hex').slice(0, 32);
}
