// Shared test helpers: scratch folders and generated scans (the generator is the only source of test data).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as crypto from 'crypto';
import { parse } from 'csv-parse/sync';
import { generateScan, GenerateOptions, GeneratedTruth } from '../../src/engine/generate';

export function scratchDir(name: string): string {
  const base = path.join(os.tmpdir(), 'velo-calib-tests');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `${name}-`));
}

export function generated(name: string, options: Omit<GenerateOptions, 'dir'>): { dir: string; truth: GeneratedTruth } {
  const dir = scratchDir(name);
  return { dir, truth: generateScan({ ...options, dir }) };
}

/** The oracle: csv-parse's reading of a matrix file. */
export function readMatrixWithCsvParse(file: string): number[][] {
  const rows: string[][] = parse(fs.readFileSync(file), { bom: true, skip_empty_lines: true, trim: true });
  return rows.map(r => r.map(Number));
}

export function readOutputMatrix(file: string): number[][] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map(l => l.split(',').map(v => (v === 'nan' ? NaN : Number(v))));
}

/** sha256 of every file in a folder (non-recursive), to prove raw data is never touched. */
export function folderHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isFile()) continue;
    const full = path.join(dir, e.name);
    const st = fs.statSync(full);
    out.set(e.name, crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex') + ':' + st.mtimeMs);
  }
  return out;
}

export function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
}

export interface PixelRow { row: number; col: number; status: string; flags: string; [k: string]: number | string }

/** pixel_fits.csv as rows keyed by column name (`nan` → NaN; status and flags stay text). */
export function readPixelFits(file: string): { header: string; rows: PixelRow[] } {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const names = lines[0].split(',');
  const rows = lines.slice(1).map(l => {
    const cells = l.split(',');
    return Object.fromEntries(names.map((n, i) => [n, n === 'status' || n === 'flags' ? cells[i] : Number(cells[i] === 'nan' ? NaN : cells[i])])) as PixelRow;
  });
  return { header: lines[0], rows };
}

/** Mean and rms of pulls. */
export function pullStats(v: number[]) {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return { mean, rms: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length) };
}
