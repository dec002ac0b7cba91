// Flux per pixel and per ASIC for every threshold of a scan, with Poisson uncertainties.
import * as fs from 'fs';
import * as path from 'path';
import { formatNumber as csvNumber, matrixToCsv } from './csvFormat';
import { FluxCsvKernel } from './fluxCsvKernel';
import { assertPixelMatrixShape, MatrixReader, MatrixShape, readPixelMatrix } from './matrixParser';
import { Scan } from './scanFiles';
import {
  AcquisitionOutcome, BadAcquisitionCut, ThresholdAccumulator, ThresholdSums, ThresholdTask, AccumulatorConfig,
} from './thresholdAccumulator';
import { runInWorkers, workerScript } from './workerPool';

export interface FluxOptions extends BadAcquisitionCut {
  /** (threshold, acquisition) pairs excluded by hand: never read, status 'excluded'. */
  exclude?: Array<[number, number]>;
  /** Worker threads; 0 runs inline in the calling thread. */
  workers: number;
  strict: boolean;
  /** Parser of the hot path (default: the WebAssembly kernel when available). */
  parser?: 'wasm' | 'typescript';
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Where each threshold's pixel flux and uncertainty CSVs go: written by the worker that summed the threshold,
   *  as soon as it has (in parallel with the other thresholds' parsing, not after the whole scan). */
  pixelFluxFiles?: { dir: string; names: (threshold: number) => { flux: string; uncertainty: string } };
}

/** The pixel flux files of one threshold, to be written where its sums are made. */
export interface PixelFluxFiles { dir: string; flux: string; uncertainty: string }

export interface ThresholdFlux {
  threshold: number;
  outcomes: AcquisitionOutcome[];
  good: number;
  bad: number;
  failed: number;
  excluded: number;
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

export function assertMaskShape(file: string, maskShape: MatrixShape, shape: MatrixShape): void {
  assertPixelMatrixShape(file, maskShape, shape, 'mask');
}

/** Files read to decide a scan's shape; every file votes when these show no clear majority. */
const SHAPE_SAMPLE = 9;

/**
 * The scan's shape, decided before accumulating: the shape most of its readable files agree on (files spread
 * over the scan vote; broken files do not), or the mask's shape when a mask is given and files of that shape
 * exist. Files of another shape are then skipped and reported by the accumulator like any broken file.
 */
export function scanShape(scan: Scan, maskShape?: MatrixShape): MatrixShape {
  const files = scan.thresholds.flatMap(t => t.acquisitions);
  const reader = new MatrixReader();
  const votes = new Map<string, { shape: MatrixShape; n: number }>();
  let firstError: unknown;
  const vote = (file: string) => {
    try {
      const { shape } = reader.readWithShape(file);
      const key = `${shape.rows}x${shape.cols}`;
      const entry = votes.get(key) ?? { shape, n: 0 };
      entry.n++;
      votes.set(key, entry);
    } catch (e) {
      firstError ??= e;
    }
  };
  const leader = () => {
    let best: { shape: MatrixShape; n: number } | undefined, total = 0;
    for (const v of votes.values()) { total += v.n; if (!best || v.n > best.n) best = v; }
    return best && best.n * 2 > total ? best.shape : undefined;
  };
  const sampled = new Set<number>();
  const nSample = Math.min(SHAPE_SAMPLE, files.length);
  for (let k = 0; k < nSample; k++) sampled.add(Math.floor(k * files.length / nSample));
  // with a mask, the first sampled file of the mask's shape settles it (the votes of the others could not change that)
  for (const i of sampled) {
    vote(files[i].path);
    if (maskShape && votes.has(`${maskShape.rows}x${maskShape.cols}`)) return maskShape;
  }
  let shape = leader();
  if (!shape) {
    files.forEach((f, i) => { if (!sampled.has(i)) vote(f.path); });
    if (maskShape && votes.has(`${maskShape.rows}x${maskShape.cols}`)) return maskShape;
    shape = leader() ?? [...votes.values()].sort((a, b) => b.n - a.n)[0]?.shape;
  }
  if (!shape) throw firstError ?? new Error(`scan ${scan.id} has no acquisition files`);
  return shape;
}

export async function computeScanFlux(scan: Scan, shape: MatrixShape, mask: Uint8Array, options: FluxOptions): Promise<ScanFlux> {
  const excluded = new Set((options.exclude ?? []).map(([t, a]) => `${t}:${a}`));
  const isExcluded = (threshold: number, acquisition: number) => excluded.has(`${threshold}:${acquisition}`);
  const out = options.pixelFluxFiles;
  const tasks: FluxTask[] = scan.thresholds.map((t, thresholdIndex) => ({
    thresholdIndex,
    files: t.acquisitions.filter(a => !isExcluded(t.threshold, a.acquisition)).map(a => ({ path: a.path, acquisition: a.acquisition })),
    ...(out ? { outputs: { dir: out.dir, ...out.names(t.threshold) } } : {}),
  }));
  const config: AccumulatorConfig = {
    shape, mask, shutterSeconds: scan.shutterSeconds,
    cut: { cutBad: options.cutBad, badCut: options.badCut, badColumns: options.badColumns, outlierSigma: options.outlierSigma },
    parser: options.parser,
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
      accept(sumThreshold(accumulator, config, task));
    }
  } else {
    await runInWorkers<FluxTask, ThresholdSums>(
      workerScript('fluxWorker'), config, tasks, { workers: options.workers, signal: options.signal }, accept);
  }

  return assembleScanFlux(scan, shape, mask, sums, isExcluded);
}

/** The scan's flux from the summed counts and outcomes of each threshold (`sums[i]` ↔ `scan.thresholds[i]`;
 *  the acquisitions excluded by hand were not read and are added here): shared by the batch analysis and the
 *  live watch. */
export function assembleScanFlux(scan: Scan, shape: MatrixShape, mask: Uint8Array,
  sums: Array<Pick<ThresholdSums, 'counts' | 'outcomes' | 'unmaskedCounts'>>, isExcluded: (threshold: number, acquisition: number) => boolean): ScanFlux {
  let maskedPixels = 0;
  for (let p = 0; p < mask.length; p++) maskedPixels += mask[p];
  const perThreshold = scan.thresholds.map((t, i): ThresholdFlux => {
    const { counts } = sums[i];
    const outcomes = [...sums[i].outcomes, ...t.acquisitions.filter(a => isExcluded(t.threshold, a.acquisition)).map(
      (a): AcquisitionOutcome => ({ acquisition: a.acquisition, file: a.path, status: 'excluded', lastColumnsFlux: NaN, hits: 0 }))];
    outcomes.sort((a, b) => a.acquisition - b.acquisition);
    const asicCounts = sums[i].unmaskedCounts ?? unmaskedSum(counts, mask);
    const good = outcomes.filter(o => o.status === 'good').length;
    const exposure = good * scan.shutterSeconds;
    return {
      threshold: t.threshold, outcomes, good,
      bad: outcomes.filter(o => o.status === 'bad').length,
      failed: outcomes.filter(o => o.status === 'error').length,
      excluded: outcomes.filter(o => o.status === 'excluded').length,
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

/** Σ counts over the pixels not masked. */
function unmaskedSum(counts: Float64Array, mask: Uint8Array): number {
  let sum = 0;
  for (let p = 0; p < counts.length; p++) if (!mask[p]) sum += counts[p];
  return sum;
}

/** A threshold's files to sum and, optionally, where its pixel flux files go. */
export interface FluxTask extends ThresholdTask { outputs?: PixelFluxFiles }

/** Sums one threshold (in a flux worker, or inline) and writes its pixel flux files when asked to. */
export function sumThreshold(accumulator: ThresholdAccumulator, config: AccumulatorConfig, task: FluxTask): ThresholdSums {
  const sums = accumulator.run(task);
  sums.unmaskedCounts = unmaskedSum(sums.counts, config.mask);
  if (task.outputs) {
    // the exposure as assembleScanFlux computes it: good acquisitions × shutter time
    const exposure = sums.outcomes.filter(o => o.status === 'good').length * config.shutterSeconds;
    writePixelFluxFiles(task.outputs, pixelFluxCsv(sums.counts, config.mask, exposure, config.shape));
  }
  return sums;
}

/** One threshold's pixel flux and uncertainty CSV files (pixelFluxCsv) into their files. */
export function writePixelFluxFiles(files: PixelFluxFiles, csv: { flux: Uint8Array; error: Uint8Array }): void {
  fs.writeFileSync(path.join(files.dir, files.flux), csv.flux);
  fs.writeFileSync(path.join(files.dir, files.uncertainty), csv.error);
}

/**
 * One threshold's pixel flux and uncertainty as CSV files: byte for byte matrixToCsv of Σhits/T and √Σhits/T
 * (masked pixels and T = 0: nan), made faster. A pixel's count is a sum of hits, a small integer, and the
 * threshold's exposure is one number, so c/T and √c/T take few distinct values: the WebAssembly kernel
 * (fluxCsvKernel.ts) has each one's text made once and copies it into the file. Counts it does not take (not
 * integers below 65,536) are written by matrixToCsv itself.
 */
export function pixelFluxCsv(counts: Float64Array, mask: Uint8Array, exposure: number, shape: MatrixShape): { flux: Uint8Array; error: Uint8Array } {
  const usable = exposure > 0;
  const flux = (c: number) => (usable ? c / exposure : NaN), error = (c: number) => (usable ? Math.sqrt(c) / exposure : NaN);
  return { flux: pixelCsvBytes(counts, mask, shape, flux), error: pixelCsvBytes(counts, mask, shape, error) };
}

/** The WebAssembly layout of the file when the kernel takes these counts, else matrixToCsv of the values. */
function pixelCsvBytes(counts: Float64Array, mask: Uint8Array, shape: MatrixShape, valueOf: (count: number) => number): Uint8Array {
  const n = shape.rows * shape.cols;
  if (csvKernel === undefined || (csvKernel !== null && csvKernel.n !== n)) csvKernel = FluxCsvKernel.create(n) ?? null;
  const laidOut = csvKernel?.csv(counts, mask, shape.rows, shape.cols, valueOf, csvNumber, csvNumber(NaN));
  if (laidOut) return laidOut;
  const values = Float64Array.from(counts, (c, p) => (mask[p] ? NaN : valueOf(c)));
  return Buffer.from(matrixToCsv(values, shape.rows, shape.cols));
}
/** This thread's flux CSV kernel (null: dist/csvKernel.wasm missing). */
let csvKernel: FluxCsvKernel | null | undefined;
