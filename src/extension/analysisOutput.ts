// Read access to one analysis output folder for the panels: summary, maps, one pixel's fit and counts.
// Reads are small (a map, a CSV line, one pixel's counts); nothing is recomputed here but the flux formula of the
// contract. One instance per folder and summary version is shared by every panel (AnalysisOutput.open).
import * as fs from 'fs';
import * as path from 'path';
import { mapFileName, PIXEL_COUNTS_FILE, PIXEL_FITS_FILE, pixelFluxFileName, SUMMARY_FILE } from '../contract/outputFiles';
import { fluxFromCounts, GAIN_QUANTITIES, PARAMETER_NAMES, STATUS_MASKED } from '../contract/quantities';
import { AnalysisSummary } from '../contract/summary';
import { CurveSpec, PixelCurve, PixelFitRow } from '../protocol';

export type { AnalysisSummary };

/** Reads a CSV matrix written by the engine (numbers, `nan`, `inf`). */
export function readResultMatrix(file: string): Float64Array {
  const cells = fs.readFileSync(file, 'latin1').trim().split(/[\n,]/);
  return Float64Array.from(cells, c => (c === 'nan' ? NaN : c === 'inf' ? Infinity : c === '-inf' ? -Infinity : Number(c)));
}

/** The gain columns of pixel_fits.csv (with a baseline). */
const GAIN_COLUMNS = GAIN_QUANTITIES.flatMap(q => [q, `${q}_err`]);

const NUMBER_CELL = (c: string | undefined) => (c === undefined || c === '' || c === 'nan' ? null : Number(c));

export class AnalysisOutput {
  private static readonly cache = new Map<string, { mtimeMs: number; output: AnalysisOutput }>();
  readonly summary: AnalysisSummary;
  private fitLines: string[] | undefined;
  private allMaps: Float64Array | undefined;
  private allCounts: Float32Array | undefined;

  /**
   * The shared reader of `dir` as it is now: a new one when a newer run replaced it (a live watch swaps the link
   * at every snapshot) or its summary.json changed. The run is resolved once and read from that folder only; a
   * run removed between the two (replaced again at that instant) is resolved again.
   */
  static open(dir: string): AnalysisOutput {
    const key = path.resolve(dir);
    for (let attempt = 0; ; attempt++) {
      try {
        const runDir = fs.realpathSync(key);
        const mtimeMs = fs.statSync(path.join(runDir, SUMMARY_FILE)).mtimeMs;
        const hit = AnalysisOutput.cache.get(key);
        if (hit && hit.mtimeMs === mtimeMs && hit.output.runDir === runDir) return hit.output;
        const output = new AnalysisOutput(dir, runDir);
        AnalysisOutput.cache.set(key, { mtimeMs, output });
        return output;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw e;
      }
    }
  }

  /**
   * The run folder `dir` showed when this was opened: every read comes from it, so a panel never mixes two
   * runs (the visible `dir` is a link that a newer analysis replaces in one rename).
   */
  readonly runDir: string;

  constructor(readonly dir: string, runDir = fs.realpathSync(dir)) {
    this.runDir = runDir;
    this.summary = JSON.parse(fs.readFileSync(path.join(this.runDir, SUMMARY_FILE), 'utf8'));
  }

  /** False once a newer analysis has replaced the run this was opened on (panels then reopen on the new run). */
  get current(): boolean {
    try { return fs.realpathSync(this.dir) === this.runDir; } catch { return false; }
  }

  get hasFits(): boolean { return fs.existsSync(this.file(PIXEL_FITS_FILE)); }

  file(name: string): string {
    if (!fs.existsSync(this.runDir)) throw new Error(`the results in ${this.dir} were replaced by a newer analysis: open them again`);
    return path.join(this.runDir, name);
  }

  /**
   * A per-pixel map by name (mu, sigma_err, status, chi2_ndf, pvalue, delta_deviance, sigma_upper…): a slice of
   * pixel_maps.f64, read once; the CSV map when an older result has no binary file; undefined when absent.
   */
  map(name: string): Float64Array | undefined {
    const maps = this.summary.fit?.pixel_maps;
    const index = maps?.maps.indexOf(name) ?? -1;
    if (index < 0) {
      const f = this.file(mapFileName(name));
      return fs.existsSync(f) ? readResultMatrix(f) : undefined;
    }
    if (!this.allMaps) {
      const bytes = fs.readFileSync(this.file(maps!.file));
      this.allMaps = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
    }
    const n = this.summary.shape.rows * this.summary.shape.cols;
    return this.allMaps.slice(index * n, (index + 1) * n);
  }

  /** Whether the result has the per-pixel map `name` (in pixel_maps.f64 or as its CSV). */
  hasMap(name: string): boolean {
    return !!this.summary.fit?.pixel_maps?.maps.includes(name) || fs.existsSync(this.file(mapFileName(name)));
  }

  /** Reads the binary maps, counts and fit table in the background (non-blocking I/O) so later requests are instant. */
  async preload(): Promise<void> {
    const maps = this.summary.fit?.pixel_maps;
    const read = (f: string) => fs.promises.readFile(this.file(f)).catch(() => undefined);
    const [m, c, fits] = await Promise.all([
      maps && !this.allMaps ? read(maps.file) : undefined,
      !this.allCounts ? read(PIXEL_COUNTS_FILE) : undefined,
      !this.fitLines && this.summary.fit ? read(PIXEL_FITS_FILE) : undefined,
    ]);
    if (m && !this.allMaps) this.allMaps = new Float64Array(m.buffer, m.byteOffset, m.length / 8);
    if (c && !this.allCounts) this.allCounts = new Float32Array(c.buffer, c.byteOffset, c.length / 4);
    if (fits && !this.fitLines) this.fitLines = fits.toString('utf8').trim().split('\n');
  }

  private counts(): Float32Array {
    if (!this.allCounts) {
      const bytes = fs.readFileSync(this.file(PIXEL_COUNTS_FILE));
      this.allCounts = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    }
    return this.allCounts;
  }

  /** Flux and its error at a threshold from pixel_counts.f32 (masked pixels NaN, from the status map). */
  fluxMap(threshold: number): { values: Float64Array; errors: Float64Array } {
    const j = this.summary.thresholds.indexOf(threshold);
    const status = this.map('status');
    if (j < 0 || !status || !fs.existsSync(this.file(PIXEL_COUNTS_FILE))) return this.fluxMapFromCsv(threshold);
    const m = this.summary.thresholds.length, n = status.length, T = this.summary.per_threshold[j].exposure_s;
    const counts = this.counts(), values = new Float64Array(n), errors = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      const f = status[p] === STATUS_MASKED ? { value: NaN, error: NaN } : fluxFromCounts(counts[p * m + j], T);
      values[p] = f.value;
      errors[p] = f.error;
    }
    return { values, errors };
  }

  private fluxMapFromCsv(threshold: number): { values: Float64Array; errors: Float64Array } {
    const id = this.summary.scan.id;
    return {
      values: readResultMatrix(this.file(pixelFluxFileName(id, threshold, 'flux'))),
      errors: readResultMatrix(this.file(pixelFluxFileName(id, threshold, 'uncertainty'))),
    };
  }

  /** The pixel's row of pixel_fits.csv by column name (the file is read once, lazily). */
  pixelFit(row: number, col: number): PixelFitRow | null {
    if (!this.hasFits) return null;
    this.fitLines ??= fs.readFileSync(this.file(PIXEL_FITS_FILE), 'utf8').trim().split('\n');
    const header = this.fitLines[0].split(',');
    const line = this.fitLines[1 + row * this.summary.shape.cols + col];
    if (!line) return null;
    const cells = line.split(',');
    const values: Record<string, number | null> = {};
    let status = 'unknown', flags: string[] = [];
    header.forEach((h, i) => {
      if (h === 'status') status = cells[i];
      else if (h === 'flags') flags = (cells[i] ?? '').split(';').filter(Boolean);
      else values[h] = NUMBER_CELL(cells[i]);
    });
    return { status, values, flags };
  }

  asicCurve(): CurveSpec | null {
    const f = this.summary.fit;
    if (!f) return null;
    return { model: f.model, polarity: f.polarity, params: PARAMETER_NAMES.map(p => f.asic.params[p] ?? NaN) };
  }

  /** One pixel's summed counts per threshold, from pixel_counts.f32 (a single read of 4·nThresholds bytes). */
  pixelCurve(row: number, col: number): PixelCurve {
    const { rows, cols } = this.summary.shape;
    if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || col < 0 || row >= rows || col >= cols) {
      throw new Error(`pixel (${row}, ${col}) is outside the ${rows}×${cols} matrix`);
    }
    const m = this.summary.thresholds.length, p = row * cols + col;
    const counts = this.allCounts ? Array.from(this.allCounts.subarray(p * m, (p + 1) * m)) : this.readPixelCounts(p, m);
    const fit = this.pixelFit(row, col);
    const f = this.summary.fit;
    const gain = fit && 'gain' in fit.values ? Object.fromEntries(GAIN_COLUMNS.map(c => [c, fit.values[c] ?? null])) : undefined;
    return {
      row, col, status: fit?.status ?? (f ? 'unknown' : 'not fitted'), flags: fit?.flags, gain,
      thresholds: this.summary.thresholds, counts, exposure: this.summary.per_threshold.map(t => t.exposure_s),
      fit: fit && f && fit.values.mu !== null ? {
        curve: { model: f.model, polarity: f.polarity, params: PARAMETER_NAMES.map(n => fit.values[n] ?? NaN) },
        errors: PARAMETER_NAMES.map(n => fit.values[`${n}_err`] ?? null), chi2: fit.values.chi2 ?? null, ndf: fit.values.ndf ?? null,
      } : null,
    };
  }

  private readPixelCounts(p: number, m: number): number[] {
    const bytes = Buffer.alloc(4 * m);
    const fd = fs.openSync(this.file(PIXEL_COUNTS_FILE), 'r');
    try { fs.readSync(fd, bytes, 0, bytes.length, 4 * m * p); } finally { fs.closeSync(fd); }
    return Array.from({ length: m }, (_, j) => bytes.readFloatLE(4 * j));
  }
}
