// Sums the good acquisitions of one threshold. Runs inside a worker thread (or inline when workers = 0).
// Hot path: the WebAssembly kernel parses a plain file into values, then adds them to the counts if the
// acquisition is good. Any other file (numpy floats, blanks, errors) goes through the TypeScript parser, which
// adds straight into the counts and, for the few files that turn out bad or broken, parses again to subtract.
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
  /** Unmasked pixels of the last columns, and masked pixels: their counts are snapshot before each file. */
  private readonly lastColumnPixels: Int32Array;
  private readonly maskedPixels: Int32Array;
  private readonly snapshot: Float64Array;
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
    this.snapshot = new Float64Array(last.length + masked.length);
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
          outcome = total >= 0 ? this.judgeKernelValues(kernel, file, total) : this.addOtherGrammar(kernel, bytes, length, file);
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

  private outcome(file: ThresholdTask['files'][number], lastSum: number, hits: number): AcquisitionOutcome {
    const nl = this.lastColumnPixels.length;
    const lastColumnsFlux = nl ? lastSum / nl / this.config.shutterSeconds : 0;
    const bad = this.config.cut.cutBad && lastColumnsFlux > this.config.cut.badCut;
    return { acquisition: file.acquisition, file: file.path, status: bad ? 'bad' : 'good', lastColumnsFlux, hits };
  }

  private judge(values: ArrayLike<number>, file: ThresholdTask['files'][number], total: number): AcquisitionOutcome {
    const lc = this.lastColumnPixels, mp = this.maskedPixels;
    let lastSum = 0, maskedSum = 0;
    for (let k = 0; k < lc.length; k++) lastSum += values[lc[k]];
    for (let k = 0; k < mp.length; k++) maskedSum += values[mp[k]];
    return this.outcome(file, lastSum, total - maskedSum);
  }

  /** The kernel parsed the file and added it: judge the acquisition from its values, take it back if bad. */
  private judgeKernelValues(kernel: PlainParseKernel, file: ThresholdTask['files'][number], total: number): AcquisitionOutcome {
    const outcome = this.judge(kernel.values, file, total);
    if (outcome.status === 'bad') kernel.subtractValues();
    return outcome;
  }

  /** A file outside the kernel's grammar (numpy floats, blanks) or broken: the TypeScript parser reads or rejects it. */
  private addOtherGrammar(kernel: PlainParseKernel, bytes: Uint8Array, length: number, file: ThresholdTask['files'][number]): AcquisitionOutcome {
    const values = this.values;
    const total = parseMatrixBytes(bytes, length, file.path, this.config.shape, values);
    const outcome = this.judge(values, file, total);
    if (outcome.status === 'good') {
      const counts = kernel.counts;
      for (let p = 0; p < values.length; p++) counts[p] += values[p];
    }
    return outcome;
  }

  /** TypeScript parser: adds straight into counts, judges from the change of a few pixels, undoes if needed. */
  private addWithTypeScript(bytes: Uint8Array, length: number, file: ThresholdTask['files'][number], counts: Float64Array): AcquisitionOutcome {
    const lc = this.lastColumnPixels, mp = this.maskedPixels, snap = this.snapshot, nl = lc.length;
    for (let k = 0; k < nl; k++) snap[k] = counts[lc[k]];
    for (let k = 0; k < mp.length; k++) snap[nl + k] = counts[mp[k]];
    let total: number;
    try {
      total = parseMatrixBytes(bytes, length, file.path, this.config.shape, counts, true);
    } catch (e) {
      this.subtract(bytes, length, file.path, counts);
      throw e;
    }
    let lastSum = 0, maskedSum = 0;
    for (let k = 0; k < nl; k++) lastSum += counts[lc[k]] - snap[k];
    for (let k = 0; k < mp.length; k++) maskedSum += counts[mp[k]] - snap[nl + k];
    const outcome = this.outcome(file, lastSum, total - maskedSum);
    if (outcome.status === 'bad') this.subtract(bytes, length, file.path, counts);
    return outcome;
  }

  /** Undoes an add: parses the same bytes again (stopping at the same error, if any) and subtracts them. */
  private subtract(bytes: Uint8Array, length: number, file: string, counts: Float64Array): void {
    const values = this.values;
    values.fill(0);
    try { parseMatrixBytes(bytes, length, file, this.config.shape, values); } catch { /* same cells as the add */ }
    for (let p = 0; p < values.length; p++) counts[p] -= values[p];
  }
}
