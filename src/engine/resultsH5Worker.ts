// Worker-thread entry: builds one scan's results.h5 while the main thread writes its CSV outputs (see
// report/resultsH5.ts stageResultsH5); answers null when the file is written, or the error's text.
import { parentPort, workerData } from 'worker_threads';
import { MAP_FILES } from './fitOutputs';
import { ResultsH5Input, writeResultsH5 } from './report/resultsH5';

const { file, input } = workerData as { file: string; input: ResultsH5Input };
writeResultsH5(file, input, MAP_FILES).then(
  () => parentPort!.postMessage(null),
  (e: unknown) => parentPort!.postMessage(e instanceof Error ? e.message : String(e)));
