// Generator part for the gain: a noise baseline per pixel and edges μ = baseline + p·n_eh/K_true, with K_true spread
// around a typical VeloPix gain, and the truth in gain.csv of the scan's truth folder. The generated μ structure (double columns, rows,
// pixel spread) becomes the baselines' equalisation residual: baseline = μ_generated − p·n_eh/K_mean, so that
// var(μ) = var(baseline) + var(target) as on an equalised ASIC, and a gain spread of 0 leaves μ as generated.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../atomicFiles';
import { formatNumber, matrixToCsv } from '../csvFormat';
import { Random } from '../random';
import { MU, N_PARAMS } from '../scurveModel';
import { DEFAULT_GAIN_SETTINGS } from './gainAnalysis';

export interface GenerateBaselineOptions {
  /** Mean gain (e⁻/DAC), default 13.5. */
  gain?: number;
  /** Relative rms of K_true across pixels, default 0.05; 0 gives every pixel the same target. */
  gainSpread?: number;
  /** Baseline noise (DAC): the written baseline is the true one plus a Gaussian of this rms, and a width file
   *  with this value is written. Default 0: exact baselines, no width file. */
  width?: number;
  /** Whole-DAC baselines (rounded before μ = baseline + p·target is set). Default false. */
  integral?: boolean;
  /** Fraction of pixels whose baseline cell is `nan` (no baseline), default 0.001. */
  missingFraction?: number;
}

export interface BaselineTruth {
  gain: number; gainSpread: number; width: number; integral: boolean;
  lineEv: number; pairEv: number; nEh: number;
  baselineFile: string; widthFile: string | null;
}

/**
 * Draws K_true and the baselines from `theta` (per-pixel parameters, N_PARAMS each; μ is set to baseline + p·target),
 * writes the baseline (and width) matrix beside the scan (in `dir`) and gain.csv in the scan's `truthDir` (two scans
 * generated into one folder keep their own truth). Its own random stream: the scan's acquisitions differ from the
 * scan without a baseline only through the moved edges.
 */
export function generateBaseline(dir: string, truthDir: string, stem: string, theta: Float64Array, cols: number, polarity: 1 | -1,
  seed: number, options: GenerateBaselineOptions): { truth: BaselineTruth; write: () => void } {
  const n = theta.length / N_PARAMS;
  const rng = new Random(seed * 7919 + 104729);
  const { lineEv, pairEv } = DEFAULT_GAIN_SETTINGS;
  const nEh = lineEv / pairEv, k0 = options.gain ?? 13.5, spread = options.gainSpread ?? 0.05;
  const width = options.width ?? 0, integral = options.integral ?? false, missing = options.missingFraction ?? 0.001;
  const k = new Float64Array(n), target = new Float64Array(n), baseline = new Float64Array(n), written = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    k[p] = k0 * (1 + spread * rng.gaussian());
    target[p] = nEh / k[p];
    const b = theta[p * N_PARAMS + MU] - polarity * nEh / k0;
    baseline[p] = integral ? Math.round(b) : b;
    theta[p * N_PARAMS + MU] = baseline[p] + polarity * target[p];
    const noisy = baseline[p] + (width > 0 ? width * rng.gaussian() : 0);
    written[p] = rng.uniform() < missing ? NaN : integral ? Math.round(noisy) : Number(noisy.toFixed(4));
  }
  const baselineFile = `${stem}_TrimBest_Noise_Predict.csv`, widthFile = width > 0 ? `${stem}_TrimBest_Noise_Width.csv` : null;
  const truth: BaselineTruth = { gain: k0, gainSpread: spread, width, integral, lineEv, pairEv, nEh, baselineFile, widthFile };
  const write = () => {
    writeFileAtomic(path.join(dir, baselineFile), matrixToCsv(written, n / cols, cols));
    if (widthFile) writeFileAtomic(path.join(dir, widthFile), matrixToCsv(new Float64Array(n).fill(width), n / cols, cols));
    const lines = ['row,col,k,target,baseline,baseline_file'];
    for (let p = 0; p < n; p++) {
      lines.push([Math.floor(p / cols), p % cols, k[p], target[p], baseline[p], written[p]].map(formatNumber).join(','));
    }
    writeFileAtomic(path.join(truthDir, 'gain.csv'), lines.join('\n') + '\n');
  };
  return { truth, write };
}

export interface TruthGainPixel { row: number; col: number; k: number; target: number; baseline: number; baselineFile: number }

/** The gain truth of the scan generated into `dir` (its truth folder: `<dir>/truth` unless generated with truthDir). */
export function readTruthGain(dir: string, truthDir = path.join(dir, 'truth')): TruthGainPixel[] {
  return fs.readFileSync(path.join(truthDir, 'gain.csv'), 'utf8').trim().split('\n').slice(1).map(line => {
    const f = line.split(',').map(v => (v === 'nan' ? NaN : Number(v)));
    return { row: f[0], col: f[1], k: f[2], target: f[3], baseline: f[4], baselineFile: f[5] };
  });
}
