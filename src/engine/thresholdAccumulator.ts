// Sums the good acquisitions of one threshold. Runs inside a worker thread (or inline when workers = 0).
// Hot path: the WebAssembly kernel parses a file straight into the counts and takes it back if the acquisition
// turns out bad. Any other file (blanks, non-integers, errors) goes through the TypeScript parser: into values,
// judged, added if good.
import { MatrixFormatError, MatrixReader, MatrixShape, parseMatrixBytes } from './matrixParser';
import { PlainParseKernel } from './plainParseKernel';

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
  /** 'typescript' skips the WebAssembly kernel (tests compare both). Default: the kernel when its file exists. */
  parser?: 'wasm' | 'typescript';
}

export class ThresholdAccumulator {
  private readonly reader = new MatrixReader();
  private readonly values: Float64Array;
  /** Unmasked pixels of the last columns (the bad-acquisition cut) and masked pixels (left out of the hits). */
  private readonly lastColumnPixels: Int32Array;
  private readonly maskedPixels: Int32Array;
  private readonly kernel: PlainParseKernel | undefined;

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
    this.kernel = config.parser === 'typescript' ? undefined : PlainParseKernel.create(rows * cols);
  }

  /** Which parser serves the plain files (for the benchmark and tests). */
  get parserName(): 'wasm' | 'typescript' { return this.kernel ? 'wasm' : 'typescript'; }

  run(task: ThresholdTask): ThresholdSums {
    const { shape } = this.config;
    const kernel = this.kernel;
    if (kernel) kernel.counts.fill(0);
    const counts = kernel ? undefined : new Float64Array(shape.rows * shape.cols);
    const outcomes: AcquisitionOutcome[] = [];
    for (const file of task.files) {
      let outcome: AcquisitionOutcome;
      try {
        if (kernel) {
          const { bytes, length } = kernel.read(file.path);
          const total = kernel.parseAdd(length, shape.rows, shape.cols);
          outcome = total >= 0 ? this.judgeKernelValues(kernel, file, total) : this.addWithTypeScript(bytes, length, file, kernel.counts);
        } else {
          const { bytes, length } = this.reader.readBytes(file.path);
          outcome = this.addWithTypeScript(bytes, length, file, counts!);
        }
      } catch (e) {
        const err = e instanceof MatrixFormatError ? e : new MatrixFormatError(file.path, 0, 0, String(e));
        outcome = {
          acquisition: file.acquisition, file: file.path, status: 'error', lastColumnsFlux: NaN, hits: 0,
          error: { message: err.message, line: err.line, column: err.column },
        };
      }
      outcomes.push(outcome);
    }
    // The kernel's counts live in wasm memory: hand out a copy.
    return { thresholdIndex: task.thresholdIndex, counts: kernel ? Float64Array.from(kernel.counts) : counts!, outcomes };
  }

  /** Good or bad (mean flux of the last columns against the cut), from the file's values and their sum. */
  private judge(values: ArrayLike<number>, file: ThresholdTask['files'][number], total: number): AcquisitionOutcome {
    const lc = this.lastColumnPixels, mp = this.maskedPixels;
    let lastSum = 0, maskedSum = 0;
    for (let k = 0; k < lc.length; k++) lastSum += values[lc[k]];
    for (let k = 0; k < mp.length; k++) maskedSum += values[mp[k]];
    const lastColumnsFlux = lc.length ? lastSum / lc.length / this.config.shutterSeconds : 0;
    const bad = this.config.cut.cutBad && lastColumnsFlux > this.config.cut.badCut;
    return { acquisition: file.acquisition, file: file.path, status: bad ? 'bad' : 'good', lastColumnsFlux, hits: total - maskedSum };
  }

  /** The kernel parsed the file and added it: judge the acquisition from its values, take it back if bad. */
  private judgeKernelValues(kernel: PlainParseKernel, file: ThresholdTask['files'][number], total: number): AcquisitionOutcome {
    const outcome = this.judge(kernel.values, file, total);
    if (outcome.status === 'bad') kernel.subtractValues();
    return outcome;
  }

  /** The TypeScript parser reads (or rejects, with line and column) the file into values; added if good. */
  private addWithTypeScript(bytes: Uint8Array, length: number, file: ThresholdTask['files'][number],
    counts: Float64Array | Int32Array): AcquisitionOutcome {
    const values = this.values;
    const total = parseMatrixBytes(bytes, length, file.path, this.config.shape, values);
    const outcome = this.judge(values, file, total);
    if (outcome.status === 'good') for (let p = 0; p < values.length; p++) counts[p] += values[p];
    return outcome;
  }
}
