// Synthetic Fe-55 threshold scan with a known truth: the test data, demo scan and benchmark input.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from './atomicFiles';
import { formatNumber } from './csvFormat';
import { Random } from './random';
import { AMPLITUDE, BACKGROUND, makeModel, ModelName, MU, N_PARAMS, SIGMA, SLOPE } from './scurveModel';
import { BaselineTruth, generateBaseline, GenerateBaselineOptions } from './gain/generateBaseline';

export interface GenerateOptions {
  dir: string;
  thresholds: number[];
  nacq: number;
  seed: number;
  rows?: number;
  cols?: number;
  prefix?: string;
  shutterSeconds?: number;
  polarity?: 1 | -1;
  /** Fraction of acquisitions with noisy last columns (default 0.03). */
  badFraction?: number;
  /** Index of the threshold whose acquisitions are all bad (default: a third into the scan; -1 for none). */
  allBadThresholdIndex?: number;
  /** Mix integer, numpy-float, CRLF, BOM and no-final-newline files (default true). */
  formatVariants?: boolean;
  /** Peak plateau flux in Hz (default 1.0). */
  peakFlux?: number;
  /** Folder of truth.json and pixels.csv (default `<dir>/truth`; several scans in one folder need one each). */
  truthDir?: string;
  /** Changes the drawn per-pixel truth before any acquisition is written (threshold shifts, gain changes,
   *  broken regions for comparisons); the random stream of the rest of the scan is unchanged. */
  adjustTruth?: (truth: PixelTruthArrays) => void;
  /** Seed of the counting noise and bad acquisitions, drawn after the truth (default: continue the truth's
   *  stream). Two scans with one `seed` and different `noiseSeed`s share their truth but not their noise. */
  noiseSeed?: number;
  /** The S-curve model every pixel follows, in the fit's parameterisation (default `scurve`). */
  model?: ModelName;
  /** Pixel-to-pixel spread of μ and σ (default true); false: every pixel has the same edge, so the ASIC curve
   *  is exactly one curve of the model. */
  dispersion?: boolean;
  /** Also write a noise-baseline matrix consistent with the edges, and truth/gain.csv (see gain/generateBaseline.ts). */
  baseline?: GenerateBaselineOptions;
  /** Faults for tests, each drawn on the side so every other file stays exactly as without them. */
  faults?: AcquisitionFaults;
  onProgress?: (done: number, total: number) => void;
}

export interface AcquisitionFaults {
  /** (threshold, acquisition) pairs written all zero: a read-out dropout. */
  empty?: Array<[number, number]>;
  /** (threshold, acquisition, factor ≥ 1): every pixel counts at factor × its rate (an over-counting acquisition). */
  overCounting?: Array<[number, number, number]>;
}

export type PixelKind = 'good' | 'dead' | 'hot';

/** The per-pixel truth as drawn: θ (N_PARAMS per pixel, scurveModel order), kind and mask, row-major. */
export interface PixelTruthArrays { rows: number; cols: number; theta: Float64Array; kind: PixelKind[]; mask: Uint8Array }

export interface GeneratedTruth {
  prefix: string;
  shutterText: string;
  shutterSeconds: number;
  polarity: 1 | -1;
  rows: number;
  cols: number;
  thresholds: number[];
  nacq: number;
  seed: number;
  maskFile: string;
  badAcquisitions: Array<[number, number]>;
  allBadThreshold: number | null;
  /** Present only when faults were asked for. */
  faults?: AcquisitionFaults;
  params: { mu0: number; muSpread: number; sigma0: number; peakFlux: number; slopeFraction: number; background: number };
  source: { row: number; col: number; height: number };
  /** Present when not the default `scurve`. */
  model?: ModelName;
  /** Present (false) when generated without dispersion. */
  dispersion?: boolean;
  /** With the `baseline` option. */
  gain?: BaselineTruth;
}

export function shutterText(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const s = Math.floor(ms / 1000), rest = ms % 1000;
  if (s === 0) return `${rest}ms`;
  return rest === 0 ? `${s}s` : `${s}s${rest}ms`;
}

export function parseThresholdRange(text: string): number[] {
  const m = /^(\d+):(\d+):(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--thresholds "${text}": expected FROM:TO:STEP, e.g. 1320:1600:5`);
  const [from, to, step] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (step <= 0 || to < from) throw new Error(`--thresholds "${text}": expected FROM ≤ TO and STEP > 0`);
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
}

export function maskFileName(prefix: string): string {
  const parts = prefix.split('_').filter(Boolean);
  return `${parts.slice(0, 2).join('_') || 'ASIC'}_Matrix_Mask.csv`;
}

const BAD_COLUMN_FLUX = 25; // Hz per pixel in the noisy last columns of a bad acquisition
const NOISY_COLUMNS = 16;

/** Writes the scan, its mask, and `truth/` (truth.json + pixels.csv). Returns the truth. */
export function generateScan(options: GenerateOptions): GeneratedTruth {
  const rows = options.rows ?? 256, cols = options.cols ?? 256;
  const prefix = options.prefix ?? 'Module0_VP0-1_ECS_data_ST_';
  const shutterSeconds = options.shutterSeconds ?? 1.31;
  const st = shutterText(shutterSeconds);
  const polarity = options.polarity ?? 1;
  const thresholds = options.thresholds;
  const rng = new Random(options.seed);
  const n = rows * cols;
  fs.mkdirSync(options.dir, { recursive: true });
  const truthDir = options.truthDir ?? path.join(options.dir, 'truth');
  fs.mkdirSync(truthDir, { recursive: true });

  // Per-pixel truth: μ with double-column and row structure, σ, illumination from a point source.
  const tMin = thresholds[0], tMax = thresholds[thresholds.length - 1];
  const mu0 = tMin + 0.45 * (tMax - tMin);
  const range = tMax - tMin;
  const muSpread = range * 0.015, sigma0 = Math.max(range * 0.035, 2);
  const peakFlux = options.peakFlux ?? 1.0, slopeFraction = 0.0015, background = 0.002;
  const source = { row: rows * 0.4, col: cols * 0.55, height: Math.max(rows, cols) * 0.9 };
  const doubleColumnOffset = Array.from({ length: Math.ceil(cols / 2) }, () => rng.gaussian() * muSpread * 0.5);
  const theta = new Float64Array(n * N_PARAMS);
  const kind: PixelKind[] = new Array(n).fill('good');
  const mask = new Uint8Array(n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const p = r * cols + c, o = p * N_PARAMS;
      const rowOffset = muSpread * (0.4 * ((r % 16) < 8 ? 1 : -1) + 0.5 * (r / rows - 0.5));
      // the same random draws with and without dispersion: everything else in the scan stays identical
      theta[o + MU] = mu0 + doubleColumnOffset[c >> 1] + rowOffset + rng.gaussian() * muSpread;
      theta[o + SIGMA] = Math.max(sigma0 * (1 + 0.08 * rng.gaussian()), 1);
      if (options.dispersion === false) { theta[o + MU] = mu0; theta[o + SIGMA] = sigma0; }
      const d2 = (r - source.row) ** 2 + (c - source.col) ** 2, h2 = source.height ** 2;
      const amplitude = peakFlux * Math.pow(h2 / (h2 + d2), 1.5);
      theta[o + AMPLITUDE] = amplitude;
      theta[o + SLOPE] = -polarity * slopeFraction * amplitude;
      theta[o + BACKGROUND] = background;
      const u = rng.uniform();
      if (u < 0.002) kind[p] = 'dead';
      else if (u < 0.003) { kind[p] = 'hot'; mask[p] = 1; }
      else if (u < 0.0035) mask[p] = 1; // masked for other reasons (e.g. failed equalisation)
    }
  }

  const baseline = options.baseline &&
    generateBaseline(options.dir, truthDir, maskFileName(prefix).replace(/_Matrix_Mask\.csv$/, ''), theta, cols, polarity, options.seed, options.baseline);

  options.adjustTruth?.({ rows, cols, theta, kind, mask });

  const noise = options.noiseSeed === undefined ? rng : new Random(options.noiseSeed);
  // Bad acquisitions: badFraction at random, plus one threshold where every acquisition is bad.
  const allBadIndex = options.allBadThresholdIndex ?? Math.floor(thresholds.length / 3);
  const badFraction = options.badFraction ?? 0.03;
  const isBad = (ti: number, acq: number, u: number) => ti === allBadIndex || u < badFraction;
  const badAcquisitions: Array<[number, number]> = [];
  const model = makeModel(options.model ?? 'scurve', polarity);
  const lambda = new Float64Array(n);
  const variants = options.formatVariants ?? true;
  let out: Uint8Array = new Uint8Array(n * 8 + 1024);
  const total = thresholds.length * options.nacq;
  let done = 0;
  const faultKey = (t: number, acq: number) => `${t}:${acq}`;
  const emptyFaults = new Set((options.faults?.empty ?? []).map(([t, a]) => faultKey(t, a)));
  const overCounting = new Map((options.faults?.overCounting ?? []).map(([t, a, f]) => [faultKey(t, a), f]));
  const faultRng = new Random(options.seed + 7919); // the extra counts: the main sequence stays untouched
  for (let ti = 0; ti < thresholds.length; ti++) {
    const t = thresholds[ti];
    for (let p = 0; p < n; p++) {
      if (kind[p] === 'dead') { lambda[p] = 0; continue; }
      const rate = kind[p] === 'hot' ? 60 : model.evaluate(t, theta.subarray(p * N_PARAMS, p * N_PARAMS + N_PARAMS));
      lambda[p] = Math.max(rate, 0) * shutterSeconds;
    }
    for (let acq = 0; acq < options.nacq; acq++) {
      const bad = isBad(ti, acq, noise.uniform());
      if (bad) badAcquisitions.push([t, acq]);
      const variant = variants ? noise.uniform() : 1;
      const asFloat = variant < 0.08, crlf = variant >= 0.08 && variant < 0.16, bom = variant >= 0.16 && variant < 0.2;
      const finalNewline = !(variant >= 0.2 && variant < 0.24);
      if (asFloat) out = ensure(out, n * 26 + 1024);
      const empty = emptyFaults.has(faultKey(t, acq)), extra = (overCounting.get(faultKey(t, acq)) ?? 1) - 1;
      let k = 0;
      if (bom) { out[k++] = 0xef; out[k++] = 0xbb; out[k++] = 0xbf; }
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const p = r * cols + c;
          let mean = lambda[p];
          if (bad && c >= cols - NOISY_COLUMNS) mean += BAD_COLUMN_FLUX * shutterSeconds;
          let count = noise.poisson(mean);
          if (extra > 0) count += faultRng.poisson(mean * extra);
          if (empty) count = 0;
          if (c > 0) out[k++] = 44;
          k = asFloat ? writeNumpyFloat(out, k, count) : writeInt(out, k, count);
        }
        if (r < rows - 1 || finalNewline) {
          if (crlf) out[k++] = 13;
          out[k++] = 10;
        }
      }
      writeFileAtomic(path.join(options.dir, `${prefix}${st}_THR_${t}_${acq}.csv`), out.subarray(0, k));
      options.onProgress?.(++done, total);
    }
  }

  const maskFile = maskFileName(prefix);
  writeFileAtomic(path.join(options.dir, maskFile), matrixText(mask, rows, cols));
  const truth: GeneratedTruth = {
    prefix, shutterText: st, shutterSeconds, polarity, rows, cols, thresholds, nacq: options.nacq, seed: options.seed,
    maskFile, badAcquisitions, allBadThreshold: allBadIndex >= 0 && allBadIndex < thresholds.length ? thresholds[allBadIndex] : null,
    ...(options.faults ? { faults: options.faults } : {}),
    params: { mu0, muSpread, sigma0, peakFlux, slopeFraction, background }, source,
    ...(options.model && options.model !== 'scurve' ? { model: options.model } : {}),
    ...(options.dispersion === false ? { dispersion: false } : {}),
    ...(baseline ? { gain: baseline.truth } : {}),
  };
  baseline?.write();
  writeFileAtomic(path.join(truthDir, 'truth.json'), JSON.stringify(truth, null, 1) + '\n');
  const lines = ['row,col,kind,masked,mu,sigma,amplitude,slope,background'];
  for (let p = 0; p < n; p++) {
    const o = p * N_PARAMS;
    lines.push([Math.floor(p / cols), p % cols, kind[p], mask[p],
      ...Array.from(theta.subarray(o, o + N_PARAMS), formatNumber)].join(','));
  }
  writeFileAtomic(path.join(truthDir, 'pixels.csv'), lines.join('\n') + '\n');
  return truth;
}

export interface TruthPixel {
  row: number; col: number; kind: PixelKind; masked: boolean;
  mu: number; sigma: number; amplitude: number; slope: number; background: number;
}

export function readTruthPixels(dir: string, truthDir = path.join(dir, 'truth')): TruthPixel[] {
  const text = fs.readFileSync(path.join(truthDir, 'pixels.csv'), 'utf8').trim().split('\n');
  return text.slice(1).map(line => {
    const f = line.split(',');
    return {
      row: Number(f[0]), col: Number(f[1]), kind: f[2] as PixelKind, masked: f[3] === '1',
      mu: Number(f[4]), sigma: Number(f[5]), amplitude: Number(f[6]), slope: Number(f[7]), background: Number(f[8]),
    };
  });
}

function matrixText(values: Uint8Array, rows: number, cols: number): string {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) lines.push(Array.from(values.subarray(r * cols, (r + 1) * cols)).join(','));
  return lines.join('\n') + '\n';
}

function ensure(buf: Uint8Array, size: number): Uint8Array {
  return buf.length >= size ? buf : new Uint8Array(size);
}

function writeInt(out: Uint8Array, k: number, v: number): number {
  if (v < 10) { out[k] = 48 + v; return k + 1; }
  const s = String(v);
  for (let i = 0; i < s.length; i++) out[k++] = s.charCodeAt(i);
  return k;
}

/** numpy's default savetxt text, e.g. 3 → `3.000000000000000000e+00`. */
function writeNumpyFloat(out: Uint8Array, k: number, v: number): number {
  const s = v.toExponential(18).replace(/e([+-])(\d)$/, 'e$10$2');
  for (let i = 0; i < s.length; i++) out[k++] = s.charCodeAt(i);
  return k;
}
