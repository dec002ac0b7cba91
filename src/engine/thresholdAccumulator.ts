// Sums the good acquisitions of one threshold. Runs inside a worker thread (or inline when workers = 0).
import { MatrixFormatError, MatrixReader, MatrixShape } from './matrixParser';

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
  private readonly lastColumnPixels: Int32Array;

  constructor(private readonly config: AccumulatorConfig) {
    const { rows, cols } = config.shape;
    this.values = new Float64Array(rows * cols);
    const firstCol = Math.max(0, cols - config.cut.badColumns);
    const pixels: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = firstCol; c < cols; c++) if (!config.mask[r * cols + c]) pixels.push(r * cols + c);
    }
    this.lastColumnPixels = Int32Array.from(pixels);
  }

  run(task: ThresholdTask): ThresholdSums {
    const { shape, mask, shutterSeconds, cut } = this.config;
    const n = shape.rows * shape.cols;
    const counts = new Float64Array(n);
    const outcomes: AcquisitionOutcome[] = [];
    const values = this.values;
    for (const file of task.files) {
      try {
        this.reader.read(file.path, shape, values);
      } catch (e) {
        const err = e instanceof MatrixFormatError ? e : new MatrixFormatError(file.path, 0, 0, String(e));
        outcomes.push({
          acquisition: file.acquisition, file: file.path, status: 'error', lastColumnsFlux: NaN, hits: 0,
          error: { message: err.message, line: err.line, column: err.column },
        });
        continue;
      }
      let lastSum = 0;
      const lc = this.lastColumnPixels;
      for (let k = 0; k < lc.length; k++) lastSum += values[lc[k]];
      const lastColumnsFlux = lc.length ? lastSum / lc.length / shutterSeconds : 0;
      let hits = 0;
      for (let p = 0; p < n; p++) if (!mask[p]) hits += values[p];
      const bad = cut.cutBad && lastColumnsFlux > cut.badCut;
      if (!bad) for (let p = 0; p < n; p++) counts[p] += values[p];
      outcomes.push({ acquisition: file.acquisition, file: file.path, status: bad ? 'bad' : 'good', lastColumnsFlux, hits });
    }
    return { thresholdIndex: task.thresholdIndex, counts, outcomes };
  }
}
