// The pixel fits' worker threads, kept for the life of the process (or of the thread that fits): started when an
// analysis begins (they load while the flux is read) and serving every scan's fits after that, several scans at once
// sharing the same threads. A fresh pool per scan paid thread start-up and the JIT's unoptimised first fits (about a
// third of a second of fitting) every time: in a module of twelve ASICs, a campaign, or a live watch's refits.
import { Worker } from 'worker_threads';
import type { PixelFitJob, PixelRange } from './scanFits';
import { workerScript } from './workerPool';

/** Main thread → fit worker. */
export type FitWorkerRequest =
  | { type: 'job'; id: number; job: PixelFitJob }
  | { type: 'range'; id: number; range: PixelRange }
  | { type: 'drop'; id: number };

/** Fit worker → main thread: one range fitted (profile-limit milliseconds). */
export type FitWorkerReply = { type: 'range'; id: number; profileMs: number };

interface Run {
  id: number;
  job: PixelFitJob;
  pending: number;
  onResult: (profileMs: number, range: PixelRange) => void;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface PoolThread {
  worker: Worker;
  task?: { run: Run; range: PixelRange };
  jobs: Set<number>;
}

export class FitWorkerPool {
  private readonly threads: PoolThread[] = [];
  private readonly queue: { run: Run; range: PixelRange }[] = [];
  private readonly runs = new Map<number, Run>();
  private nextId = 1;
  private failure?: Error;
  /** close() has begun: threads exiting now are expected. */
  private closed = false;
  /** closeWhenIdle(): close once the last run on the pool has ended. */
  private closing = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.threads.push(this.startThread());
  }

  private startThread(): PoolThread {
    const worker = new Worker(workerScript('fitWorker'));
    const thread: PoolThread = { worker, jobs: new Set() };
    worker.on('message', (reply: FitWorkerReply) => {
      const task = thread.task!;
      thread.task = undefined;
      this.finishTask(task.run, task.range, reply.profileMs);
      this.dispatch();
    });
    worker.on('error', e => this.fail(e));
    worker.on('exit', code => { if (!this.closed) this.fail(new Error(`fit worker exited with code ${code}`)); });
    // an idle pool does not keep the process alive; ref'd while it works (dispatch). After the listeners: adding a
    // 'message' listener refs the worker again.
    worker.unref();
    return thread;
  }

  /** Fits every range of `job`; onResult in completion order; resolves when all are done. */
  run(job: PixelFitJob, ranges: PixelRange[], signal: AbortSignal | undefined,
    onResult: (profileMs: number, range: PixelRange) => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (ranges.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const run: Run = { id: this.nextId++, job, pending: ranges.length, onResult, resolve, reject };
      const onAbort = () => this.endRun(run, new Error('cancelled'));
      if (signal?.aborted) return reject(new Error('cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      run.resolve = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
      run.reject = e => { signal?.removeEventListener('abort', onAbort); reject(e); };
      this.runs.set(run.id, run);
      for (const range of ranges) this.queue.push({ run, range });
      this.dispatch();
    });
  }

  private finishTask(run: Run, range: PixelRange, profileMs: number): void {
    if (!this.runs.has(run.id)) return; // cancelled or failed meanwhile
    try {
      run.onResult(profileMs, range);
    } catch (e) {
      this.endRun(run, e as Error);
      return;
    }
    if (--run.pending === 0) this.endRun(run);
  }

  /** Ends a run (done, or failed with `error`): its queued ranges go, its job is dropped from the threads. */
  private endRun(run: Run, error?: Error): void {
    if (!this.runs.delete(run.id)) return;
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].run === run) this.queue.splice(i, 1);
    for (const thread of this.threads) {
      if (thread.jobs.delete(run.id)) thread.worker.postMessage({ type: 'drop', id: run.id } satisfies FitWorkerRequest);
    }
    if (error) run.reject(error); else run.resolve();
    this.dispatch();
    if (this.closing && this.runs.size === 0) void this.close();
  }

  /** Closes the pool once the runs on it have ended (now when there are none). */
  closeWhenIdle(): void {
    this.closing = true;
    if (this.runs.size === 0) void this.close();
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      if (thread.task) continue;
      const task = this.queue.shift();
      if (!task) break;
      if (!thread.jobs.has(task.run.id)) {
        thread.jobs.add(task.run.id);
        thread.worker.postMessage({ type: 'job', id: task.run.id, job: task.run.job } satisfies FitWorkerRequest);
      }
      thread.task = task;
      thread.worker.postMessage({ type: 'range', id: task.run.id, range: task.range } satisfies FitWorkerRequest);
    }
    for (const thread of this.threads) if (thread.task) thread.worker.ref(); else thread.worker.unref();
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const run of [...this.runs.values()]) this.endRun(run, e);
    if (sharedPool === this) sharedPool = undefined;
    void this.close();
  }

  /** Stops the threads; runs still on the pool fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const run of [...this.runs.values()]) this.endRun(run, new Error('the fit pool was closed'));
    await Promise.all(this.threads.map(t => t.worker.terminate()));
  }
}

let sharedPool: FitWorkerPool | undefined;

/**
 * This thread's fit pool of `workers` threads, started on first use. Call it early, when an
 * analysis begins, so that the threads are ready when the fits start.
 */
export function fitWorkerPool(workers: number): FitWorkerPool {
  if (sharedPool && sharedPool.size !== workers) {
    sharedPool.closeWhenIdle();
    sharedPool = undefined;
  }
  sharedPool ??= new FitWorkerPool(workers);
  return sharedPool;
}
