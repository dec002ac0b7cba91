// The live watch's one door into the batch engine's acquisition judgement: a single file is parsed, judged
// (good / bad / unreadable) and its hit counts handed back, by the same ThresholdAccumulator the batch analysis
// uses (so the sums cannot differ). Every use of the accumulator's API by src/engine/live/ goes through here.
import { Worker } from 'worker_threads';
import { countVerdicts, DEFAULT_OUTLIER_SIGMA } from '../input/acquisitionQuality';
import {
  AccumulatorConfig, AcquisitionOutcome, BadAcquisitionCut, ThresholdAccumulator, ThresholdSums, ThresholdTask,
} from '../thresholdAccumulator';
import { workerScript } from '../workerPool';

export type { AcquisitionOutcome } from '../thresholdAccumulator';

export interface ReadAcquisition {
  outcome: AcquisitionOutcome;
  /** Hits of this file per pixel when good; all zero when bad or unreadable (what it adds to its threshold). */
  counts: Float64Array;
}

/** Reads one acquisition at a time, in a worker thread (parsing never waits for fits or publication) or inline. */
export class AcquisitionReader {
  private readonly worker: Worker | undefined;
  private readonly inline: ThresholdAccumulator | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(config: AccumulatorConfig, inWorker: boolean) {
    if (inWorker) {
      this.worker = new Worker(workerScript('fluxWorker'), { workerData: config });
      this.worker.unref();
    } else {
      this.inline = new ThresholdAccumulator(config);
    }
  }

  /**
   * The judgement the accumulator makes once every file of a threshold is in (empty acquisitions, count outliers
   * among the good ones), applied to a threshold summed file by file: a rejected acquisition is read again and
   * taken out of `counts` (which the caller owns), as the batch analysis does.
   */
  async rejectImplausibleTotals(sums: { counts: Float64Array; outcomes: AcquisitionOutcome[] }, cut: BadAcquisitionCut): Promise<void> {
    if (!cut.cutBad) return;
    const good = sums.outcomes.filter(o => o.status === 'good');
    const verdicts = countVerdicts(good.map(o => o.hits), cut.outlierSigma ?? DEFAULT_OUTLIER_SIGMA);
    for (const [k, outcome] of good.entries()) {
      const reason = verdicts[k];
      if (!reason) continue;
      const again = await this.read(outcome.file, outcome.acquisition);
      if (again.outcome.hits !== outcome.hits) throw new Error(`${outcome.file} changed since it was counted: watch again`);
      for (let p = 0; p < sums.counts.length; p++) sums.counts[p] -= again.counts[p];
      sums.outcomes[sums.outcomes.indexOf(outcome)] = { ...outcome, status: 'bad', reason };
    }
  }

  /** Parses and judges `file`; calls are served one after the other. */
  read(file: string, acquisition: number): Promise<ReadAcquisition> {
    const task: ThresholdTask = { thresholdIndex: 0, files: [{ path: file, acquisition }] };
    const next = this.queue.then(() => this.run(task)).then(fromSums);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private run(task: ThresholdTask): Promise<ThresholdSums> {
    if (this.inline) return Promise.resolve(this.inline.run(task));
    const worker = this.worker!;
    return new Promise((resolve, reject) => {
      const onMessage = (result: ThresholdSums) => { worker.off('error', onError); resolve(result); };
      const onError = (e: Error) => { worker.off('message', onMessage); reject(e); };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(task);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

function fromSums(sums: ThresholdSums): ReadAcquisition {
  const counts = sums.counts instanceof Float64Array ? sums.counts : Float64Array.from(sums.counts as ArrayLike<number>);
  return { outcome: sums.outcomes[0], counts };
}
