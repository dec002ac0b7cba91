// Worker-thread entry: builds one scan's results.h5 while the main thread analyses the fits and writes its CSV
// outputs (see report/resultsH5.ts startResultsH5): at once, or when the extra quantities come (a message), h5wasm
// loaded meanwhile; answers null when the file is written, or the error's text.
import { parentPort, workerData } from 'worker_threads';
import { MAP_FILES } from './fitOutputs';
import type { PixelQuantity } from './gain/gainAnalysis';
import { loadH5wasm, ResultsH5Job, writeResultsH5 } from './report/resultsH5';

const { file, input, extraExpected } = workerData as ResultsH5Job;
loadH5wasm().catch(() => undefined); // reported by writeResultsH5
const write = (extra: PixelQuantity[]) => writeResultsH5(file, { ...input, extra }, MAP_FILES).then(
  () => parentPort!.postMessage(null),
  (e: unknown) => parentPort!.postMessage(e instanceof Error ? e.message : String(e)));
if (extraExpected) parentPort!.once('message', write);
else void write(input.extra);
