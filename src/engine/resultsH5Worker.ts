// Worker-thread entry: builds one scan's results.h5 while the main thread analyses the fits and writes its CSV
// outputs (see report/resultsH5.ts startResultsH5). Loads h5wasm as soon as it starts (it may be started ahead of
// its scan), then takes the job (a message) and writes the file at once or when the extra quantities come (a second
// message); answers null when the file is written, or the error's text.
import { parentPort } from 'worker_threads';
import type { PixelQuantity } from './gain/gainAnalysis';
import { loadH5wasm, ResultsH5Job, writeResultsH5 } from './report/resultsH5';

loadH5wasm().catch(() => undefined); // reported by writeResultsH5
parentPort!.once('message', ({ file, input, extraExpected }: ResultsH5Job) => {
  const write = (extra: PixelQuantity[]) => writeResultsH5(file, { ...input, extra }).then(
    () => parentPort!.postMessage(null),
    (e: unknown) => parentPort!.postMessage(e instanceof Error ? e.message : String(e)));
  if (extraExpected) parentPort!.once('message', write);
  else void write(input.extra);
});
