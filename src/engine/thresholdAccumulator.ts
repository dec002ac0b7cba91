// Sums the good acquisitions of one threshold. Runs inside a worker thread (or inline when workers = 0).
// Each file is parsed straight into the threshold's counts (one pass over the data); the few acquisitions
// that turn out bad or broken are parsed a second time and subtracted again.
import { MatrixFormatError, MatrixReader, MatrixShape, parseMatrixBytes } from './matrixParser';

export interface BadAcquisitionCut {
  /** Skip acquisitions whose mean flux over the last columns exceeds badCut (Hz per unmasked pixel). */
  cutBad: boolean;
  badCut: number;
  badColumns: number;
}

export type AcquisitionStatus = 'good' | 'bad' | 'error';

export interface AcquisitionOutcome {
  acquisition: number;
  file: string;
  status: AcquisitionStatus;
  /** Mean flux (Hz) per unmasked pixel in the last `badColumns` columns; NaN when unreadable. */
  lastColumnsFlux: number;
  /** Total hits over unmasked pixels. */
  hits: number;
  error?: { message: string; line: number; column: number };
}

export interface ThresholdTask {
  thresholdIndex: number;
  files: Array<{ path: string; acquisition: number }>;
}

export interface ThresholdSums {
  thresholdIndex: number;
  /** Summed hits of good acquisitions, per pixel (row-major). Masked pixels are summed too; consumers mask. */
  counts: Float64Array;
  outcomes: AcquisitionOutcome[];
}

export interface AccumulatorConfig {
  shape: MatrixShape;
  mask: Uint8Array;
  shutterSeconds: number;
  cut: BadAcquisitionCut;
}

export class ThresholdAccumulator {
  private readonly reader = new MatrixReader();
  private readonly values: Float64Array;
  /** Unmasked pixels of the last columns, and masked pixels: their counts are snapshot before each file. */
  private readonly lastColumnPixels: Int32Array;
  private readonly maskedPixels: Int32Array;
  private readonly snapshot: Float64Array;

  constructor(private readonly config: AccumulatorConfig) {
    const { rows, cols } = config.shape;
    this.values = new Float64Array(rows * cols);
    const firstCol = Math.max(0, cols - config.cut.badColumns);
    const last: number[] = [], masked: number[] = [];
    for (let p = 0; p < rows * cols; p++) {
      if (config.mask[p]) masked.push(p);
      else if (p % cols >= firstCol) last.push(p);
    }
    this.lastColumnPixels = Int32Array.from(last);
    this.maskedPixels = Int32Array.from(masked);
    this.snapshot = new Float64Array(last.length + masked.length);
  }

  run(task: ThresholdTask): ThresholdSums {
    const { shape, shutterSeconds, cut } = this.config;
    const counts = new Float64Array(shape.rows * shape.cols);
    const outcomes: AcquisitionOutcome[] = [];
    const lc = this.lastColumnPixels, mp = this.maskedPixels, snap = this.snapshot, nl = lc.length;
    for (const file of task.files) {
      for (let k = 0; k < nl; k++) snap[k] = counts[lc[k]];
      for (let k = 0; k < mp.length; k++) snap[nl + k] = counts[mp[k]];
      let bytes: Uint8Array, length = 0, total: number;
      try {
        ({ bytes, length } = this.reader.readBytes(file.path));
        total = parseMatrixBytes(bytes, length, file.path, shape, counts, true);
      } catch (e) {
        const err = e instanceof MatrixFormatError ? e : new MatrixFormatError(file.path, 0, 0, String(e));
        if (length > 0) this.subtract(bytes!, length, file.path, counts);
        outcomes.push({
          acquisition: file.acquisition, file: file.path, status: 'error', lastColumnsFlux: NaN, hits: 0,
          error: { message: err.message, line: err.line, column: err.column },
        });
        continue;
      }
      let lastSum = 0, maskedSum = 0;
      for (let k = 0; k < nl; k++) lastSum += counts[lc[k]] - snap[k];
      for (let k = 0; k < mp.length; k++) maskedSum += counts[mp[k]] - snap[nl + k];
      const lastColumnsFlux = nl ? lastSum / nl / shutterSeconds : 0;
      const bad = cut.cutBad && lastColumnsFlux > cut.badCut;
      if (bad) this.subtract(bytes!, length, file.path, counts);
      outcomes.push({ acquisition: file.acquisition, file: file.path, status: bad ? 'bad' : 'good', lastColumnsFlux, hits: total - maskedSum });
    }
    return { thresholdIndex: task.thresholdIndex, counts, outcomes };
  }

  /** Undoes an add: parses the same bytes again (stopping at the same error, if any) and subtracts them. */
  private subtract(bytes: Uint8Array, length: number, file: string, counts: Float64Array): void {
    const values = this.values;
    values.fill(0);
    try { parseMatrixBytes(bytes, length, file, this.config.shape, values); } catch { /* same cells as the add */ }
    for (let p = 0; p < values.length; p++) counts[p] -= values[p];
  }
}
