// Worker-thread entry: fits the pixel ranges it is sent, writing into the shared result array.
import { parentPort, workerData } from 'worker_threads';
import { PoissonCurveFitter } from './poissonFit';
import { fitPixelRange, PixelFitJob, PixelRange } from './scanFits';

const job = workerData as PixelFitJob;
const fitter = new PoissonCurveFitter(job.thresholds.length);
parentPort!.on('message', (range: PixelRange) => {
  parentPort!.postMessage(fitPixelRange(job, range, fitter));
});
