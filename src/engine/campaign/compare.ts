// `velo-calib compare A B`: how two analysed scans of the same ASIC differ, pixel by pixel (Δ maps with their
// significance), on average (shift ± error, robust spread, correlation), where (clusters of changed pixels)
// and in status (ok → dead …), with plain-language conclusions.
import * as fs from 'fs';
import * as path from 'path';
import { COMPARE_JSON_FILE, COMPARE_REPORT_FILE, COMPARED_QUANTITIES, ComparedQuantity, deltaMapFileName } from '../../contract/compareFiles';
import { formatNumber, formatWithError } from '../../contract/format';
import { STATUS_NAMES } from '../../protocol';
import { StagedOutput } from '../atomicFiles';
import { matrixToCsv } from '../csvFormat';
import { describe } from '../statistics';
import { findResultFolders, readResultFolder, ResultFolder, scanCondition, SUMMARY_FILE } from './resultFolders';

/** A pixel changed when its Δ differs from the median Δ (the common shift) by more than this many combined errors. */
export const CHANGE_SIGNIFICANCE = 5;

export { COMPARED_QUANTITIES };
export type { ComparedQuantity };

/** The per-pixel table of a result folder (pixel_fits.csv), columns by header name. */
export interface PixelTable {
  rows: number;
  cols: number;
  status: Uint8Array;
  columns: Map<string, Float64Array>;
}

export function readPixelTable(result: ResultFolder): PixelTable {
  const file = path.join(result.dir, 'pixel_fits.csv');
  if (!fs.existsSync(file)) throw new Error(`${result.dir}: no pixel_fits.csv (analysed with --no-fit?): nothing to compare`);
  const { rows, cols } = result.summary.shape;
  const lines = fs.readFileSync(file, 'latin1').split('\n');
  const header = lines[0].trim().split(',');
  const iRow = header.indexOf('row'), iCol = header.indexOf('col'), iStatus = header.indexOf('status');
  if (iRow < 0 || iCol < 0 || iStatus < 0) throw new Error(`${file}, line 1: expected a header with row,col,status`);
  const status = new Uint8Array(rows * cols).fill(STATUS_NAMES.indexOf('masked'));
  const numeric = header.map((name, k) => ({ name, k })).filter(h => h.k !== iRow && h.k !== iCol && h.k !== iStatus);
  const columns = new Map(numeric.map(h => [h.name, new Float64Array(rows * cols).fill(NaN)]));
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const cells = line.split(',');
    const r = Number(cells[iRow]), c = Number(cells[iCol]);
    if (!(Number.isInteger(r) && Number.isInteger(c) && r >= 0 && r < rows && c >= 0 && c < cols)) {
      throw new Error(`${file}, line ${i + 1}, column ${iRow + 1}: expected a pixel inside ${rows}×${cols}, found "${cells[iRow]},${cells[iCol]}"`);
    }
    const p = r * cols + c;
    const code = STATUS_NAMES.indexOf(cells[iStatus] as (typeof STATUS_NAMES)[number]);
    if (code < 0) throw new Error(`${file}, line ${i + 1}, column ${iStatus + 1}: expected a status (${STATUS_NAMES.join(', ')}), found "${cells[iStatus]}"`);
    status[p] = code;
    for (const h of numeric) columns.get(h.name)![p] = cells[h.k] === 'nan' || cells[h.k] === undefined ? NaN : Number(cells[h.k]);
  }
  return { rows, cols, status, columns };
}

/**
 * The result folder meant by a compare argument: a result folder itself, or a data/result tree holding one
 * analysed scan (or several, one of them chosen by `scan`).
 */
export function resolveResultFolder(input: string, scan?: string): ResultFolder {
  const dir = path.resolve(input);
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no such folder`);
  if (fs.existsSync(path.join(dir, SUMMARY_FILE))) {
    const r = readResultFolder(dir);
    if (!scan || r.summary.scan.id === scan) return r;
  }
  const all = findResultFolders(dir).map(readResultFolder);
  const matching = scan ? all.filter(r => r.summary.scan.id === scan) : all;
  if (matching.length === 1) return matching[0];
  if (matching.length === 0) {
    throw new Error(scan
      ? `${dir}: no analysed scan "${scan}" (found: ${all.map(r => r.summary.scan.id).join(', ') || 'none'})`
      : `${dir}: no analysed scan (run \`velo-calib analyse ${input}\` first)`);
  }
  throw new Error(`${dir}: ${matching.length} analysed scans (${matching.map(r => r.summary.scan.id).join(', ')}): choose one with --scan`);
}

export interface Cluster { kind: 'column' | 'double column' | 'row'; index: number; pixels: number }

export interface QuantityComparison {
  quantity: ComparedQuantity;
  unit: string;
  /** Pixels ok in both scans with a finite Δ. */
  n: number;
  mean: number; error: number; median: number; spread: number;
  /** Mean Δ over the pixels that did not change beyond CHANGE_SIGNIFICANCE: the common shift. */
  mean_unchanged: number; error_unchanged: number;
  /** Least-squares B = slope·A + intercept over the pixels, and Pearson's r. */
  slope: number; slope_error: number; r: number;
  changed: number; changed_fraction: number;
  cluster: Cluster | null;
}

export interface ScanComparison {
  a: { dir: string; scan: string; label: string };
  b: { dir: string; scan: string; label: string };
  shape: { rows: number; cols: number };
  ok_both: number;
  threshold_sigma: number;
  /** null for a quantity one of the scans lacks (gain without a baseline). */
  delta: Record<ComparedQuantity, QuantityComparison | null>;
  status_transitions: Record<string, number>;
  conclusions: string[];
}

interface QuantityMaps { delta: Float64Array; significance: Float64Array; changed: number[] }

/** Where changed pixels concentrate: one column, else one double column, else one row holding at least two thirds of them. */
export function findCluster(pixels: number[], cols: number): Cluster | null {
  if (pixels.length < 3) return null;
  const keys: Array<[Cluster['kind'], (p: number) => number]> = [
    ['column', p => p % cols], ['double column', p => (p % cols) >> 1], ['row', p => Math.floor(p / cols)],
  ];
  for (const [kind, key] of keys) {
    const counts = new Map<number, number>();
    for (const p of pixels) counts.set(key(p), (counts.get(key(p)) ?? 0) + 1);
    const [index, count] = [...counts].reduce((best, e) => (e[1] > best[1] ? e : best));
    if (count >= 3 && 3 * count >= 2 * pixels.length) return { kind, index, pixels: count };
  }
  return null;
}

function pearson(x: number[], y: number[]): { slope: number; slopeError: number; r: number } {
  const n = x.length;
  if (n < 3) return { slope: NaN, slopeError: NaN, r: NaN };
  const mx = x.reduce((s, v) => s + v, 0) / n, my = y.reduce((s, v) => s + v, 0) / n;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2; sxy += (x[i] - mx) * (y[i] - my); }
  const slope = sxy / sxx, r = sxy / Math.sqrt(sxx * syy);
  const residual = Math.max(syy - slope * sxy, 0);
  return { slope, slopeError: Math.sqrt(residual / Math.max(n - 2, 1) / sxx), r };
}

function compareQuantity(name: ComparedQuantity, unit: string, a: PixelTable, b: PixelTable, okBoth: Uint8Array,
  threshold: number): { summary: QuantityComparison; maps: QuantityMaps } | undefined {
  const va = a.columns.get(name), vb = b.columns.get(name), ea = a.columns.get(`${name}_err`), eb = b.columns.get(`${name}_err`);
  if (!va || !vb || !ea || !eb) return undefined;
  const n = okBoth.length;
  const delta = new Float64Array(n).fill(NaN), significance = new Float64Array(n).fill(NaN);
  const xs: number[] = [], ys: number[] = [], used: number[] = [];
  for (let p = 0; p < n; p++) {
    if (!okBoth[p] || !Number.isFinite(va[p]) || !Number.isFinite(vb[p])) continue;
    delta[p] = vb[p] - va[p];
    const e = Math.hypot(ea[p], eb[p]);
    significance[p] = e > 0 ? delta[p] / e : NaN;
    xs.push(va[p]); ys.push(vb[p]); used.push(p);
  }
  const d = describe(delta);
  const changed: number[] = [], unchanged: number[] = [];
  for (const p of used) {
    const e = Math.hypot(ea[p], eb[p]);
    if (e > 0 && Math.abs(delta[p] - d.median) / e > threshold) changed.push(p); else unchanged.push(delta[p]);
  }
  const u = describe(unchanged);
  const fit = pearson(xs, ys);
  const cols = a.cols;
  return {
    summary: {
      quantity: name, unit, n: d.n, mean: d.mean, error: d.rms / Math.sqrt(d.n), median: d.median, spread: d.robustRms,
      mean_unchanged: u.mean, error_unchanged: u.rms / Math.sqrt(u.n),
      slope: fit.slope, slope_error: fit.slopeError, r: fit.r,
      changed: changed.length, changed_fraction: d.n ? changed.length / d.n : NaN, cluster: findCluster(changed, cols),
    },
    maps: { delta, significance, changed },
  };
}

function nullIfNaN(v: number): number | null { return Number.isFinite(v) ? v : null; }

function jsonSafe<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' ? nullIfNaN(v) : v)));
}

const percent = (x: number) => `${formatNumber(100 * x, 2)} %`;

function conclusions(c: ScanComparison): string[] {
  const out: string[] = [];
  const [la, lb] = [c.a.label, c.b.label];
  out.push(`${c.ok_both} pixels are ok in both ${la} and ${lb} and enter the comparison (Δ = ${lb} − ${la}).`);
  for (const q of COMPARED_QUANTITIES) {
    const d = c.delta[q.name];
    if (!d || d.n === 0) continue;
    const [mean, error] = d.changed ? [d.mean_unchanged, d.error_unchanged] : [d.mean, d.error];
    const excluded = d.changed ? ` (pixels changed beyond ${c.threshold_sigma}σ left out)` : '';
    const shift = Math.abs(mean) < 3 * error
      ? `${lb} ${q.title} agree with ${la}: Δ = ${formatWithError(mean, error, q.unit)}${excluded}`
      : `${lb} ${q.title} are ${formatWithError(Math.abs(mean), error, q.unit)} ${mean > 0 ? 'higher' : 'lower'} than ${la}${excluded}`;
    let where = '';
    if (d.changed) {
      where = `; ${percent(d.changed_fraction)} of pixels (${d.changed}) changed beyond ${c.threshold_sigma}σ`;
      if (d.cluster) where += `, clustered in ${d.cluster.kind} ${d.cluster.index} (${d.cluster.pixels} of them)`;
    }
    out.push(`${shift}${where}; pixel-to-pixel spread of Δ ${formatNumber(d.spread, 3)} ${q.unit}, ` +
      `correlation r = ${formatNumber(d.r, 3)}, slope ${formatWithError(d.slope, d.slope_error)}.`);
  }
  const transitions = Object.entries(c.status_transitions);
  if (transitions.length) out.push(`Status changes: ${transitions.map(([k, v]) => `${v} ${k}`).join(', ')}.`);
  else out.push('No pixel changed status.');
  return out;
}

function renderMarkdown(c: ScanComparison): string {
  const lines = [`# Comparison: ${c.b.label} against ${c.a.label}`, '',
    `- A (${c.a.label}): scan \`${c.a.scan}\` in \`${c.a.dir}\``, `- B (${c.b.label}): scan \`${c.b.scan}\` in \`${c.b.dir}\``, '',
    '## Conclusions', '', ...c.conclusions.map(s => `- ${s}`), '',
    '## Δ = B − A over pixels ok in both', '',
    '| quantity | pixels | mean | median | robust spread | slope | r | changed |', '|---|---|---|---|---|---|---|---|'];
  for (const q of COMPARED_QUANTITIES) {
    const d = c.delta[q.name];
    if (!d) continue;
    lines.push(`| ${q.name} (${q.unit}) | ${d.n} | ${formatWithError(d.mean, d.error)} | ${formatNumber(d.median)} | ${formatNumber(d.spread)} | ` +
      `${formatWithError(d.slope, d.slope_error)} | ${formatNumber(d.r, 3)} | ${d.changed} |`);
  }
  lines.push('', `A pixel changed when |Δ − median Δ| / √(e_A² + e_B²) > ${c.threshold_sigma} (see changed_pixels.csv).`, '');
  lines.push('## Status transitions', '', '| A → B | pixels |', '|---|---|');
  for (const [k, v] of Object.entries(c.status_transitions)) lines.push(`| ${k} | ${v} |`);
  return lines.join('\n') + '\n';
}

export interface CompareOptions { a: string; b: string; out: string; scan?: string; threshold?: number }

/** Compares two analysed scans and writes the Δ maps, changed_pixels.csv, status_transitions.csv, compare.json and compare.md. */
export function compareScans(options: CompareOptions): ScanComparison {
  const threshold = options.threshold ?? CHANGE_SIGNIFICANCE;
  const ra = resolveResultFolder(options.a, options.scan), rb = resolveResultFolder(options.b, options.scan);
  const a = readPixelTable(ra), b = readPixelTable(rb);
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`${ra.dir} is ${a.rows}×${a.cols} but ${rb.dir} is ${b.rows}×${b.cols}: not comparable`);
  const n = a.rows * a.cols;
  const ok = STATUS_NAMES.indexOf('ok');
  const okBoth = Uint8Array.from(a.status, (s, p) => Number(s === ok && b.status[p] === ok));
  let labelA = scanCondition(ra.summary.dataFolder).label, labelB = scanCondition(rb.summary.dataFolder).label;
  if (labelA === labelB) [labelA, labelB] = ['A', 'B'];

  const transitions: Record<string, number> = {};
  const transitionLines = ['row,col,from,to'];
  for (let p = 0; p < n; p++) {
    if (a.status[p] === b.status[p]) continue;
    const key = `${STATUS_NAMES[a.status[p]]}→${STATUS_NAMES[b.status[p]]}`;
    transitions[key] = (transitions[key] ?? 0) + 1;
    transitionLines.push(`${Math.floor(p / a.cols)},${p % a.cols},${STATUS_NAMES[a.status[p]]},${STATUS_NAMES[b.status[p]]}`);
  }

  const staged = new StagedOutput(path.resolve(options.out));
  try {
    const delta = Object.fromEntries(COMPARED_QUANTITIES.map(q => [q.name, null])) as ScanComparison['delta'];
    const changedLines = ['quantity,row,col,a,a_err,b,b_err,delta,significance'];
    for (const q of COMPARED_QUANTITIES) {
      const r = compareQuantity(q.name, q.unit, a, b, okBoth, threshold);
      if (!r) continue;
      delta[q.name] = r.summary;
      staged.write(deltaMapFileName(q.name), matrixToCsv(r.maps.delta, a.rows, a.cols));
      staged.write(deltaMapFileName(q.name, true), matrixToCsv(r.maps.significance, a.rows, a.cols));
      const [va, ea, vb, eb] = [a.columns.get(q.name)!, a.columns.get(`${q.name}_err`)!, b.columns.get(q.name)!, b.columns.get(`${q.name}_err`)!];
      for (const p of r.maps.changed) {
        changedLines.push([q.name, Math.floor(p / a.cols), p % a.cols, va[p], ea[p], vb[p], eb[p], r.maps.delta[p], r.maps.significance[p]].join(','));
      }
    }
    const comparison: ScanComparison = {
      a: { dir: ra.dir, scan: ra.summary.scan.id, label: labelA }, b: { dir: rb.dir, scan: rb.summary.scan.id, label: labelB },
      shape: { rows: a.rows, cols: a.cols }, ok_both: okBoth.reduce((s, v) => s + v, 0), threshold_sigma: threshold,
      delta, status_transitions: transitions, conclusions: [],
    };
    comparison.conclusions = conclusions(comparison);
    staged.write('changed_pixels.csv', changedLines.join('\n') + '\n');
    staged.write('status_transitions.csv', transitionLines.join('\n') + '\n');
    staged.write(COMPARE_REPORT_FILE, renderMarkdown(comparison));
    staged.write(COMPARE_JSON_FILE, JSON.stringify(jsonSafe({ tool: 'velo-calib', created: new Date().toISOString(), ...comparison }), null, 1) + '\n');
    staged.commit();
    return comparison;
  } catch (e) {
    staged.discard();
    throw e;
  }
}
