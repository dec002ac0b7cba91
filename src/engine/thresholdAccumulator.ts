// Sums the good acquisitions of one threshold. Runs inside a worker thread (or inline when workers = 0).
// Hot path: the WebAssembly kernel parses a file straight into its 32-bit counts and takes it back if the
// acquisition turns out bad; the 32-bit counts are flushed into the float64 sums before they could overflow.
// Any other file (blanks, non-integers, big counts, errors) goes through the TypeScript parser: into values,
// judged, added to the float64 sums if good. Once every file of the threshold is in, the totals are tested
// against each other (empty acquisitions, count outliers) and a rejected acquisition is re-read and taken out.
import { countVerdicts, BadAcquisitionReason, DEFAULT_OUTLIER_SIGMA } from './input/acquisitionQuality';
import { MatrixFormatError, MatrixReader, MatrixShape, parseMatrixBytes } from './matrixParser';
import { KERNEL_MAX_CELL, PlainParseKernel } from './plainParseKernel';

export interface BadAcquisitionCut {
  /** Skip bad acquisitions: noisy last columns, empty ones and count outliers (false keeps every readable one). */
  cutBad: boolean;
  /** Noisy when the mean flux over the last `badColumns` columns exceeds badCut (Hz per unmasked pixel). */
  badCut: number;
  badColumns: number;
  /** Significance (σ) of the count-outlier test; ≤ 0 turns it off (default DEFAULT_OUTLIER_SIGMA). */
  outlierSigma?: number;
}

/** 'excluded': on the hand-made exclusion list, never read. */
export type AcquisitionStatus = 'good' | 'bad' | 'error' | 'excluded';

export interface AcquisitionOutcome {
  acquisition: number;
  file: string;
  status: AcquisitionStatus;
  /** Mean flux (Hz) per unmasked pixel in the last `badColumns` columns; NaN when unreadable. */
  lastColumnsFlux: number;
  /** Total hits over unmasked pixels. */
  hits: number;
  /** Why a 'bad' acquisition is bad. */
  reason?: BadAcquisitionReason;
  /** line and column are 1-based, 0 when the error has no position (an unreadable file). */
  error?: { message: string; line: number; column: number };
}

/** The 32-bit kernel counts are flushed into the float64 sums once another file could overflow them. */
const KERNEL_HEADROOM = 0x7fffffff - KERNEL_MAX_CELL;

export interface ThresholdTask {
  thresholdIndex: number;
  files: Array<{ path: string; acquisition: number }>;
}

export interface ThresholdSums {
  thresholdIndex: number;
  /** Summed hits of good acquisitions, per pixel (row-major). Masked pixels are summed too; consumers mask. */
  counts: Float64Array;
  outcomes: AcquisitionOutcome[];
  /** The sum of counts over the pixels not masked, when the summing thread took it (sumThreshold). */
  unmaskedCounts?: number;
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
    this.kernel?.setPixelLists([this.lastColumnPixels, this.maskedPixels]);
  }

  /** Which parser serves the plain files (for the benchmark and tests). */
  get parserName(): 'wasm' | 'typescript' { return this.kernel ? 'wasm' : 'typescript'; }

  run(task: ThresholdTask): ThresholdSums {
    const { shape } = this.config;
    const kernel = this.kernel;
    if (kernel) kernel.counts.fill(0);
    // Exact sums up to 2^53 whatever the path: float64, fed by the TypeScript parser and the kernel's flushes. On
    // shared memory: the pixel fits' threads read them where they are.
    const counts = new Float64Array(new SharedArrayBuffer(shape.rows * shape.cols * 8));
    /** Upper bound of every kernel count since the last flush: the sum of the totals it took. */
    let kernelBound = 0;
    const outcomes: AcquisitionOutcome[] = [];
    for (const file of task.files) {
      let outcome: AcquisitionOutcome;
      try {
        if (kernel) {
          if (kernelBound > KERNEL_HEADROOM) { flushInto(kernel.counts, counts); kernelBound = 0; }
          const { bytes, length } = kernel.read(file.path);
          const total = kernel.parseAdd(length, shape.rows, shape.cols);
          if (total >= 0) {
            outcome = this.judgeKernelValues(kernel, file, total);
            if (outcome.status === 'good') kernelBound += total;
          } else {
            outcome = this.addWithTypeScript(bytes, length, file, counts);
          }
        } else {
          const { bytes, length } = this.reader.readBytes(file.path);
          outcome = this.addWithTypeScript(bytes, length, file, counts);
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
    if (kernel) flushInto(kernel.counts, counts);
    this.rejectImplausibleTotals(outcomes, counts);
    return { thresholdIndex: task.thresholdIndex, counts, outcomes };
  }

  /** Empty acquisitions and count outliers among the good ones: marked bad and taken back out of the sums. */
  private rejectImplausibleTotals(outcomes: AcquisitionOutcome[], counts: Float64Array): void {
    const { cutBad, outlierSigma = DEFAULT_OUTLIER_SIGMA } = this.config.cut;
    if (!cutBad) return;
    const good = outcomes.filter(o => o.status === 'good');
    const verdicts = countVerdicts(good.map(o => o.hits), outlierSigma);
    good.forEach((outcome, k) => {
      const reason = verdicts[k];
      if (!reason) return;
      // Rare: re-reading the one file is cheaper than keeping every acquisition's values.
      let total: number;
      try { total = this.reader.read(outcome.file, this.config.shape, this.values); } catch { total = NaN; }
      let maskedSum = 0;
      for (let k = 0; k < this.maskedPixels.length; k++) maskedSum += this.values[this.maskedPixels[k]];
      if (total - maskedSum !== outcome.hits) throw new Error(`${outcome.file} changed while the scan was being read: analyse again`);
      for (let p = 0; p < counts.length; p++) counts[p] -= this.values[p];
      outcome.status = 'bad';
      outcome.reason = reason;
    });
  }

  /** Good or bad (mean flux of the last columns against the cut), from the file's values and their sum. */
  private judge(values: ArrayLike<number>, file: ThresholdTask['files'][number], total: number): AcquisitionOutcome {
    const lc = this.lastColumnPixels, mp = this.maskedPixels;
    let lastSum = 0, maskedSum = 0;
    for (let k = 0; k < lc.length; k++) lastSum += values[lc[k]];
    for (let k = 0; k < mp.length; k++) maskedSum += values[mp[k]];
    return this.judgeSums(file, total, lastSum, maskedSum);
  }

  /** judge() from the sums over the last columns' and the masked pixels. */
  private judgeSums(file: ThresholdTask['files'][number], total: number, lastSum: number, maskedSum: number): AcquisitionOutcome {
    const lc = this.lastColumnPixels;
    const lastColumnsFlux = lc.length ? lastSum / lc.length / this.config.shutterSeconds : 0;
    const bad = this.config.cut.cutBad && lastColumnsFlux > this.config.cut.badCut;
    return {
      acquisition: file.acquisition, file: file.path, status: bad ? 'bad' : 'good', lastColumnsFlux, hits: total - maskedSum,
      ...(bad ? { reason: 'noisy-last-columns' as const } : {}),
    };
  }

  /** The kernel parsed the file and added it: judge the acquisition from its values, take it back if bad. */
  private judgeKernelValues(kernel: PlainParseKernel, file: ThresholdTask['files'][number], total: number): AcquisitionOutcome {
    const outcome = this.judgeSums(file, total, kernel.sumOver(0), kernel.sumOver(1));
    if (outcome.status === 'bad') kernel.subtractValues();
    return outcome;
  }

  /** The TypeScript parser reads (or rejects, with line and column) the file into values; added if good. */
  private addWithTypeScript(bytes: Uint8Array, length: number, file: ThresholdTask['files'][number],
    counts: Float64Array): AcquisitionOutcome {
    const values = this.values;
    const total = parseMatrixBytes(bytes, length, file.path, this.config.shape, values);
    const outcome = this.judge(values, file, total);
    if (outcome.status === 'good') for (let p = 0; p < values.length; p++) counts[p] += values[p];
    return outcome;
  }
}

/** wide += narrow; narrow = 0. */
function flushInto(narrow: Int32Array, wide: Float64Array): void {
  for (let p = 0; p < wide.length; p++) wide[p] += narrow[p];
  narrow.fill(0);
}
