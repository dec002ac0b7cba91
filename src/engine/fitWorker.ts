// Worker-thread entry of the fit pool (fitPool.ts): keeps the jobs it is sent and fits the pixel ranges it is asked
// for, writing into each job's shared result array.
import { parentPort } from 'worker_threads';
import type { FitWorkerReply, FitWorkerRequest } from './fitPool';
import { PoissonCurveFitter } from './poissonFit';
import { fitPixelRange, PIXEL_BATCH, PixelFitJob } from './scanFits';

const jobs = new Map<number, { job: PixelFitJob; fitter: PoissonCurveFitter }>();

parentPort!.on('message', (request: FitWorkerRequest) => {
  switch (request.type) {
    case 'job':
      jobs.set(request.id, { job: request.job, fitter: new PoissonCurveFitter(request.job.thresholds.length, PIXEL_BATCH) });
      break;
    case 'drop':
      jobs.delete(request.id);
      break;
    case 'range': {
      const { job, fitter } = jobs.get(request.id)!;
      const profileMs = fitPixelRange(job, request.range, fitter);
      parentPort!.postMessage({ type: 'range', id: request.id, profileMs } satisfies FitWorkerReply);
      break;
    }
  }
});
