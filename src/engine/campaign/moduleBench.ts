// The module part of `npm run bench`: a folder of twelve full-size ASIC scans analysed in one run, time per
// ASIC against one of them analysed alone (goal ≤ 1.1×: a module costs no more than its scans one by one).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../analyse';
import { parseThresholdRange } from '../generate';
import { defaultWorkerCount } from '../workerPool';
import { generateModule, MODULE_ASICS } from './generateModule';

const THRESHOLDS = '1320:1600:5';
const SEED = 1;

/** Generates the module folder unless it is there with the same settings. */
export function ensureModuleScans(dir: string, nacq: number): void {
  const index = path.join(dir, 'truth', 'module.json');
  if (fs.existsSync(index)) {
    const stored = JSON.parse(fs.readFileSync(index, 'utf8'));
    if (stored.nacq === nacq && stored.seed === SEED) return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`generating the benchmark module in ${dir} (12 ASICs × 57 thresholds × ${nacq} acquisitions, 256×256)…\n`);
  generateModule({ dir, thresholds: parseThresholdRange(THRESHOLDS), nacq, seed: SEED, formatVariants: false });
  const stored = JSON.parse(fs.readFileSync(index, 'utf8'));
  fs.writeFileSync(index, JSON.stringify({ ...stored, nacq, seed: SEED }, null, 1) + '\n');
}

/** Analyses the whole module folder, or only its first ASIC with its own mask; wall time in seconds. */
export async function measureModuleAnalysis(dir: string, which: 'module' | 'single'): Promise<{ seconds: number; scans: number }> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'velo-bench-module-'));
  const scanId = `Module0_${MODULE_ASICS[0]}_ECS_data_ST_1s310ms`;
  const options = which === 'single' ? { scan: scanId, mask: path.join(dir, `Module0_${MODULE_ASICS[0]}_Matrix_Mask.csv`) } : {};
  try {
    const t0 = performance.now();
    const dirs = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, out, workers: defaultWorkerCount(), ...options }, () => undefined);
    return { seconds: (performance.now() - t0) / 1000, scans: dirs.length };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The first line of a failed measurement's stderr (the error, without its stack). */
const reason = (e: Error) => e.message.replace(/^measurement failed: /, '').split('\n').find(l => l.trim()) ?? e.message;

export function moduleBenchLine(single: { seconds: number } | Error, module: { seconds: number; scans: number } | Error): string {
  if (single instanceof Error) return `module, one ASIC alone          failed: ${reason(single)}`;
  if (module instanceof Error) return `module folder (12 ASICs)        not analysable in one run: ${reason(module)}`;
  const perAsic = module.seconds / module.scans;
  return `module folder (${module.scans} ASICs)        ${module.seconds.toFixed(1)} s, ${perAsic.toFixed(2)} s per ASIC vs ` +
    `${single.seconds.toFixed(2)} s for one ASIC alone: ratio ${(perAsic / single.seconds).toFixed(2)}× (goal ≤ 1.1×)`;
}
