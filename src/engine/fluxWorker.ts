// Worker-thread entry: sums the acquisitions of the thresholds it is sent.
import { parentPort, workerData } from 'worker_threads';
import { AccumulatorConfig, ThresholdAccumulator, ThresholdTask } from './thresholdAccumulator';

const accumulator = new ThresholdAccumulator(workerData as AccumulatorConfig);
parentPort!.on('message', (task: ThresholdTask) => {
  const result = accumulator.run(task);
  parentPort!.postMessage(result, [result.counts.buffer as ArrayBuffer]);
});
