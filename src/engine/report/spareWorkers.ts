// Worker threads started ahead of their job: they load their code (and h5wasm) while the scan is listed and read,
// instead of after the fits. At most a few wait per script, unref'd: a waiting one never keeps the process alive.
import { Worker } from 'worker_threads';

const spares = new Map<string, Worker[]>();

/** Starts workers of `script` until `count` wait for a job. */
export function prestartWorkers(script: string, count: number): void {
  const waiting = spares.get(script) ?? [];
  spares.set(script, waiting);
  while (waiting.length < count) {
    const worker = new Worker(script);
    worker.unref();
    // one that fails or exits while waiting is not handed out; a taken one reports to its job's listeners
    const forget = () => { const i = waiting.indexOf(worker); if (i >= 0) waiting.splice(i, 1); };
    worker.on('error', forget);
    worker.once('exit', forget);
    waiting.push(worker);
  }
}

/** A waiting worker of `script`, or a new one; its job is its first message. */
export function takeWorker(script: string): Worker {
  const worker = spares.get(script)?.shift() ?? new Worker(script);
  worker.ref();
  return worker;
}
