// A live snapshot's publication (flux assembled from copies of the live sums, flux files, a refit when due, summary)
// in a worker thread of its own, so that the watch's main thread goes on listing, reading and counting files while
// a snapshot is written: the per-file update never waits for a publication. Without the worker script (the engine
// run from tsc's output) the snapshot is published inline.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { EngineEvent } from '../../protocol';
import { AnalyseOptions, publishScanResults } from '../analyse';
import { assembleScanFlux } from '../flux';
import { ScanAuxiliaryFiles } from '../input/auxiliaryFiles';
import { MatrixShape } from '../matrixParser';
import { IgnoredEntry, Scan } from '../scanFiles';
import { workerScript } from '../workerPool';
import { AcquisitionOutcome } from './acquisitionReader';

/** Everything a snapshot's publication needs, as plain data (it crosses to the worker by structured clone). */
export interface SnapshotJob {
  scan: Scan;
  shape: MatrixShape;
  mask: Uint8Array;
  /** Copies of the live sums, one per threshold of `scan` (their buffers are transferred to the worker). */
  sums: Array<{ counts: Float64Array; outcomes: AcquisitionOutcome[] }>;
  exclude: Array<[number, number]>;
  auxiliary: ScanAuxiliaryFiles;
  dir: string;
  /** The analysis options without signals (`fit`: refit now). */
  options: Omit<AnalyseOptions, 'signal'>;
  ignored: IgnoredEntry[];
  extraSummary: Record<string, unknown>;
  /** Keep the published run's fit files (every file but the scan's flux files): a snapshot between refits. */
  keepFits: boolean;
}

export interface SnapshotResult {
  summary: Record<string, unknown>;
  files: string[];
  thresholds: number[];
  asicFlux: number[];
}

/** Publishes one snapshot here and now (in the worker, or inline). */
export async function publishSnapshot(job: SnapshotJob, emit: (e: EngineEvent) => void, signal: AbortSignal): Promise<SnapshotResult> {
  const excluded = new Set(job.exclude.map(([t, a]) => `${t}:${a}`));
  const isExcluded = (t: number, a: number) => excluded.has(`${t}:${a}`);
  const flux = assembleScanFlux(job.scan, job.shape, job.mask, job.sums, isExcluded);
  const { summary, files } = await publishScanResults(job.scan, job.auxiliary, flux, job.dir, { ...job.options, signal }, emit, job.ignored,
    job.extraSummary, job.keepFits ? name => !isFluxFile(name, job.scan.id) : undefined);
  removeStaleOutputs(job.dir, job.scan.id, files);
  return { summary, files, thresholds: flux.thresholds, asicFlux: flux.perThreshold.map(t => t.asicFlux) };
}

type ToWorker = { type: 'publish'; job: SnapshotJob } | { type: 'abort' };
export type FromWorker = { type: 'event'; event: EngineEvent } | { type: 'done'; result: SnapshotResult } | { type: 'failed'; message: string };

/** The watch's publication thread: one snapshot at a time. */
export class LivePublisher {
  private worker: Worker | undefined;
  private readonly inline = new AbortController();

  constructor(private readonly emit: (e: EngineEvent) => void) {
    const script = workerScript('livePublishWorker');
    if (fs.existsSync(script)) {
      this.worker = new Worker(script);
      this.worker.unref();
    }
  }

  publish(job: SnapshotJob): Promise<SnapshotResult> {
    const worker = this.worker;
    if (!worker) return publishSnapshot(job, this.emit, this.inline.signal);
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === 'event') { this.emit(m.event); return; }
        worker.off('message', onMessage);
        worker.off('error', onError);
        if (m.type === 'done') resolve(m.result); else reject(new Error(m.message));
      };
      const onError = (e: Error) => { worker.off('message', onMessage); reject(e); };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.postMessage({ type: 'publish', job } satisfies ToWorker, job.sums.map(s => s.counts.buffer as ArrayBuffer));
    });
  }

  /** Stops the snapshot being published (its staged run is discarded): the final publication follows. */
  abort(): void {
    this.inline.abort();
    this.worker?.postMessage({ type: 'abort' } satisfies ToWorker);
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}

/** Flux files of earlier snapshots that the latest publication does not have (the ASIC file's name holds the range). */
export function removeStaleOutputs(dir: string, scanId: string, published: string[]): void {
  const keep = new Set(published.map(f => path.basename(f)));
  for (const name of fs.readdirSync(dir)) {
    if (!keep.has(name) && isFluxFile(name, scanId)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** A flux output of the scan (per pixel or ASIC, value or uncertainty): every publication writes its own. */
function isFluxFile(name: string, scanId: string): boolean {
  return ['FluxperASIC_', 'UncertaintyFluxperASIC_', 'Fluxperpixel_', 'UncertaintyFluxperpixel_'].some(p => name.startsWith(`${p}${scanId}_THR_`));
}
