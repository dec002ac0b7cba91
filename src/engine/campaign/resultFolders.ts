// Finding analysed scans on disk: result folders (those holding summary.json), the scan's identity on a
// module (module, ASIC) and its condition label (warm/cold, fluence) — shared by collect and compare.
import * as fs from 'fs';
import * as path from 'path';

export const SUMMARY_FILE = 'summary.json';
/** Optional condition of a data folder, beside its scan files: `{"label": "cold", "temperature_c": -25, "fluence_neq_cm2": 1e15}`. */
export const SCAN_INFO_FILE = 'scan.json';

/** The parts of summary.json that campaigns read; everything optional is read defensively. */
export interface StoredSummary {
  dataFolder: string;
  scan: { id: string; prefix: string; shutter: string; shutterSeconds: number };
  shape: { rows: number; cols: number };
  thresholds: number[];
  acquisitions: { total: number; good: number; bad: number; failed: number };
  fit?: { model: string; polarity: number; asic: { params: Record<string, number | null>; errors: Record<string, number | null> } };
  heterogeneity?: { ok_pixels: number; mu: { median: number; robustRms: number }; sigma: { median: number } };
  gain?: Record<string, unknown>;
}

export interface ResultFolder { dir: string; summary: StoredSummary }

export function readResultFolder(dir: string): ResultFolder {
  const file = path.join(dir, SUMMARY_FILE);
  let summary: StoredSummary;
  try {
    summary = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable summary (${(e as Error).message})`, { cause: e });
  }
  if (!summary?.scan?.id || !Array.isArray(summary.thresholds)) throw new Error(`${file}: not a velo-calib summary (no scan id or thresholds)`);
  return { dir, summary };
}

/**
 * Every folder under `root` holding a summary.json, walking visible entries only (hidden folders such as
 * staging or versioned result directories are reached through their visible symlinks), following symbolic
 * links once: a directory whose real path was seen already is skipped, so loops end and a result published
 * through a symlink is listed once. Sorted by path.
 */
export function findResultFolders(root: string): string[] {
  const seen = new Set<string>(), found: string[] = [];
  const visit = (dir: string) => {
    let real: string;
    try { real = fs.realpathSync(dir); } catch { return; }
    if (seen.has(real)) return;
    seen.add(real);
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    if (entries.some(e => e.name === SUMMARY_FILE && (e.isFile() || e.isSymbolicLink()))) found.push(dir);
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) visit(full);
      else if (e.isSymbolicLink()) {
        try { if (fs.statSync(full).isDirectory()) visit(full); } catch { /* dangling link */ }
      }
    }
  };
  visit(path.resolve(root));
  return found.sort();
}

/** Module and ASIC from a scan id or file name: `Module0_VP0-1_ECS_data_ST_1s310ms` → Module0, VP0-1. */
export function moduleAndAsic(id: string): { module: string; asic: string } {
  const m = /(?:^|[^A-Za-z0-9])?(Module\d+)[_-]?(VP\d+-\d+)/i.exec(id);
  if (m) return { module: m[1], asic: m[2].toUpperCase() };
  const a = /(VP\d+-\d+)/i.exec(id);
  return { module: '', asic: a ? a[1].toUpperCase() : '' };
}

export interface ScanCondition {
  label: string;
  temperature_c: number | null;
  fluence_neq_cm2: number | null;
  /** Where the label came from: the data folder's scan.json, or its name. */
  source: 'scan.json' | 'folder name';
}

/** The scan's condition: scan.json beside the data when present, else `warm`/`cold` in the folder name, else the name. */
export function scanCondition(dataFolder: string): ScanCondition {
  const file = path.join(dataFolder, SCAN_INFO_FILE);
  if (fs.existsSync(file)) {
    let info: Record<string, unknown>;
    try {
      info = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: expected JSON like {"label": "cold", "temperature_c": -25, "fluence_neq_cm2": 1e15} (${(e as Error).message})`, { cause: e });
    }
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    return {
      label: typeof info.label === 'string' ? info.label : path.basename(dataFolder),
      temperature_c: num(info.temperature_c), fluence_neq_cm2: num(info.fluence_neq_cm2), source: 'scan.json',
    };
  }
  const name = path.basename(dataFolder);
  const token = /(?:^|[^a-z])(warm|cold)(?:[^a-z]|$)/i.exec(name);
  return { label: token ? token[1].toLowerCase() : name, temperature_c: null, fluence_neq_cm2: null, source: 'folder name' };
}
