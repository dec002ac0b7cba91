// Fit tables: pixel_fits.csv and the per-pixel map CSVs. Every number is formatted once (a pixel's μ is the same
// text in pixel_fits.csv and in map_mu.csv), matrix rows are split between worker threads, and each thread writes
// its part of every file in place (fitTablesWorker): formatting numbers is most of the time after the fits.
import * as fs from 'fs';
import * as path from 'path';
import { StagedOutput } from '../atomicFiles';
import { formatNumber } from '../csvFormat';
import type { PixelQuantity } from '../gain/gainAnalysis';
import {
  FIT_FLAG_NAMES, R_DEVIANCE, R_ERROR, R_FLAGS, R_NDF, R_PVALUE, R_SHAPE_DEVIANCE, R_SIGMA_UPPER, R_STATUS, R_THETA,
  RESULT_FIELDS, STATUS_NAMES,
} from '../scanFits';
import { FIT_PARAMETERS, N_PARAMS } from '../scurveModel';
import { mapFileName, PIXEL_FITS_FILE } from '../../contract/outputFiles';
import { workerScript } from '../workerPool';
import { takeWorker } from './spareWorkers';

export const PIXEL_FITS_HEADER =
  'row,col,status,mu,mu_err,sigma,sigma_err,amplitude,amplitude_err,slope,slope_err,background,background_err,chi2,ndf,' +
  'flags,sigma_upper';

/** `;`-separated names of the flag bits set in `bits` (empty when none). */
export function flagNames(bits: number): string {
  return FIT_FLAG_NAMES.filter((_, b) => bits & (1 << b)).join(';');
}

/** A map's value for one pixel: a field of its result row (formatted once for the map and pixel_fits.csv), or
 *  computed from the row (`o`: the row's offset in the results). */
export type MapSource = number | ((results: Float64Array, o: number) => number);

/** Per-pixel maps written as 256×256 CSV (and into pixel_maps.f64 and results.h5): file name → value. */
export const MAP_FILES: Record<string, MapSource> = {
  ...Object.fromEntries(FIT_PARAMETERS.flatMap((name, k) => [[mapFileName(name), R_THETA + k], [mapFileName(`${name}_err`), R_ERROR + k]])),
  'map_status.csv': R_STATUS,
  'map_chi2_ndf.csv': (r, o) => r[o + R_DEVIANCE] / r[o + R_NDF],
  'map_pvalue.csv': R_PVALUE,
  'map_delta_deviance.csv': (r, o) => r[o + R_SHAPE_DEVIANCE] - r[o + R_DEVIANCE],
  'map_sigma_upper.csv': R_SIGMA_UPPER,
  'map_flags.csv': R_FLAGS,
};

/** One map's values, pixel by pixel (into `out`). */
export function mapColumn(source: MapSource, results: Float64Array, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  if (typeof source === 'number') for (let p = 0; p < n; p++) out[p] = results[p * RESULT_FIELDS + source];
  else for (let p = 0; p < n; p++) out[p] = source(results, p * RESULT_FIELDS);
  return out;
}

/** Every map of MAP_FILES, one rows×cols map after another in MAP_FILES order, in shared memory (`n` pixels). */
export function mapColumns(results: Float64Array, n: number): Float64Array {
  const sources = Object.values(MAP_FILES);
  const all = new Float64Array(new SharedArrayBuffer(8 * n * sources.length));
  sources.forEach((source, m) => mapColumn(source, results, n, all.subarray(m * n, (m + 1) * n)));
  return all;
}

/** The result fields pixel_fits.csv shows as numbers. */
const PIXEL_FITS_FIELDS = [...FIT_PARAMETERS.flatMap((_, k) => [R_THETA + k, R_ERROR + k]), R_DEVIANCE, R_NDF, R_SIGMA_UPPER];

/** ASCII text built as bytes: the numbers' strings are copied once into the file's buffer, not joined and encoded. */
export class AsciiText {
  bytes: Buffer;
  length = 0;
  constructor(capacity: number) { this.bytes = Buffer.allocUnsafe(Math.max(capacity, 64)); }
  add(s: string): void {
    if (this.length + s.length > this.bytes.length) this.grow(s.length);
    const b = this.bytes;
    let n = this.length;
    for (let i = 0; i < s.length; i++) b[n++] = s.charCodeAt(i);
    this.length = n;
  }
  /** One character (a separator) by its code. */
  char(code: number): void {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = code;
  }
  /** Bytes [start, end) of another text. */
  copy(from: AsciiText, start: number, end: number): void {
    if (this.length + end - start > this.bytes.length) this.grow(end - start);
    this.length += from.bytes.copy(this.bytes, this.length, start, end);
  }
  get text(): Buffer { return this.bytes.subarray(0, this.length); }
  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.length + needed));
    this.bytes.copy(bigger, 0, 0, this.length);
    this.bytes = bigger;
  }
}

const COMMA = 44, NEWLINE = 10;
/** Bytes a number's text takes at most (`-2.2250738585072014e-308`): the buffers' first size, not a limit. */
const NUMBER_BYTES = 24;

/** Matrix rows [first, end) as text: each map's lines (MAP_FILES order) and pixel_fits.csv's rows without the
 *  header and the extra columns (`pixelEnds`: where each pixel's row ends, after its newline). */
export interface TableRows { first: number; end: number; maps: AsciiText[]; pixels: AsciiText; pixelEnds: Int32Array }

export function formatTableRows(results: Float64Array, cols: number, first: number, end: number): TableRows {
  const sources = Object.values(MAP_FILES);
  const fields = [...new Set([...PIXEL_FITS_FIELDS, ...sources.filter(s => typeof s === 'number')])];
  const text: string[] = new Array(RESULT_FIELDS).fill('');
  const n = (end - first) * cols;
  const maps = sources.map(() => new AsciiText(n * (NUMBER_BYTES + 1)));
  const pixels = new AsciiText(n * (PIXEL_FITS_HEADER.length + PIXEL_FITS_FIELDS.length * NUMBER_BYTES));
  const pixelEnds = new Int32Array(n);
  const colText = Array.from({ length: cols }, (_, c) => String(c));
  const flagText = new Map<number, string>();
  for (let row = first, i = 0; row < end; row++) {
    const rowText = String(row);
    for (let c = 0; c < cols; c++, i++) {
      const o = (row * cols + c) * RESULT_FIELDS;
      for (const f of fields) text[f] = formatNumber(results[o + f]);
      for (let m = 0; m < sources.length; m++) {
        const s = sources[m];
        if (c) maps[m].char(COMMA);
        maps[m].add(typeof s === 'number' ? text[s] : formatNumber(s(results, o)));
      }
      const bits = results[o + R_FLAGS];
      let flags = flagText.get(bits);
      if (flags === undefined) flagText.set(bits, flags = flagNames(bits));
      pixels.add(rowText); pixels.char(COMMA); pixels.add(colText[c]); pixels.char(COMMA); pixels.add(STATUS_NAMES[results[o + R_STATUS]]);
      for (let k = 0; k < N_PARAMS; k++) { pixels.char(COMMA); pixels.add(text[R_THETA + k]); pixels.char(COMMA); pixels.add(text[R_ERROR + k]); }
      pixels.char(COMMA); pixels.add(text[R_DEVIANCE]); pixels.char(COMMA); pixels.add(text[R_NDF]);
      pixels.char(COMMA); pixels.add(flags); pixels.char(COMMA); pixels.add(text[R_SIGMA_UPPER]); pixels.char(NEWLINE);
      pixelEnds[i] = pixels.length;
    }
    for (const m of maps) m.char(NEWLINE);
  }
  return { first, end, maps, pixels, pixelEnds };
}

/** pixel_fits.csv's part for the rows (the header with row 0), the extra quantities (e.g. target, gain) appended to
 *  every row; and each extra quantity's map part. */
export function pixelFitsParts(rows: TableRows, cols: number, extra: PixelQuantity[]): { pixels: Buffer; extraMaps: Buffer[] } {
  const header = rows.first === 0 ? Buffer.from([PIXEL_FITS_HEADER, ...extra.map(q => q.name)].join(',') + '\n') : Buffer.alloc(0);
  if (extra.length === 0) return { pixels: Buffer.concat([header, rows.pixels.text]), extraMaps: [] };
  const n = rows.pixelEnds.length;
  const pixels = new AsciiText(header.length + rows.pixels.length + n * extra.length * (NUMBER_BYTES + 1));
  pixels.add(header.toString('latin1'));
  const maps = extra.map(() => new AsciiText(n * (NUMBER_BYTES + 1)));
  for (let row = rows.first, i = 0; row < rows.end; row++) {
    for (let c = 0; c < cols; c++, i++) {
      pixels.copy(rows.pixels, i ? rows.pixelEnds[i - 1] : 0, rows.pixelEnds[i] - 1);
      for (let q = 0; q < extra.length; q++) {
        const t = formatNumber(extra[q].values[row * cols + c]);
        pixels.char(COMMA); pixels.add(t);
        if (c) maps[q].char(COMMA);
        maps[q].add(t);
      }
      pixels.char(NEWLINE);
    }
    for (const m of maps) m.char(NEWLINE);
  }
  return { pixels: pixels.text, extraMaps: maps.map(m => m.text) };
}

/** What fitTablesWorker is sent first: the results (shared memory, not copied), its rows and where its parts go. */
export interface FitTablesData {
  dir: string;
  results: Float64Array;
  cols: number;
  first: number;
  end: number;
  /** This worker's place among `parts`: its part of a file goes after those of the workers before it. */
  part: number;
  parts: number;
  /** The maps' and (without extras to wait for) pixel_fits.csv's part lengths (see writeFilePart). */
  lengths: Int32Array;
  /** Whether extra quantities will come (a FitTablesFinish message): pixel_fits.csv waits for them. */
  extraExpected: boolean;
}
/** Sent when the extra quantities are known: the worker then writes pixel_fits.csv and the extra maps. */
export interface FitTablesFinish { extra: PixelQuantity[]; lengths: Int32Array }

/**
 * Writes part `part` of `file`: after the parts before it, whose byte lengths the other workers publish in
 * `lengths` (shared memory, one slot per file and part; −1 until known).
 */
export function writeFilePart(file: string, data: Buffer, lengths: Int32Array, slot: number, part: number, parts: number): void {
  Atomics.store(lengths, slot * parts + part, data.length);
  Atomics.notify(lengths, slot * parts + part);
  let position = 0;
  for (let before = 0; before < part; before++) {
    const i = slot * parts + before;
    while (Atomics.load(lengths, i) < 0) Atomics.wait(lengths, i, -1);
    position += Atomics.load(lengths, i);
  }
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT);
  try {
    if (data.length) fs.writeSync(fd, data, 0, data.length, position);
  } finally {
    fs.closeSync(fd);
  }
}

/** Slots for part lengths (writeFilePart) of `files` files written by `parts` workers. */
const partLengths = (files: number, parts: number) => new Int32Array(new SharedArrayBuffer(4 * files * parts)).fill(-1);

/** Outputs being made while the analysis goes on: finish() gives them the extra quantities (e.g. target, gain) and
 *  resolves when they are written. */
export interface StartedOutput {
  finish(extra: PixelQuantity[]): Promise<void>;
  /** Stops their workers (after finish, or when the analysis failed before it). */
  dispose(): Promise<void>;
}

/**
 * Starts formatting the fit tables in up to two worker threads (`workers` 0: inline, in finish()). Without
 * `extraExpected` they write every table at once; with it, pixel_fits.csv and the extra maps when finish() is called.
 */
export function startFitTables(staged: StagedOutput, results: Float64Array, shape: { rows: number; cols: number },
  workers: number, extraExpected: boolean): StartedOutput {
  const parts = Math.min(workers, 2, shape.rows);
  const mapNames = Object.keys(MAP_FILES);
  if (parts <= 0) {
    return {
      finish: async extra => {
        const rows = formatTableRows(results, shape.cols, 0, shape.rows);
        mapNames.forEach((file, m) => staged.write(file, rows.maps[m].text));
        const { pixels, extraMaps } = pixelFitsParts(rows, shape.cols, extra);
        staged.write(PIXEL_FITS_FILE, pixels);
        extra.forEach((q, i) => staged.write(mapFileName(q.name), extraMaps[i]));
      },
      dispose: async () => undefined,
    };
  }
  const lengths = partLengths(mapNames.length + 1, parts);
  const threads = Array.from({ length: parts }, (_, part) => {
    const data: FitTablesData = {
      dir: staged.dir, results, cols: shape.cols, part, parts, lengths, extraExpected,
      first: Math.floor(shape.rows * part / parts), end: Math.floor(shape.rows * (part + 1) / parts),
    };
    const worker = takeWorker(workerScript('fitTablesWorker'));
    worker.postMessage(data);
    const done = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', code => reject(new Error(`fit tables: worker exited with code ${code}`)));
    });
    done.catch(() => undefined); // awaited in finish(); a failure before it must not be unhandled
    return { worker, done };
  });
  return {
    finish: async extra => {
      if (extraExpected) {
        const finish: FitTablesFinish = { extra, lengths: partLengths(1 + extra.length, parts) };
        for (const { worker } of threads) worker.postMessage(finish);
      } else if (extra.length) {
        throw new Error('fit tables: extra quantities that were not expected');
      }
      await Promise.all(threads.map(t => t.done));
    },
    dispose: async () => { await Promise.all(threads.map(t => t.worker.terminate())); },
  };
}

/** The worker's side (fitTablesWorker): formats its rows, writes its part of the maps, and of pixel_fits.csv and
 *  the extra maps once the extra quantities are known (at once when none are expected); answers null. */
export function runFitTablesWorker(data: FitTablesData, port: { once(event: 'message', f: (m: FitTablesFinish) => void): void; postMessage(m: null): void }): void {
  const rows = formatTableRows(data.results, data.cols, data.first, data.end);
  const write = (file: string, bytes: Buffer, lengths: Int32Array, slot: number) =>
    writeFilePart(path.join(data.dir, file), bytes, lengths, slot, data.part, data.parts);
  const mapNames = Object.keys(MAP_FILES);
  mapNames.forEach((file, m) => write(file, rows.maps[m].text, data.lengths, m));
  if (!data.extraExpected) {
    write(PIXEL_FITS_FILE, pixelFitsParts(rows, data.cols, []).pixels, data.lengths, mapNames.length);
    port.postMessage(null);
    return;
  }
  port.once('message', ({ extra, lengths }) => {
    const { pixels, extraMaps } = pixelFitsParts(rows, data.cols, extra);
    write(PIXEL_FITS_FILE, pixels, lengths, 0);
    extra.forEach((q, i) => write(mapFileName(q.name), extraMaps[i], lengths, 1 + i));
    port.postMessage(null);
  });
}
