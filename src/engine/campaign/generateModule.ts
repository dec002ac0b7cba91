// Synthetic campaign data: a VELO module's twelve ASIC scans in one folder (each with its own mask, one with
// inverted polarity, one broken), and known per-scan changes (threshold shift, gain change) for comparisons.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../atomicFiles';
import { generateScan, GeneratedTruth, maskFileName, PixelTruthArrays } from '../generate';
import { MU, N_PARAMS, SIGMA } from '../scurveModel';

/** The ASICs of a module as they sit on it: VP0-0 … VP3-2 (four rows of three). */
export const MODULE_ASICS = [0, 1, 2, 3].flatMap(i => [0, 1, 2].map(j => `VP${i}-${j}`));

/** Electron–hole pairs of the Fe-55 Mn Kα line in silicon (5895 eV / 3.62 eV) and a typical gain (e⁻/DAC):
 *  their ratio is the line's distance from the noise baseline in DAC, which a gain change rescales. */
export const LINE_PAIRS = 5895 / 3.62;
export const NOMINAL_GAIN = 13.5;

export interface ScanChange {
  /** DAC added to every pixel's μ (a uniform threshold shift, e.g. warm → cold). */
  thresholdShift?: number;
  /** Pixels of these double columns get their gain K multiplied by `factor`: their distance from the noise
   *  baseline (n_eh/K) and their edge width σ (noise in e⁻ over K) both scale by 1/factor. */
  gainChange?: { factor: number; doubleColumns: number[] };
}

/** An adjustTruth hook applying `change`; the altered pixels (row-major indices) are pushed to `altered`. */
export function applyScanChange(change: ScanChange, altered: number[] = []): (t: PixelTruthArrays) => void {
  return ({ rows, cols, theta }) => {
    const shift = change.thresholdShift ?? 0;
    const gain = change.gainChange;
    const target = LINE_PAIRS / NOMINAL_GAIN;
    for (let p = 0; p < rows * cols; p++) {
      const o = p * N_PARAMS;
      theta[o + MU] += shift;
      if (gain && gain.doubleColumns.includes((p % cols) >> 1)) {
        theta[o + MU] -= target * (1 - 1 / gain.factor);
        theta[o + SIGMA] /= gain.factor;
        altered.push(p);
      }
    }
  };
}

export interface ModuleOptions {
  dir: string;
  module?: string;
  thresholds: number[];
  nacq: number;
  seed: number;
  size?: number;
  shutterSeconds?: number;
  /** ASIC scanned with inverted polarity (default VP1-2). */
  invertedAsic?: string;
  /** ASIC with a dead half and unreadable acquisition files (default VP2-1). */
  brokenAsic?: string;
  change?: ScanChange;
  /** Seed of the counting noise (scan i uses noiseSeed + i): two modules with one `seed` and different noise
   *  seeds share their truth but not their noise. Default: the noise continues the truth's random stream. */
  noiseSeed?: number;
  formatVariants?: boolean;
}

export interface ModuleScanTruth {
  asic: string;
  scanId: string;
  maskFile: string;
  truthDir: string;
  polarity: 1 | -1;
  broken: boolean;
  /** Files written unreadable on purpose (broken ASIC). */
  brokenFiles: string[];
  alteredPixels: number[];
  truth: GeneratedTruth;
}

export function asicScanPrefix(module: string, asic: string): string {
  return `${module}_${asic}_ECS_data_ST_`;
}

/** Writes the twelve ASIC scans into `dir` (truth under `dir/truth/<ASIC>/`, an index in `truth/module.json`). */
export function generateModule(options: ModuleOptions): ModuleScanTruth[] {
  const module = options.module ?? 'Module0';
  const inverted = options.invertedAsic ?? 'VP1-2', broken = options.brokenAsic ?? 'VP2-1';
  const size = options.size ?? 256;
  const out: ModuleScanTruth[] = [];
  MODULE_ASICS.forEach((asic, index) => {
    const prefix = asicScanPrefix(module, asic);
    const truthDir = path.join(options.dir, 'truth', asic);
    const altered: number[] = [];
    const change = applyScanChange(options.change ?? {}, altered);
    const isBroken = asic === broken;
    const truth = generateScan({
      dir: options.dir, truthDir, prefix, thresholds: options.thresholds, nacq: options.nacq, seed: options.seed + index,
      rows: size, cols: size, shutterSeconds: options.shutterSeconds, polarity: asic === inverted ? -1 : 1,
      formatVariants: options.formatVariants, noiseSeed: options.noiseSeed === undefined ? undefined : options.noiseSeed + index,
      adjustTruth: t => {
        change(t);
        if (isBroken) for (let p = (t.rows >> 1) * t.cols; p < t.rows * t.cols; p++) t.kind[p] = 'dead';
      },
    });
    const brokenFiles = isBroken ? breakFiles(options.dir, truth) : [];
    out.push({
      asic, scanId: prefix + truth.shutterText, maskFile: maskFileName(prefix), truthDir, polarity: truth.polarity,
      broken: isBroken, brokenFiles, alteredPixels: altered, truth,
    });
  });
  const index = out.map(({ truth: _truth, alteredPixels, ...rest }) => ({ ...rest, alteredPixels: alteredPixels.length }));
  writeFileAtomic(path.join(options.dir, 'truth', 'module.json'),
    JSON.stringify({ module, change: options.change ?? {}, scans: index }, null, 1) + '\n');
  return out;
}

/** Cuts the last acquisition of the first two thresholds in the middle of a number: unreadable, skipped and reported. */
function breakFiles(dir: string, truth: GeneratedTruth): string[] {
  return truth.thresholds.slice(0, 2).map(t => {
    const name = `${truth.prefix}${truth.shutterText}_THR_${t}_${truth.nacq - 1}.csv`;
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    writeFileAtomic(file, text.slice(0, Math.floor(text.length / 2)) + 'x\n');
    return name;
  });
}
