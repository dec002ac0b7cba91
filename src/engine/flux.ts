// Flux per pixel and per ASIC for every threshold of a scan, with Poisson uncertainties.
import { MatrixReader, MatrixShape, readPixelMatrix } from './matrixParser';
import { Scan } from './scanFiles';
import {
  AcquisitionOutcome, BadAcquisitionCut, ThresholdAccumulator, ThresholdSums, ThresholdTask, AccumulatorConfig,
} from './thresholdAccumulator';
import { runInWorkers, workerScript } from './workerPool';

export interface FluxOptions extends BadAcquisitionCut {
  /** Worker threads; 0 runs inline in the calling thread. */
  workers: number;
  strict: boolean;
  /** Parser of the hot path (default: the WebAssembly kernel when available). */
  parser?: 'wasm' | 'typescript';
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ThresholdFlux {
  threshold: number;
  outcomes: AcquisitionOutcome[];
  good: number;
  bad: number;
  failed: number;
  /** Exposure T = good acquisitions × shutter time (s). */
  exposure: number;
  /** Σ hits over unmasked pixels of good acquisitions. */
  asicCounts: number;
  /** ASIC flux Σhits/T and its Poisson uncertainty √Σhits/T; NaN when no good acquisition. */
  asicFlux: number;
  asicFluxError: number;
}

export interface ScanFlux {
  shape: MatrixShape;
  mask: Uint8Array;
  maskedPixels: number;
  thresholds: number[];
  perThreshold: ThresholdFlux[];
  /** Summed hits per threshold per pixel (good acquisitions only): the fits need counts, not only flux. */
  counts: Float64Array[];
}

export class ScanAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanAbortedError';
  }
}

export function readMask(file: string, shape?: MatrixShape): { mask: Uint8Array; shape: MatrixShape } {
  const { shape: maskShape, values } = readPixelMatrix(file, shape, 'mask');
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) mask[i] = values[i] > 0 ? 1 : 0;
  return { mask, shape: maskShape };
}

/** Shape of the scan, from the first readable acquisition. */
export function scanShape(scan: Scan): MatrixShape {
  const reader = new MatrixReader();
  let firstError: unknown;
  for (const t of scan.thresholds) {
    for (const a of t.acquisitions) {
      try {
        return reader.readWithShape(a.path).shape;
      } catch (e) {
        firstError ??= e;
      }
    }
  }
  throw firstError ?? new Error(`scan ${scan.id} has no acquisition files`);
}

export async function computeScanFlux(scan: Scan, shape: MatrixShape, mask: Uint8Array, options: FluxOptions): Promise<ScanFlux> {
  const tasks: ThresholdTask[] = scan.thresholds.map((t, thresholdIndex) => ({
    thresholdIndex,
    files: t.acquisitions.map(a => ({ path: a.path, acquisition: a.acquisition })),
  }));
  const config: AccumulatorConfig = {
    shape, mask, shutterSeconds: scan.shutterSeconds,
    cut: { cutBad: options.cutBad, badCut: options.badCut, badColumns: options.badColumns }, parser: options.parser,
  };
  const sums: ThresholdSums[] = new Array(tasks.length);
  const totalFiles = tasks.reduce((s, t) => s + t.files.length, 0);
  let filesDone = 0;
  const accept = (result: ThresholdSums) => {
    if (options.strict) {
      const failed = result.outcomes.find(o => o.status === 'error');
      if (failed) throw new ScanAbortedError(`--strict: ${failed.error!.message}`);
    }
    sums[result.thresholdIndex] = result;
    filesDone += result.outcomes.length;
    options.onProgress?.(filesDone, totalFiles);
  };
  if (options.workers <= 0) {
    const accumulator = new ThresholdAccumulator(config);
    for (const task of tasks) {
      if (options.signal?.aborted) throw new Error('cancelled');
      accept(accumulator.run(task));
    }
  } else {
    await runInWorkers<ThresholdTask, ThresholdSums>(
      workerScript('fluxWorker'), config, tasks, { workers: options.workers, signal: options.signal }, accept);
  }

  let maskedPixels = 0;
  for (let p = 0; p < mask.length; p++) maskedPixels += mask[p];
  const perThreshold = scan.thresholds.map((t, i): ThresholdFlux => {
    const { counts, outcomes } = sums[i];
    let asicCounts = 0;
    for (let p = 0; p < counts.length; p++) if (!mask[p]) asicCounts += counts[p];
    const good = outcomes.filter(o => o.status === 'good').length;
    const exposure = good * scan.shutterSeconds;
    return {
      threshold: t.threshold, outcomes, good,
      bad: outcomes.filter(o => o.status === 'bad').length,
      failed: outcomes.filter(o => o.status === 'error').length,
      exposure, asicCounts,
      asicFlux: exposure > 0 ? asicCounts / exposure : NaN,
      asicFluxError: exposure > 0 ? Math.sqrt(asicCounts) / exposure : NaN,
    };
  });
  return {
    shape, mask, maskedPixels, thresholds: scan.thresholds.map(t => t.threshold), perThreshold,
    counts: sums.map(s => s.counts),
  };
}

/** Pixel flux Σhits/T and uncertainty √Σhits/T of one threshold; masked pixels and T = 0 give NaN. */
export function pixelFlux(flux: ScanFlux, thresholdIndex: number): { flux: Float64Array; error: Float64Array } {
  const counts = flux.counts[thresholdIndex];
  const exposure = flux.perThreshold[thresholdIndex].exposure;
  const value = new Float64Array(counts.length), error = new Float64Array(counts.length);
  for (let p = 0; p < counts.length; p++) {
    if (flux.mask[p] || !(exposure > 0)) { value[p] = NaN; error[p] = NaN; continue; }
    value[p] = counts[p] / exposure;
    error[p] = Math.sqrt(counts[p]) / exposure;
  }
  return { flux: value, error };
}
