// `npm run bench`: the full-size scan (57 thresholds × 100 acquisitions, 256×256, ≈ 0.75 GB) measured against
// `cat` of the same files in the same run. Each measurement runs in a fresh child process so that its peak RSS
// is its own. Prints ratios, MB/s, peak RSS, fits/s.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { computeScanFlux, readMask, scanShape } from './engine/flux';
import { generateScan, parseThresholdRange } from './engine/generate';
import { discoverScans } from './engine/scanFiles';
import { fitScan, R_FLAGS, RESULT_FIELDS, SIGMA_UPPER_LIMIT_FLAG } from './engine/scanFits';
import { defaultWorkerCount } from './engine/workerPool';
import { fitWorkerPool } from './engine/fitPool';
import { ensureModuleScans, measureModuleAnalysis, moduleBenchLine } from './engine/campaign/moduleBench';
import { liveBenchLines, measureLiveWatch } from './engine/live/liveBench';

const THRESHOLDS = '1320:1600:5';
const NACQ = Number(process.env.BENCH_NACQ ?? 100);
const SEED = 1;

async function measure(dir: string, maxAcq: number, withFits: boolean, parser: 'wasm' | 'typescript'): Promise<void> {
  if (withFits) fitWorkerPool(defaultWorkerCount()); // as analyse does: the fit threads start while the flux is read
  const found = discoverScans(dir);
  const scan = found.scans[0];
  for (const t of scan.thresholds) t.acquisitions = t.acquisitions.filter(a => a.acquisition < maxAcq);
  const files = scan.thresholds.flatMap(t => t.acquisitions);
  const bytes = files.reduce((s, f) => s + f.size, 0);
  const t0 = performance.now();
  const shape = scanShape(scan);
  const mask = readMask(found.maskCandidates[0], shape).mask;
  const flux = await computeScanFlux(scan, shape, mask, {
    badCut: 2, badColumns: 16, cutBad: true, strict: false, workers: defaultWorkerCount(), parser,
  });
  const fluxSeconds = (performance.now() - t0) / 1000;
  let fitSeconds = NaN, fitted = 0, profileSeconds = NaN, upperLimits = 0;
  if (withFits) {
    const t1 = performance.now();
    const fits = await fitScan(flux, { model: 'scurve', polarity: 'auto', workers: defaultWorkerCount() });
    fitSeconds = (performance.now() - t1) / 1000;
    fitted = fits.results.length / RESULT_FIELDS;
    profileSeconds = fits.profileSeconds;
    for (let p = 0; p < fitted; p++) if (fits.results[p * RESULT_FIELDS + R_FLAGS] & SIGMA_UPPER_LIMIT_FLAG) upperLimits++;
  }
  process.stdout.write(JSON.stringify({
    files: files.length, bytes, fluxSeconds, fitSeconds, fitted, profileSeconds, upperLimits, peakRssMB: process.resourceUsage().maxRSS / 1024,
  }) + '\n');
}

function ensureScan(dir: string): void {
  const truthFile = path.join(dir, 'truth', 'truth.json');
  if (fs.existsSync(truthFile)) {
    const truth = JSON.parse(fs.readFileSync(truthFile, 'utf8'));
    if (truth.nacq === NACQ && truth.seed === SEED && truth.rows === 256) return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`generating the benchmark scan in ${dir} (57 thresholds × ${NACQ} acquisitions, 256×256)…\n`);
  const t0 = performance.now();
  generateScan({
    dir, thresholds: parseThresholdRange(THRESHOLDS), nacq: NACQ, seed: SEED, formatVariants: false,
    onProgress: (done, total) => { if (done % 500 === 0) process.stderr.write(`  ${done}/${total}\n`); },
  });
  process.stderr.write(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

function catSeconds(dir: string): number {
  // Same files, same order, through the page cache like the engine: `cat` them all to /dev/null.
  const t0 = performance.now();
  execFileSync('sh', ['-c', `find "${dir}" -maxdepth 1 -name '*_THR_*.csv' -print0 | xargs -0 cat > /dev/null`]);
  return (performance.now() - t0) / 1000;
}

function child(dir: string, maxAcq: number, withFits: boolean, parser: 'wasm' | 'typescript' = 'wasm') {
  return childMeasurement(['--measure', dir, String(maxAcq), withFits ? 'fits' : 'flux', parser]);
}

function childMeasurement(args: string[]) {
  const r = spawnSync(process.execPath, [__filename, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`measurement failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/**
 * The pixel fits of the full-size scan, and at the low statistics where most edges are unresolved (the first 3 and
 * 10 acquisitions of the same scan): fit wall time, and apart from it the profile-likelihood σ limits (thread time
 * summed over the workers, inside the fit time).
 */
function fitLines(dir: string, full: { fitted: number; fitSeconds: number; profileSeconds: number; upperLimits: number }): string[] {
  const workers = defaultWorkerCount();
  const line = (label: string, r: typeof full, goal: string) => [
    `${label.padEnd(32)}${r.fitted} fits in ${r.fitSeconds.toFixed(3)} s   ${(r.fitted / r.fitSeconds).toFixed(0)} fits/s${goal}`,
    `  σ upper limits (profile lik.) ${r.profileSeconds.toFixed(3)} s thread time (${(r.profileSeconds / workers).toFixed(3)} s per worker): ` +
      `unresolved-edge checks and ${r.upperLimits} σ upper limits`,
  ];
  return [
    ...line(`pixel fits, ${NACQ} acquisitions`, full, ' (goal ≤ 1 s on 2 cores; ≤ 3 s)'),
    ...[10, 3].filter(n => n < NACQ).flatMap(n => line(`pixel fits, ${n} acquisitions`, child(dir, n, true), '')),
  ];
}

/** The module line: twelve ASIC scans in one folder, each its own mask (BENCH_MODULE_NACQ acquisitions, default 10). */
function moduleLine(): string {
  const dir = path.resolve(process.env.BENCH_MODULE_DIR ?? 'bench-data-module');
  ensureModuleScans(dir, Number(process.env.BENCH_MODULE_NACQ ?? 10));
  const attempt = (which: string) => { try { return childMeasurement(['--measure-module', dir, which]); } catch (e) { return e as Error; } };
  return moduleBenchLine(attempt('single'), attempt('module'));
}

/** The whole `velo-calib analyse` of the scan (discovery to publication, every output) in a child process, against
 *  `cat` of its files: the flux files are written while the scan is read and results.h5 while the CSVs are. */
function endToEndLine(dir: string, cat: number): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'velo-bench-analyse-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [path.join(__dirname, 'cli.js'), 'analyse', dir, '--out', path.join(out, 'result')], { encoding: 'utf8' });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) return `end-to-end analyse              failed: ${r.stderr.trim().split('\n').pop()}`;
    return `end-to-end analyse              ${seconds.toFixed(3)} s   ratio to cat ${(seconds / cat).toFixed(2)}× (goal ≤ 5×)`;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The live watch's lines: files arriving at 10/s into a folder already holding BENCH_LIVE_THRESHOLDS thresholds. */
async function liveLines(dir: string): Promise<string[]> {
  const rate = 10;
  const result = await measureLiveWatch(path.join(__dirname, 'cli.js'), dir, {
    prefilledThresholds: Number(process.env.BENCH_LIVE_THRESHOLDS ?? 10), files: Number(process.env.BENCH_LIVE_FILES ?? 300), ratePerSecond: rate,
  }).catch((e: Error) => e);
  return liveBenchLines(result, rate);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--measure') {
    await measure(process.argv[3], Number(process.argv[4]), process.argv[5] === 'fits', process.argv[6] === 'typescript' ? 'typescript' : 'wasm');
    return;
  }
  if (process.argv[2] === '--measure-module') {
    process.stdout.write(JSON.stringify(await measureModuleAnalysis(process.argv[3], process.argv[4] === 'single' ? 'single' : 'module')) + '\n');
    return;
  }
  const dir = path.resolve(process.env.BENCH_DIR ?? 'bench-data');
  ensureScan(dir);
  if (process.env.BENCH_ONLY === 'fits') { process.stdout.write(fitLines(dir, child(dir, NACQ, true)).join('\n') + '\n'); return; }
  if (process.argv[2] === '--live') { process.stdout.write((await liveLines(dir)).join('\n') + '\n'); return; } // this section only
  catSeconds(dir); // warm the page cache so both sides read from memory
  const cat = Math.min(catSeconds(dir), catSeconds(dir));
  const full = child(dir, NACQ, true);
  const again = child(dir, NACQ, false);
  const quarter = child(dir, Math.max(1, Math.floor(NACQ / 4)), false);
  const typescriptOnly = child(dir, NACQ, false, 'typescript');
  const fluxSeconds = Math.min(full.fluxSeconds, again.fluxSeconds);
  const mb = full.bytes / 1e6;
  const lines = [
    `velo-calib benchmark: ${full.files} files, ${mb.toFixed(0)} MB, ${defaultWorkerCount()} worker threads`,
    `cat (baseline, same files)      ${cat.toFixed(3)} s   ${(mb / cat).toFixed(0)} MB/s`,
    `engine load + flux              ${fluxSeconds.toFixed(3)} s   ${(mb / fluxSeconds).toFixed(0)} MB/s   ratio to cat ${(fluxSeconds / cat).toFixed(2)}× (goal ≤ 2×)`,
    `  (TypeScript parser only       ${typescriptOnly.fluxSeconds.toFixed(3)} s   ratio to cat ${(typescriptOnly.fluxSeconds / cat).toFixed(2)}×: the wasm kernel's gain)`,
    `peak RSS, ${NACQ} acquisitions/threshold  ${full.peakRssMB.toFixed(0)} MB with fits, ${again.peakRssMB.toFixed(0)} MB flux only (goal ≤ 400 MB)`,
    `peak RSS, ${quarter.files / 57} acquisitions/threshold   ${quarter.peakRssMB.toFixed(0)} MB flux only (flat in the number of acquisitions)`,
    ...fitLines(dir, full),
    endToEndLine(dir, cat),
    moduleLine(),
    ...await liveLines(dir),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch(e => { process.stderr.write(String(e?.stack ?? e) + '\n'); process.exit(1); });
