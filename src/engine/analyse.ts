// The whole analysis of a data folder: discover scans → flux → fits → outputs. Shared by CLI and child process.
import * as fs from 'fs';
import * as path from 'path';
import { fingerprintSettings, TOOL_VERSION } from '../contract/analysisSettings';
import { EngineEvent, FailedScanReport } from '../protocol';
import { StagedOutput } from './atomicFiles';
import { columnToCsv } from './csvFormat';
import { assertMaskShape, computeScanFlux, pixelFluxCsv, readMask, ScanFlux, scanShape, writePixelFluxFiles } from './flux';
import { MatrixShape } from './matrixParser';
import { discoverScans, IgnoredEntry, inputFingerprint, Scan, thresholdStep } from './scanFiles';
import { defaultWorkerCount } from './workerPool';
import { fitWorkerPool } from './fitPool';
import { makeModel, ModelName } from './scurveModel';
import { fitScanOutputs, prestartFitOutputWorkers } from './fitOutputs';
import { AuxiliaryFileError, auxiliaryFileList, resolveAuxiliaryFiles, ScanAuxiliaryFiles } from './input/auxiliaryFiles';
import { readBaseline } from './gain/baseline';
import { DEFAULT_GAIN_SETTINGS, GainInput, GainSettings } from './gain/gainAnalysis';
import { acquireResultLock } from './publish/resultLock';
import { ResultStore } from './publish/resultStore';
import { selectFitPoints } from './scanFits';
import { DEFAULT_OUTLIER_SIGMA } from './input/acquisitionQuality';
import { float32Bytes, PixelMajorCounts, pixelMajorCounts } from './report/pixelCounts';

export interface AnalyseOptions extends GainSettings {
  folder: string;
  /** Output folder (default `<folder>/velo-calib`): a link to the last complete run (see publish/resultStore.ts).
   *  When the data folder holds several scans each gets a subfolder named by its id. */
  out?: string;
  /** Mask, baseline and baseline width for every scan; when absent each scan's own are looked for in the folder. */
  mask?: string;
  baseline?: string;
  baselineWidth?: string;
  badCut: number;
  badColumns: number;
  cutBad: boolean;
  fit: boolean;
  strict: boolean;
  workers?: number;
  model: ModelName;
  polarity: 'auto' | 1 | -1;
  fitRange?: [number, number];
  /** Significance (σ) of the count-outlier test on acquisition totals; ≤ 0 turns it off. */
  outlierSigma?: number;
  /** (threshold, acquisition) pairs excluded by hand (`--exclude THR:ACQ,…`). */
  exclude?: Array<[number, number]>;
  /** Only this scan id (`<prefix><ST>`). */
  scan?: string;
  /** How long to wait for another analysis writing the same output folder (ms, default 10 min; 0: fail at once). */
  waitMs?: number;
  signal?: AbortSignal;
}

export const DEFAULT_ANALYSE_OPTIONS = {
  badCut: 2, badColumns: 16, cutBad: true, fit: true, strict: false, model: 'scurve' as ModelName, polarity: 'auto' as const,
  ...DEFAULT_GAIN_SETTINGS,
};

export class AnalysisInputError extends Error {
  /** `failedScans`: when no scan of the folder could be analysed, each one and why. */
  constructor(message: string, readonly failedScans?: FailedScanReport[]) { super(message); this.name = 'AnalysisInputError'; }
}

/** Option values that cannot work with this data (a usage error: exit code 2). */
export class AnalysisUsageError extends AnalysisInputError {
  constructor(message: string) { super(message); this.name = 'AnalysisUsageError'; }
}

export { TOOL_VERSION };

/** Settings that change results (part of the reuse fingerprint): the contract's, shared with the extension. */
export function resultSettings(o: AnalyseOptions) {
  return fingerprintSettings(o);
}

export function defaultOutputFolder(folder: string): string {
  return path.join(folder, 'velo-calib');
}

export function scanOutputFolder(outRoot: string, scan: Scan, scanCount: number): string {
  return scanCount > 1 ? path.join(outRoot, scan.id) : outRoot;
}

/** A scan that could not be analysed (the folder's other scans were). */
export type FailedScan = FailedScanReport;

function failedScan(scan: string, e: unknown): FailedScan {
  const message = e instanceof Error ? e.message : String(e);
  return { scan, message, ...(e instanceof AuxiliaryFileError && e.ambiguous ? { ambiguous: e.ambiguous } : {}) };
}

/** The scans whose input made a run fail (for the `error` event: the extension asks for an ambiguous file). */
export function failedScansOf(e: unknown): FailedScan[] | undefined {
  if (e instanceof AnalysisInputError && e.failedScans) return e.failedScans;
  if (e instanceof AuxiliaryFileError && e.scan) return [failedScan(e.scan, e)];
  return undefined;
}

/** Default time a run waits for another analysis writing the same output folder. */
export const DEFAULT_LOCK_WAIT_MS = 10 * 60 * 1000;

/** Free parameters of a model: a fit needs at least this many thresholds. */
export function parameterCount(model: ModelName): number {
  return makeModel(model, 1).free.filter(Boolean).length;
}

/** A fit range that selects fewer thresholds of the scan than the model has parameters cannot be fitted. */
function checkFitRange(scans: Scan[], options: AnalyseOptions): void {
  const range = options.fitRange;
  if (!options.fit || !range) return;
  const k = parameterCount(options.model);
  for (const scan of scans) {
    const n = scan.thresholds.filter(t => t.threshold >= range[0] && t.threshold <= range[1]).length;
    if (n < k) {
      throw new AnalysisUsageError(`--fit-range ${range[0]}:${range[1]} selects ${n} of the ${scan.thresholds.length} thresholds of ` +
        `${scan.id} (${scan.thresholds[0]?.threshold}–${scan.thresholds[scan.thresholds.length - 1]?.threshold}); the ${options.model} ` +
        `model has ${k} parameters: choose a range with at least ${k} thresholds, or --no-fit`);
    }
  }
}

export async function analyseFolder(options: AnalyseOptions, emit: (e: EngineEvent) => void): Promise<string[]> {
  const folder = path.resolve(options.folder);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new AnalysisInputError(`${folder}: not a folder`);
  }
  // the fit outputs' threads load (h5wasm too) while this one lists the files
  if (options.fit) prestartFitOutputWorkers(options.workers ?? defaultWorkerCount());
  const found = discoverScans(folder);
  for (const e of found.ignored) emit({ type: 'log', level: 'warn', message: `ignored ${e.name}: ${e.reason}` });
  let scans = found.scans;
  if (options.scan) scans = [...found.scans, ...found.strayScans].filter(s => s.id === options.scan);
  if (scans.length === 0) {
    const ids = [...found.scans, ...found.strayScans].map(s => s.id);
    throw new AnalysisInputError(options.scan
      ? `${folder}: no scan "${options.scan}" (found: ${ids.join(', ') || 'none'})`
      : `${folder}: no scan files (expected names like <prefix>1s310ms_THR_1320_3.csv)` +
        (found.ignored.length ? `; ignored: ${found.ignored.map(e => `${e.name} (${e.reason})`).join('; ')}` : ''));
  }
  checkFitRange(scans, options);
  const outRoot = path.resolve(options.out ?? defaultOutputFolder(folder));
  // The whole run is one folder, with a subfolder per scan when the data folder holds several (also with --scan,
  // so that the other scans' results stay where they are). A scan that fails leaves no subfolder in the run.
  const several = found.scans.length > 1;
  const folderScans = [...new Set([...found.scans, ...scans])]; // a stray scan chosen with --scan is one of them
  const analysed = await publishRun(outRoot, options, emit, async staged => {
    const done = await analyseScans(scans, folderScans, found, staged, several, options, emit);
    if (done.analysed.length === 0) {
      throw new AnalysisInputError(`no scan could be analysed:\n${done.failedScans.map(f => `  ${f.scan}: ${f.message}`).join('\n')}`, done.failedScans);
    }
    if (several) for (const other of found.scans) if (!scans.includes(other)) staged.keepFromPublished(other.id);
    if (options.signal?.aborted) throw new Error('cancelled');
    return done;
  });
  const outputDirs = analysed.analysed.map(scan => scanOutputFolder(outRoot, scan, found.scans.length));
  analysed.analysed.forEach((scan, i) => emit({ type: 'result', scan: scan.id, outputDir: outputDirs[i], summaryFile: path.join(outputDirs[i], 'summary.json') }));
  const { failedScans } = analysed;
  emit({ type: 'done', outputDirs, ...(failedScans.length ? { failedScans } : {}) });
  return outputDirs;
}

/** Scans of one folder analysed at once (with worker threads; without, one after the other): while one fits in
 *  the workers, the next one is read, and the serial parts of each (shape, outputs) overlap the others' parallel parts. */
export const SCANS_IN_FLIGHT = 2;

/**
 * Analyses `scans` into `staged` (a subfolder each when `several`), up to SCANS_IN_FLIGHT at a time, in their order.
 * One scan's bad input fails that scan only (--strict, a single scan: the whole run); cancellation stops every
 * scan. Returns the analysed scans in the folder's order and the failed ones.
 */
async function analyseScans(scans: Scan[], folderScans: Scan[], found: { auxiliaryCandidates: string[]; ignored: IgnoredEntry[] },
  staged: StagedOutput, several: boolean, options: AnalyseOptions, emit: (e: EngineEvent) => void,
): Promise<{ analysed: Scan[]; failedScans: FailedScan[] }> {
  // a fatal failure of one scan stops the scans in flight beside it
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const scanOptions = { ...options, signal: stop.signal };
  const fitWorkers = options.workers ?? defaultWorkerCount();
  if (options.fit && fitWorkers > 0) fitWorkerPool(fitWorkers); // its threads start while the flux is read
  const ok: boolean[] = [], failed: Array<FailedScan | undefined> = [];
  let fatal: { error: unknown } | undefined;
  const one = async (scan: Scan, scanIndex: number) => {
    const emitScan = (e: EngineEvent) => emit(e.type === 'progress' ? { ...e, scanIndex, scanCount: scans.length } : e);
    const target = several ? staged.subfolder(scan.id) : staged;
    try {
      if (stop.signal.aborted) throw new Error('cancelled');
      const auxiliary = resolveAuxiliaryFiles(scan, folderScans, found.auxiliaryCandidates, options);
      for (const note of auxiliary.notes) emit({ type: 'log', ...note });
      await analyseScan(scan, auxiliary, target, scanOptions, emitScan, found.ignored);
      ok[scanIndex] = true;
      emitScan({ type: 'progress', phase: 'write', done: 1, total: 1, scan: scan.id });
    } catch (e) {
      if (options.signal?.aborted || options.strict || scans.length === 1 || fatal) {
        fatal ??= { error: options.signal?.aborted ? new Error('cancelled') : e };
        stop.abort();
        return;
      }
      if (several) fs.rmSync(target.dir, { recursive: true, force: true });
      failed[scanIndex] = failedScan(scan.id, e);
      emit({ type: 'log', level: 'error', message: `scan ${scan.id} not analysed: ${failed[scanIndex]!.message}` });
    }
  };
  try {
    let next = 0;
    const lane = async () => { while (next < scans.length) { const i = next++; await one(scans[i], i); } };
    const lanes = (options.workers ?? defaultWorkerCount()) > 0 ? SCANS_IN_FLIGHT : 1;
    await Promise.all(Array.from({ length: Math.min(lanes, scans.length) }, lane));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (fatal) throw fatal.error;
  return { analysed: scans.filter((_, i) => ok[i]), failedScans: failed.filter((f): f is FailedScan => !!f) };
}

/**
 * One publication of the result folder `outDir`, under its lock: what killed runs left is cleaned up, `write`
 * fills a new staged run, which is published when it returns and discarded when it throws (analyse and the
 * live watch's publications).
 */
async function publishRun<T>(outDir: string, options: Pick<AnalyseOptions, 'waitMs' | 'signal'>, emit: (e: EngineEvent) => void,
  write: (staged: StagedOutput) => Promise<T>): Promise<T> {
  const store = new ResultStore(outDir);
  const lock = await acquireResultLock(store.store, outDir, {
    waitMs: options.waitMs ?? DEFAULT_LOCK_WAIT_MS, signal: options.signal,
    onWait: owner => emit({ type: 'log', level: 'info', message: `waiting for the analysis by process ${owner.pid} ` +
      `(started ${owner.since}) that is writing ${outDir}…` }),
  });
  try {
    store.migrate();
    store.collectGarbage();
    const staged = new StagedOutput(outDir);
    try {
      const result = await write(staged);
      await staged.commitReplacing();
      return result;
    } catch (e) {
      staged.discard();
      throw e;
    }
  } finally {
    lock.release();
  }
}

async function analyseScan(scan: Scan, auxiliary: ScanAuxiliaryFiles, staged: StagedOutput, options: AnalyseOptions,
  emit: (e: EngineEvent) => void, ignored: IgnoredEntry[]): Promise<void> {
  const nFiles = scan.thresholds.reduce((s, t) => s + t.acquisitions.length, 0);
  emit({ type: 'log', level: 'info', message: `scan ${scan.id}: ${scan.thresholds.length} thresholds, ${nFiles} files, shutter ${scan.shutterSeconds} s` });
  for (const [thr, acq] of scan.missing) emit({ type: 'log', level: 'warn', message: `missing acquisition ${acq} at threshold ${thr}` });
  for (const d of scan.duplicates) emit({ type: 'log', level: 'warn', message: `skipped ${d.file}: ${d.reason}` });
  const present = new Set(scan.thresholds.flatMap(t => t.acquisitions.map(a => `${t.threshold}:${a.acquisition}`)));
  for (const [thr, acq] of options.exclude ?? []) {
    if (!present.has(`${thr}:${acq}`)) emit({ type: 'log', level: 'warn', message: `excluded acquisition ${thr}:${acq} is not in scan ${scan.id}` });
  }
  const maskFile = auxiliary.mask.file;
  const maskRead = maskFile ? readMask(maskFile) : undefined;
  const shape: MatrixShape = scanShape(scan, maskRead?.shape);
  if (maskRead) assertMaskShape(maskFile!, maskRead.shape, shape);
  const mask = maskRead?.mask ?? new Uint8Array(shape.rows * shape.cols);
  const gain = options.fit ? gainInput(auxiliary, shape, options) : undefined;

  const flux = await computeScanFlux(scan, shape, mask, {
    badCut: options.badCut, badColumns: options.badColumns, cutBad: options.cutBad, outlierSigma: options.outlierSigma,
    exclude: options.exclude, workers: options.workers ?? defaultWorkerCount(), strict: options.strict, signal: options.signal,
    onProgress: (done, total) => emit({ type: 'progress', phase: 'flux', done, total, scan: scan.id }),
    pixelFluxFiles: { dir: staged.dir, names: threshold => pixelFluxFileNames(scan, threshold) },
  });
  reportSkippedAcquisitions(flux, emit);
  await writeScanResults(scan, auxiliary, flux, staged, options, emit, ignored, { pixelFluxWritten: true, gain });
}

/** Warnings for the acquisitions left out and the thresholds without a good one (analyse and the watch's end). */
export function reportSkippedAcquisitions(flux: ScanFlux, emit: (e: EngineEvent) => void): void {
  for (const t of flux.perThreshold) {
    for (const o of t.outcomes) {
      if (o.status === 'error') emit({ type: 'log', level: 'warn', message: `skipped ${o.error!.message}` });
      if (o.reason === 'empty' || o.reason === 'count-outlier') {
        emit({ type: 'log', level: 'warn', message: `skipped acquisition ${o.acquisition} at threshold ${t.threshold} (${o.reason}: ${o.hits} hits)` });
      }
    }
    if (t.good === 0) emit({ type: 'log', level: 'warn', message: `threshold ${t.threshold}: no good acquisition (flux = NaN)` });
  }
}

/**
 * Publishes one scan's outputs from its flux as one atomic publication of `outDir` (under its lock) and emits
 * `result`: the live watch's snapshots and final result. Returns the summary written and the files published.
 */
export async function publishScanResults(scan: Scan, auxiliary: ScanAuxiliaryFiles, flux: ScanFlux, outDir: string,
  options: AnalyseOptions, emit: (e: EngineEvent) => void, ignored: IgnoredEntry[], extraSummary?: Record<string, unknown>,
  /** Files of the published run this one does not write, kept in it (a live snapshot keeps the last refit's fits). */
  keep?: (name: string) => boolean,
): Promise<{ summary: Record<string, unknown>; files: string[] }> {
  const published = await publishRun(outDir, options, emit, async staged => {
    const summary = await writeScanResults(scan, auxiliary, flux, staged, options, emit, ignored, { extraSummary });
    if (keep) staged.keepFilesFromPublished(keep);
    return { summary, files: fs.readdirSync(staged.dir).map(f => path.join(outDir, f)) };
  });
  emit({ type: 'result', scan: scan.id, outputDir: outDir, summaryFile: path.join(outDir, 'summary.json') });
  return published;
}

/**
 * Writes every output of a scan (flux files, fits or why there are none, report, summary.json) into `staged`.
 * `pixelFluxWritten`: the per-threshold pixel flux files are there already (written while the flux was summed);
 * `gain`: the scan's baseline, when read already.
 */
async function writeScanResults(scan: Scan, auxiliary: ScanAuxiliaryFiles, flux: ScanFlux, staged: StagedOutput,
  options: AnalyseOptions, emit: (e: EngineEvent) => void, ignored: IgnoredEntry[],
  { extraSummary, pixelFluxWritten = false, gain = options.fit ? gainInput(auxiliary, flux.shape, options) : undefined }:
  { extraSummary?: Record<string, unknown>; pixelFluxWritten?: boolean; gain?: GainInput } = {},
): Promise<Record<string, unknown>> {
  const skipped = fitSkipped(flux, options);
  // pixel-major counts for pixel_counts.f32 and results.h5, made once by whichever needs them first
  let pixelCounts: PixelMajorCounts | undefined;
  const countsByPixel = () => (pixelCounts ??= pixelMajorCounts(flux.counts, flux.shape.rows * flux.shape.cols));
  // The pixel fits start first (in the fit threads); the summary and flux outputs are made here while they run.
  const fitting = skipped ? undefined : fitScanOutputs(staged, flux, {
    model: options.model, polarity: options.polarity, fitRange: options.fitRange,
    workers: options.workers ?? defaultWorkerCount(), signal: options.signal,
    onProgress: (done, total) => emit({ type: 'progress', phase: 'fit', done, total, scan: scan.id }),
  }, gain, countsByPixel);
  fitting?.catch(() => undefined); // awaited below; a failure of the flux outputs first must not leave it unhandled
  let summary: Record<string, unknown>;
  try {
    summary = { ...fluxSummary(scan, flux, auxiliary, options, ignored), run: { id: staged.runId } };
    writeFluxOutputs(staged, scan, flux, pixelFluxWritten, countsByPixel());
  } catch (e) {
    await fitting?.catch(() => undefined); // nothing goes on writing into the staging folder once this returns
    throw e;
  }
  if (skipped) {
    summary.fit_skipped = { reason: skipped };
    if (options.fit) {
      emit({ type: 'log', level: 'warn', message: `${scan.id}: nothing to fit: ${skipped}. The flux outputs are written; ` +
        'use --no-fit to skip fitting, or --fit-range FROM:TO to choose thresholds with good acquisitions' });
    }
  } else {
    Object.assign(summary, await fitting);
  }
  if (options.signal?.aborted) throw new Error('cancelled');
  Object.assign(summary, extraSummary);
  staged.write('summary.json', JSON.stringify(summary, null, 1) + '\n');
  return summary;
}

/** Why this scan gets no fits (--no-fit, or fewer usable thresholds than parameters), or undefined. */
function fitSkipped(flux: ScanFlux, options: AnalyseOptions): string | undefined {
  if (!options.fit) return '--no-fit';
  const usable = selectFitPoints(flux, options.fitRange).thresholds.length;
  const k = parameterCount(options.model);
  if (usable >= k) return undefined;
  return `only ${usable} threshold${usable === 1 ? '' : 's'} with good acquisitions${options.fitRange ? ' in the fit range' : ''} ` +
    `(of ${flux.thresholds.length}), fewer than the ${k} parameters of the ${options.model} model`;
}

/** The scan's baseline, read and checked against its shape (before any acquisition is read), with the gain settings. */
function gainInput(auxiliary: ScanAuxiliaryFiles, shape: MatrixShape, options: AnalyseOptions): GainInput | undefined {
  const { baseline, baselineWidth } = auxiliary;
  if (!baseline.file) return undefined;
  return {
    baseline: readBaseline(baseline.file, shape, baselineWidth.file ?? undefined),
    source: { baseline: baseline.source, width: baselineWidth.source },
    settings: { lineEv: options.lineEv, pairEv: options.pairEv, pairEvError: options.pairEvError, kbetaEv: options.kbetaEv },
  };
}

function fluxSummary(scan: Scan, flux: ScanFlux, auxiliary: ScanAuxiliaryFiles, options: AnalyseOptions, ignored: IgnoredEntry[]) {
  const mask = auxiliary.mask;
  const unreadable = flux.perThreshold.flatMap(t => t.outcomes.filter(o => o.status === 'error').map(o => ({
    file: path.basename(o.file), threshold: t.threshold, acquisition: o.acquisition, reason: o.error!.message,
    ...(o.error!.line > 0 ? { line: o.error!.line, column: o.error!.column } : {}),
  })));
  const skipped = [...unreadable, ...scan.duplicates];
  return {
    tool: 'velo-calib', version: TOOL_VERSION, created: new Date().toISOString(),
    dataFolder: scan.folder,
    scan: { id: scan.id, prefix: scan.prefix, shutter: scan.shutterText, shutterSeconds: scan.shutterSeconds },
    shape: flux.shape,
    inputFingerprint: inputFingerprint(scan, resultSettings(options), auxiliaryFileList(auxiliary)),
    settings: resultSettings(options),
    mask: { file: mask.file, source: mask.source, maskedPixels: flux.maskedPixels },
    thresholds: flux.thresholds,
    per_threshold: flux.perThreshold.map(t => ({
      threshold: t.threshold, files: t.outcomes.length, good: t.good, bad: t.bad, failed: t.failed, excluded: t.excluded,
      all_bad: t.good === 0, exposure_s: t.exposure, asic_counts: t.asicCounts,
      asic_flux: nullIfNaN(t.asicFlux), asic_flux_error: nullIfNaN(t.asicFluxError),
    })),
    acquisitions: { total: flux.perThreshold.reduce((s, t) => s + t.outcomes.length, 0),
      good: sum(flux.perThreshold.map(t => t.good)), bad: sum(flux.perThreshold.map(t => t.bad)),
      failed: sum(flux.perThreshold.map(t => t.failed)), excluded: sum(flux.perThreshold.map(t => t.excluded)) },
    bad_acquisitions: flux.perThreshold.flatMap(t => t.outcomes.filter(o => o.status === 'bad').map(o => [t.threshold, o.acquisition, o.reason])),
    excluded_acquisitions: flux.perThreshold.flatMap(t => t.outcomes.filter(o => o.status === 'excluded').map(o => [t.threshold, o.acquisition])),
    bad_acquisition_metric: { region: `last ${options.badColumns} columns`, cut_hz: options.badCut, applied: options.cutBad,
      outlier_sigma: options.cutBad ? options.outlierSigma ?? DEFAULT_OUTLIER_SIGMA : 0 },
    all_bad_thresholds: flux.perThreshold.filter(t => t.good === 0).map(t => t.threshold),
    missing_acquisitions: scan.missing,
    skipped_files: skipped,
    ignored_entries: ignored,
    outputs: { ...outputNames(scan, flux), pixel_counts: { file: PIXEL_COUNTS_FILE, layout: 'float32 little-endian, [pixel][threshold]' } },
  };
}

function sum(a: number[]): number { return a.reduce((s, v) => s + v, 0); }
function nullIfNaN(v: number): number | null { return Number.isFinite(v) ? v : null; }

export function asicFluxFileNames(scan: Scan, thresholds: number[]) {
  const range = `${thresholds[0]}-${thresholds[thresholds.length - 1]}-step${thresholdStep(thresholds)}`;
  return {
    flux: `FluxperASIC_${scan.id}_THR_${range}.csv`,
    uncertainty: `UncertaintyFluxperASIC_${scan.id}_THR_${range}.csv`,
  };
}

export function pixelFluxFileNames(scan: Scan, threshold: number) {
  return {
    flux: `Fluxperpixel_${scan.id}_THR_${threshold}.csv`,
    uncertainty: `UncertaintyFluxperpixel_${scan.id}_THR_${threshold}.csv`,
  };
}

function outputNames(scan: Scan, flux: ScanFlux) {
  return {
    asic: asicFluxFileNames(scan, flux.thresholds),
    pixel: flux.thresholds.map(t => ({ threshold: t, ...pixelFluxFileNames(scan, t) })),
  };
}

/** Summed counts as little-endian float32, pixel-major (pixel p, threshold j at index p·nThresholds + j):
 *  one pixel's whole curve is a single small read for the fit-diagnostics view. */
export const PIXEL_COUNTS_FILE = 'pixel_counts.f32';

/** The flux outputs (the per-threshold pixel files too, unless the flux workers wrote them: `pixelFilesWritten`). */
function writeFluxOutputs(staged: StagedOutput, scan: Scan, flux: ScanFlux, pixelFilesWritten: boolean, pixelCounts: PixelMajorCounts): void {
  if (!pixelFilesWritten) {
    flux.thresholds.forEach((threshold, i) => {
      writePixelFluxFiles({ dir: staged.dir, ...pixelFluxFileNames(scan, threshold) },
        pixelFluxCsv(flux.counts[i], flux.mask, flux.perThreshold[i].exposure, flux.shape));
    });
  }
  staged.write(PIXEL_COUNTS_FILE, float32Bytes(pixelCounts));
  const asic = asicFluxFileNames(scan, flux.thresholds);
  staged.write(asic.flux, columnToCsv(flux.perThreshold.map(t => t.asicFlux)));
  staged.write(asic.uncertainty, columnToCsv(flux.perThreshold.map(t => t.asicFluxError)));
}
