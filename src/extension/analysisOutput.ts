// Read access to one analysis output folder for the panels: summary, maps, one pixel's fit and counts.
// Reads are small (a map, a CSV line, one pixel's 228 bytes of counts); nothing is recomputed here.
import * as fs from 'fs';
import * as path from 'path';
import { CurveSpec, PixelCurve, PixelFitRow } from '../protocol';

const PARAMS = ['mu', 'sigma', 'amplitude', 'slope', 'background'];

export interface ThresholdSummary {
  threshold: number; files: number; good: number; bad: number; failed: number; excluded?: number; all_bad: boolean;
  exposure_s: number; asic_flux: number | null; asic_flux_error: number | null;
}

/** The parts of summary.json the extension reads (written by src/engine/analyse.ts and fitOutputs.ts). */
export interface AnalysisSummary {
  scan: { id: string; prefix: string; shutter: string; shutterSeconds: number };
  shape: { rows: number; cols: number };
  inputFingerprint: string;
  thresholds: number[];
  per_threshold: ThresholdSummary[];
  /** [threshold, acquisition, reason]; results of older versions have no reason (noisy last columns). */
  bad_acquisitions: Array<[number, number, string?]>;
  excluded_acquisitions?: Array<[number, number]>;
  mask: { maskedPixels: number };
  acquisitions: { total: number; good: number; bad: number; failed: number };
  fit?: { model: CurveSpec['model']; polarity: 1 | -1; pixel_maps?: { file: string; maps: string[] }; asic: { params: Record<string, number | null>; errors: Record<string, number | null>; chi2: number | null; ndf: number | null; per_pixel_amplitude: number | null; unmasked_pixels: number } };
  heterogeneity?: { conclusions: string[]; mu: { mean: number; rms: number; robustRms: number; median_fit_error: number; intrinsic_rms: number }; sigma: { mean: number }; asic_width: { sigma_asic: number; quadrature_sum: number; ratio: number }; asic_shape_refit: { fraction_inconsistent: number }; status_counts: Record<string, number> };
}

/** Reads a CSV matrix written by the engine (numbers and `nan`). */
export function readResultMatrix(file: string): Float64Array {
  const cells = fs.readFileSync(file, 'latin1').trim().split(/[\n,]/);
  return Float64Array.from(cells, c => (c === 'nan' ? NaN : Number(c)));
}

export class AnalysisOutput {
  readonly summary: AnalysisSummary;
  private fitLines: string[] | undefined;
  private allMaps: Float64Array | undefined;
  private allCounts: Float32Array | undefined;

  /**
   * The run folder `dir` showed when this was opened: every read comes from it, so a panel never mixes two
   * runs (the visible `dir` is a link that a newer analysis replaces in one rename).
   */
  private readonly runDir: string;

  constructor(readonly dir: string) {
    this.runDir = fs.realpathSync(dir);
    this.summary = JSON.parse(fs.readFileSync(path.join(this.runDir, 'summary.json'), 'utf8'));
  }

  /** False once a newer analysis has replaced the run this was opened on (panels then reopen on the new run). */
  get current(): boolean {
    try { return fs.realpathSync(this.dir) === this.runDir; } catch { return false; }
  }

  get hasFits(): boolean { return fs.existsSync(this.file('pixel_fits.csv')); }

  file(name: string): string {
    if (!fs.existsSync(this.runDir)) throw new Error(`the results in ${this.dir} were replaced by a newer analysis: open them again`);
    return path.join(this.runDir, name);
  }

  /**
   * A per-pixel map by name (mu, sigma_err, status, chi2_ndf, pvalue, delta_deviance, …): a slice of
   * pixel_maps.f64, read once; the CSV map when an older result has no binary file.
   */
  map(name: string): Float64Array | undefined {
    const index = this.summary.fit?.pixel_maps?.maps.indexOf(name) ?? -1;
    if (index < 0) {
      const f = this.file(`map_${name}.csv`);
      return fs.existsSync(f) ? readResultMatrix(f) : undefined;
    }
    if (!this.allMaps) {
      const bytes = fs.readFileSync(this.file(this.summary.fit!.pixel_maps!.file));
      this.allMaps = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
    }
    const n = this.summary.shape.rows * this.summary.shape.cols;
    return this.allMaps.slice(index * n, (index + 1) * n);
  }

  /** Reads the binary maps and counts in the background (non-blocking I/O) so that later switches are instant. */
  async preload(): Promise<void> {
    const maps = this.summary.fit?.pixel_maps;
    const [m, c] = await Promise.all([
      maps && !this.allMaps ? fs.promises.readFile(this.file(maps.file)).catch(() => undefined) : undefined,
      !this.allCounts ? fs.promises.readFile(this.file('pixel_counts.f32')).catch(() => undefined) : undefined,
    ]);
    if (m && !this.allMaps) this.allMaps = new Float64Array(m.buffer, m.byteOffset, m.length / 8);
    if (c && !this.allCounts) this.allCounts = new Float32Array(c.buffer, c.byteOffset, c.length / 4);
  }

  private counts(): Float32Array {
    if (!this.allCounts) {
      const bytes = fs.readFileSync(this.file('pixel_counts.f32'));
      this.allCounts = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    }
    return this.allCounts;
  }

  /** Flux Σn/T and √Σn/T at a threshold from pixel_counts.f32 (masked pixels NaN, from the status map). */
  fluxMap(threshold: number): { values: Float64Array; errors: Float64Array } {
    const j = this.summary.thresholds.indexOf(threshold);
    const status = this.map('status');
    if (j < 0 || !status || !fs.existsSync(this.file('pixel_counts.f32'))) return this.fluxMapFromCsv(threshold);
    const m = this.summary.thresholds.length, n = status.length, T = this.summary.per_threshold[j].exposure_s;
    const counts = this.counts(), values = new Float64Array(n), errors = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      const c = counts[p * m + j];
      const masked = status[p] === 1 || !(T > 0);
      values[p] = masked ? NaN : c / T;
      errors[p] = masked ? NaN : Math.sqrt(c) / T;
    }
    return { values, errors };
  }

  private fluxMapFromCsv(threshold: number): { values: Float64Array; errors: Float64Array } {
    const id = this.summary.scan.id;
    return {
      values: readResultMatrix(this.file(`Fluxperpixel_${id}_THR_${threshold}.csv`)),
      errors: readResultMatrix(this.file(`UncertaintyFluxperpixel_${id}_THR_${threshold}.csv`)),
    };
  }

  /** The pixel's row of pixel_fits.csv (the file is read once, lazily). */
  pixelFit(row: number, col: number): PixelFitRow | null {
    if (!this.hasFits) return null;
    this.fitLines ??= fs.readFileSync(this.file('pixel_fits.csv'), 'utf8').trim().split('\n');
    const header = this.fitLines[0].split(',');
    const line = this.fitLines[1 + row * this.summary.shape.cols + col];
    if (!line) return null;
    const cells = line.split(',');
    const values: Record<string, number | null> = {};
    header.forEach((h, i) => { if (h !== 'status') values[h] = cells[i] === 'nan' ? null : Number(cells[i]); });
    return { status: cells[2], values };
  }

  asicCurve(): CurveSpec | null {
    const f = this.summary.fit;
    if (!f) return null;
    return { model: f.model, polarity: f.polarity, params: PARAMS.map(p => f.asic.params[p] ?? NaN) };
  }

  /** One pixel's summed counts per threshold, from pixel_counts.f32 (a single read of 4·nThresholds bytes). */
  pixelCurve(row: number, col: number): PixelCurve {
    const { rows, cols } = this.summary.shape;
    if (row < 0 || col < 0 || row >= rows || col >= cols) throw new Error(`pixel (${row}, ${col}) is outside the ${rows}×${cols} matrix`);
    const m = this.summary.thresholds.length;
    const bytes = Buffer.alloc(4 * m);
    const fd = fs.openSync(this.file('pixel_counts.f32'), 'r');
    try { fs.readSync(fd, bytes, 0, bytes.length, 4 * m * (row * cols + col)); } finally { fs.closeSync(fd); }
    const counts = Array.from({ length: m }, (_, j) => bytes.readFloatLE(4 * j));
    const fit = this.pixelFit(row, col);
    const f = this.summary.fit;
    return {
      row, col, status: fit?.status ?? (f ? 'unknown' : 'not fitted'),
      thresholds: this.summary.thresholds, counts, exposure: this.summary.per_threshold.map(t => t.exposure_s),
      fit: fit && f && fit.values.mu !== null ? {
        curve: { model: f.model, polarity: f.polarity, params: PARAMS.map(p => fit.values[p] ?? NaN) },
        errors: PARAMS.map(p => fit.values[`${p}_err`]), chi2: fit.values.chi2, ndf: fit.values.ndf,
      } : null,
    };
  }
}
