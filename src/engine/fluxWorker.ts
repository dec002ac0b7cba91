// Worker-thread entry: sums the acquisitions of the thresholds it is sent (and writes their pixel flux files).
import { parentPort, workerData } from 'worker_threads';
import { FluxTask, sumThreshold } from './flux';
import { AccumulatorConfig, ThresholdAccumulator } from './thresholdAccumulator';

const config = workerData as AccumulatorConfig;
const accumulator = new ThresholdAccumulator(config);
parentPort!.on('message', (task: FluxTask) => {
  const result = sumThreshold(accumulator, config, task);
  parentPort!.postMessage(result); // the counts are on shared memory
});
