// A small pool of worker threads fed one task at a time (dynamic scheduling keeps every core busy
// even when tasks differ in size). The worker script sits next to this module: `dist/` in the bundle,
// `out/src/engine/` in the compiled tests.
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';

/** Workers when none are asked for (`--workers` absent, the setting empty): one per core. `0` means none. */
export function defaultWorkerCount(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

export function workerScript(name: string): string {
  return path.join(__dirname, `${name}.js`);
}

export interface PoolOptions {
  workers: number;
  signal?: AbortSignal;
}

/** Runs every task through `script` workers; calls onResult in completion order; resolves when all are done. */
export async function runInWorkers<Task, Result>(
  script: string, workerData: unknown, tasks: Task[], options: PoolOptions,
  onResult: (result: Result, task: Task) => void,
): Promise<void> {
  const nWorkers = Math.max(1, Math.min(options.workers, tasks.length));
  if (tasks.length === 0) return;
  const workers: Worker[] = [];
  const taskOf = new Map<Worker, Task>();
  let next = 0, done = 0;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onAbort = () => reject(new Error('cancelled'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) return onAbort();
      const feed = (worker: Worker) => {
        if (next >= tasks.length) return;
        const index = next++;
        taskOf.set(worker, tasks[index]);
        worker.postMessage(tasks[index]);
      };
      for (let w = 0; w < nWorkers; w++) {
        const worker = new Worker(script, { workerData });
        workers.push(worker);
        worker.on('message', (result: Result) => {
          try {
            onResult(result, taskOf.get(worker)!);
          } catch (e) {
            reject(e);
            return;
          }
          done++;
          if (done === tasks.length) resolve(); else feed(worker);
        });
        worker.on('error', reject);
        worker.on('exit', code => { if (done < tasks.length) reject(new Error(`worker exited with code ${code}`)); });
        feed(worker);
      }
    });
  } finally {
    // one signal serves every pool of a many-scan run: leave no listener behind
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map(w => w.terminate()));
  }
}
