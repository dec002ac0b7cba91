// Worker thread of the live watch (dist/livePublishWorker.js): publishes the snapshots the watch hands it, one at a
// time, and sends their events back; an `abort` stops the one being published.
import { parentPort } from 'worker_threads';
import { FromWorker, publishSnapshot, SnapshotJob } from './livePublisher';
import { lowerThisThreadPriority } from './threadPriority';

// below the watch's reading (threadPriority.ts): this thread and every thread it starts (fit pool, tables, results.h5)
lowerThisThreadPriority();

let controller = new AbortController();
const post = (m: FromWorker) => parentPort!.postMessage(m);

parentPort!.on('message', (m: { type: 'publish'; job: SnapshotJob } | { type: 'abort' }) => {
  if (m.type === 'abort') { controller.abort(); return; }
  if (controller.signal.aborted) controller = new AbortController();
  publishSnapshot(m.job, event => post({ type: 'event', event }), controller.signal).then(
    result => post({ type: 'done', result }),
    (e: Error) => post({ type: 'failed', message: e.message }));
});
