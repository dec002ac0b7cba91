// Fault corpus of the input side (issue 9 items 1, 2, 3, 5, 8; issue 15 acquisition quality): real generated
// scans, damaged copies, the built CLI where the exit code matters; flux checked against csv-parse on the good files.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { computeScanFlux, readMask, scanShape } from '../../src/engine/flux';
import { generateScan, GenerateOptions } from '../../src/engine/generate';
import { countVerdicts, parseExclusions } from '../../src/engine/input/acquisitionQuality';
import { Random } from '../../src/engine/random';
import gammainc from '@stdlib/math-base-special-gammainc';
import erfc from '@stdlib/math-base-special-erfc';
import { quantile } from '../../src/engine/statistics';
import { discoverScans } from '../../src/engine/scanFiles';
import { range, readMatrixWithCsvParse, readOutputMatrix, scratchDir } from './helpers';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const ST = 1.31;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Summary {
  shape: { rows: number; cols: number };
  thresholds: number[];
  per_threshold: Array<{ threshold: number; files: number; good: number; bad: number; failed: number; excluded: number; exposure_s: number }>;
  bad_acquisitions: Array<[number, number, string]>;
  excluded_acquisitions: Array<[number, number]>;
  skipped_files: Array<{ file: string; threshold: number; acquisition: number; reason: string; line?: number; column?: number }>;
  ignored_entries: Array<{ name: string; reason: string }>;
}

function readSummary(out: string): Summary {
  return JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
}

/** A clean scan of its own (no noisy acquisitions, plain integers) to damage; 16×40 (the last 16 columns are the noise cut's). */
function cleanScan(name: string, extra: Partial<GenerateOptions> = {}) {
  const dir = scratchDir(name);
  const truth = generateScan({
    dir, thresholds: range(1320, 1600, 40), nacq: 6, seed: 11, rows: 16, cols: 40,
    badFraction: 0, allBadThresholdIndex: -1, formatVariants: false, ...extra,
  });
  return { dir, truth, id: `${truth.prefix}${truth.shutterText}` };
}

function setCell(file: string, row: number, col: number, text: string): void {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const cells = lines[row].split(',');
  cells[col] = text;
  lines[row] = cells.join(',');
  fs.writeFileSync(file, lines.join('\n'));
}

/**
 * Checks the pixel flux files of a run against csv-parse sums over the acquisitions the summary calls good
 * (none of bad, unreadable, excluded, duplicate): Σhits/T exactly, T = good × shutter.
 */
function assertFluxExact(dataDir: string, out: string, id: string, summary: Summary): void {
  const left = new Set([...summary.bad_acquisitions, ...summary.excluded_acquisitions].map(([t, a]) => `${t}:${a}`));
  for (const s of summary.skipped_files) left.add(`${s.threshold}:${s.acquisition}`);
  const mask = readMatrixWithCsvParse(path.join(dataDir, fs.readdirSync(dataDir).find(n => /Mask/.test(n))!)).flat();
  summary.per_threshold.forEach(t => {
    const files = fs.readdirSync(dataDir).filter(n => n.startsWith(`${id}_THR_${t.threshold}_`) && n.endsWith('.csv'));
    let good = 0, sum: number[] | undefined;
    for (const name of files) {
      const acq = Number(/_(\d+)\.csv$/.exec(name)![1]);
      if (left.has(`${t.threshold}:${acq}`) || name !== `${id}_THR_${t.threshold}_${acq}.csv`) continue;
      good++;
      const v = readMatrixWithCsvParse(path.join(dataDir, name)).flat();
      sum = sum ? sum.map((s, p) => s + v[p]) : v;
    }
    assert.equal(t.good, good, `good acquisitions at ${t.threshold}`);
    assert.equal(t.exposure_s, good * ST);
    const flux = readOutputMatrix(path.join(out, `Fluxperpixel_${id}_THR_${t.threshold}.csv`)).flat();
    flux.forEach((f, p) => {
      if (mask[p] > 0 || good === 0) assert.ok(Number.isNaN(f));
      else assert.equal(f, sum![p] / (good * ST), `pixel ${p} at ${t.threshold}`);
    });
  });
}

test('counts above 2^31 add up exactly (kernel flushes and the TypeScript path); a cell beyond 2^53 skips its file', async () => {
  const { dir, id } = cleanScan('overflow');
  const file = (thr: number, acq: number) => path.join(dir, `${id}_THR_${thr}_${acq}.csv`);
  const maskValues = readMatrixWithCsvParse(path.join(dir, fs.readdirSync(dir).find(n => /Mask/.test(n))!)).flat();
  const [p1, p2] = [3 * 40, 5 * 40].map(start => { let p = start; while (maskValues[p]) p++; return p; }); // unmasked pixels
  for (let acq = 0; acq < 6; acq++) {
    setCell(file(1360, acq), 3, p1 - 3 * 40, '9.000000000000000000e+08'); // the kernel's range: 6 × 9e8 > 2^31
    setCell(file(1400, acq), 5, p2 - 5 * 40, '3000000000'); // beyond the kernel: the TypeScript parser
  }
  setCell(file(1440, 2), 0, 0, '1e30');
  setCell(file(1480, 4), 7, 2, '2147483648'); // alone among its threshold: a count outlier unless the test is off

  const out = path.join(dir, 'out');
  const r = cli('analyse', dir, '--out', out, '--no-fit', '--workers', '2');
  assert.equal(r.code, 0, r.stderr);
  const summary = readSummary(out);
  assert.deepEqual(summary.skipped_files.map(s => [s.file, s.line, s.column]), [[`${id}_THR_1440_2.csv`, 1, 1]]);
  assert.match(summary.skipped_files[0].reason, /1e30" too large: expected an integer ≤ 2\^53/);
  assert.deepEqual(summary.bad_acquisitions, [[1480, 4, 'count-outlier']]);
  assertFluxExact(dir, out, id, summary);
  const pixel = (thr: number, p: number) => readOutputMatrix(path.join(out, `Fluxperpixel_${id}_THR_${thr}.csv`)).flat()[p];
  assert.ok(Math.abs(pixel(1360, p1) * 6 * ST - 5.4e9) < 1 && Math.abs(pixel(1400, p2) * 6 * ST - 1.8e10) < 1, 'no wrap-around');
  const asic = fs.readFileSync(path.join(out, `FluxperASIC_${id}_THR_1320-1600-step40.csv`), 'utf8').trim().split('\n').map(Number);
  assert.ok(asic.every(v => v > 0), 'ASIC flux positive everywhere');

  const off = path.join(dir, 'out-off');
  assert.equal(cli('analyse', dir, '--out', off, '--no-fit', '--outlier-sigma', '0').code, 0);
  const offSummary = readSummary(off);
  assert.deepEqual(offSummary.bad_acquisitions, []);
  assertFluxExact(dir, off, id, offSummary);

  // Both parsers, inline and in workers, give the same exact sums.
  const scan = discoverScans(dir).scans[0];
  const shape = scanShape(scan);
  const mask = readMask(path.join(dir, fs.readdirSync(dir).find(n => /Mask/.test(n))!), shape).mask;
  const common = { badCut: 2, badColumns: 16, cutBad: true, strict: false };
  const wasm = await computeScanFlux(scan, shape, mask, { ...common, workers: 2, parser: 'wasm' });
  const ts = await computeScanFlux(scan, shape, mask, { ...common, workers: 0, parser: 'typescript' });
  assert.deepEqual(wasm.counts.map(c => Array.from(c)), ts.counts.map(c => Array.from(c)));
  assert.ok(wasm.counts[1][p1] === 5.4e9 && wasm.counts[2][p2] === 1.8e10, 'the 9e8 cells sum exactly');
});

test('the shape is the majority of the files: a broken first file does not spoil the scan, with or without a mask', () => {
  const { dir, id } = cleanScan('shape');
  const first = path.join(dir, `${id}_THR_1320_0.csv`);
  const narrow = fs.readFileSync(first, 'utf8').trim().split('\n').map(l => l.split(',').slice(0, 39).join(',')).join('\n') + '\n';
  fs.writeFileSync(first, narrow); // a well-formed 16×39 matrix
  fs.writeFileSync(path.join(dir, `${id}_THR_1320_1.csv`), 'hello\n');
  for (const withMask of [true, false]) {
    if (!withMask) fs.rmSync(path.join(dir, fs.readdirSync(dir).find(n => /Mask/.test(n))!));
    const out = path.join(dir, `out-${withMask}`);
    const r = cli('analyse', dir, '--out', out, '--no-fit');
    assert.equal(r.code, 0, r.stderr);
    const summary = readSummary(out);
    assert.deepEqual(summary.shape, { rows: 16, cols: 40 });
    const skipped = Object.fromEntries(summary.skipped_files.map(s => [s.file, s]));
    assert.deepEqual(Object.keys(skipped).sort(), [`${id}_THR_1320_0.csv`, `${id}_THR_1320_1.csv`]);
    assert.match(skipped[`${id}_THR_1320_0.csv`].reason, /:1:39: line has 39 values: expected 40$/);
    assert.equal(summary.per_threshold[0].good, 4);
    assert.ok(summary.per_threshold.slice(1).every(t => t.good === 6));
    if (withMask) assertFluxExact(dir, out, id, summary);
  }
});

test('discovery skips and lists stray entries and never stops the real scan', () => {
  const { dir, id, truth } = cleanScan('stray');
  const clean = path.join(scratchDir('stray-clean'), 'out');
  assert.equal(cli('analyse', dir, '--out', clean, '--no-fit').code, 0);
  const real = path.join(dir, `${id}_THR_1440_1.csv`);
  fs.copyFileSync(real, path.join(dir, `._${id}_THR_1320_0.csv`));
  fs.copyFileSync(real, path.join(dir, `.${id}_THR_1320_1.csv`));
  fs.mkdirSync(path.join(dir, `${id}_THR_1320_99.csv`));
  execFileSync('mkfifo', [path.join(dir, `${id}_THR_1320_98.csv`)]);
  fs.symlinkSync(path.join(dir, 'nowhere.csv'), path.join(dir, `${id}_THR_1320_97.csv`));
  fs.symlinkSync(`${id}_THR_1320_96.csv`, path.join(dir, `${id}_THR_1320_96.csv`));
  fs.writeFileSync(Buffer.concat([Buffer.from(dir + path.sep), Buffer.from([0x4d, 0xff, 0xfe]), Buffer.from(`_1s310ms_THR_1320_0.csv`)]), '0\n');
  const lone = `${truth.prefix}2s_THR_1440_1.csv`;
  fs.copyFileSync(real, path.join(dir, lone));

  const out = path.join(dir, 'out');
  const r = cli('analyse', dir, '--out', out, '--no-fit');
  assert.equal(r.code, 0, r.stderr);
  const summary = readSummary(out);
  const reasons = Object.fromEntries(summary.ignored_entries.map(e => [e.name, e.reason]));
  assert.match(reasons[`._${id}_THR_1320_0.csv`], /macOS resource-fork file/);
  assert.match(reasons[`.${id}_THR_1320_1.csv`], /hidden file/);
  assert.match(reasons[`${id}_THR_1320_99.csv`], /not a regular file/);
  assert.match(reasons[`${id}_THR_1320_98.csv`], /not a regular file/);
  assert.match(reasons[`${id}_THR_1320_97.csv`], /broken symbolic link/);
  assert.match(reasons[`${id}_THR_1320_96.csv`], /symbolic link loop/);
  assert.match(reasons['M\ufffd\ufffd_1s310ms_THR_1320_0.csv'], /not valid UTF-8/);
  assert.match(reasons[lone], /a scan of too few files \(1 file, 1 threshold\) beside a scan of 8 thresholds: not analysed \(--scan /);
  assert.equal(summary.ignored_entries.length, 8);
  for (const name of Object.keys(reasons)) assert.ok(r.stderr.includes(`warn: ignored ${name}: `), name);
  for (const name of fs.readdirSync(clean).filter(n => n.startsWith('Flux'))) {
    assert.equal(fs.readFileSync(path.join(out, name), 'utf8'), fs.readFileSync(path.join(clean, name), 'utf8'), name);
  }
  const alone = cli('analyse', dir, '--out', path.join(dir, 'out-lone'), '--no-fit', '--scan', `${truth.prefix}2s`);
  assert.equal(alone.code, 0, alone.stderr);
  assert.deepEqual(readSummary(path.join(dir, 'out-lone')).thresholds, [1440]);
});

test('a duplicate acquisition (_1440_1 and _1440_01) is added once, the canonical name kept', () => {
  const { dir, id } = cleanScan('duplicate');
  const clean = path.join(scratchDir('duplicate-clean'), 'out');
  assert.equal(cli('analyse', dir, '--out', clean, '--no-fit').code, 0);
  fs.copyFileSync(path.join(dir, `${id}_THR_1440_1.csv`), path.join(dir, `${id}_THR_1440_01.csv`));
  const out = path.join(dir, 'out');
  const r = cli('analyse', dir, '--out', out, '--no-fit');
  assert.equal(r.code, 0, r.stderr);
  const summary = readSummary(out);
  assert.deepEqual(summary.skipped_files, [{
    file: `${id}_THR_1440_01.csv`, threshold: 1440, acquisition: 1,
    reason: `duplicate of ${id}_THR_1440_1.csv (threshold 1440, acquisition 1): not added twice`,
  }]);
  assert.match(r.stderr, /warn: skipped .*_THR_1440_01\.csv: duplicate of/);
  assert.equal(summary.per_threshold.find(t => t.threshold === 1440)!.good, 6);
  for (const name of fs.readdirSync(clean).filter(n => n.startsWith('Flux'))) {
    assert.equal(fs.readFileSync(path.join(out, name), 'utf8'), fs.readFileSync(path.join(clean, name), 'utf8'), name);
  }
  // Neither name canonical: the first in byte order is kept, whatever the directory order.
  fs.renameSync(path.join(dir, `${id}_THR_1440_1.csv`), path.join(dir, `${id}_THR_1440_001.csv`));
  const scan = discoverScans(dir).scans[0];
  assert.deepEqual(scan.thresholds.find(t => t.threshold === 1440)!.acquisitions.map(a => a.name).filter(n => n.includes('_1440_')),
    [`${id}_THR_1440_0.csv`, `${id}_THR_1440_001.csv`, ...[2, 3, 4, 5].map(a => `${id}_THR_1440_${a}.csv`)]);
});

test('an unreadable file is skipped with a message that has no meaningless :0:0', async () => {
  const { dir, id } = cleanScan('unreadable');
  const scan = discoverScans(dir).scans[0];
  const shape = scanShape(scan);
  const victim = path.join(dir, `${id}_THR_1480_3.csv`);
  fs.rmSync(victim); // gone between discovery and reading
  const flux = await computeScanFlux(scan, shape, new Uint8Array(16 * 40), { badCut: 2, badColumns: 16, cutBad: true, strict: false, workers: 0 });
  const failed = flux.perThreshold.flatMap(t => t.outcomes).filter(o => o.status === 'error');
  assert.equal(failed.length, 1);
  assert.equal(failed[0].error!.message, `${victim}: unreadable file (ENOENT: no such file or directory)`);
  assert.equal(failed[0].error!.line, 0);
});

const QUALITY = {
  thresholds: range(1320, 1600, 20), nacq: 8, seed: 5, rows: 32, cols: 32,
};
const FAULTS = { empty: [[1340, 2]] as Array<[number, number]>, overCounting: [[1380, 5, 1.3]] as Array<[number, number, number]> };

test('generator faults: an all-zero and an over-counting acquisition, every other file byte-identical', () => {
  const a = scratchDir('faults-a'), b = scratchDir('faults-b');
  const truth = generateScan({ ...QUALITY, dir: a, faults: FAULTS });
  generateScan({ ...QUALITY, dir: b });
  const id = `${truth.prefix}${truth.shutterText}`;
  assert.deepEqual(truth.faults, FAULTS);
  const faulted = [`${id}_THR_1340_2.csv`, `${id}_THR_1380_5.csv`];
  for (const name of fs.readdirSync(b).filter(n => n.endsWith('.csv'))) {
    const same = fs.readFileSync(path.join(a, name)).equals(fs.readFileSync(path.join(b, name)));
    assert.equal(same, !faulted.includes(name), name);
  }
  assert.ok(readMatrixWithCsvParse(path.join(a, faulted[0])).flat().every(v => v === 0));
  const total = (dir: string) => readMatrixWithCsvParse(path.join(dir, faulted[1])).flat().reduce((s, v) => s + v, 0);
  assert.ok(total(a) > 1.2 * total(b));
});

test('empty, over-counting and hand-excluded acquisitions are skipped with their reason; flux exact on the rest', () => {
  const dir = scratchDir('quality');
  const truth = generateScan({ ...QUALITY, dir, faults: FAULTS });
  const id = `${truth.prefix}${truth.shutterText}`;
  const out = path.join(dir, 'out');
  const r = cli('analyse', dir, '--out', out, '--exclude', '1360:1,1500:3,1360:9', '--workers', '2');
  assert.equal(r.code, 0, r.stderr);
  const summary = readSummary(out);
  const expected = [...truth.badAcquisitions.filter(([t, a]) => `${t}:${a}` !== '1500:3').map(([t, a]) => [t, a, 'noisy-last-columns']),
    [1340, 2, 'empty'], [1380, 5, 'count-outlier']];
  const key = (b: unknown[]) => b.join(':');
  assert.deepEqual(summary.bad_acquisitions.map(key).sort(), expected.map(key).sort(), 'nothing else is flagged, low counts included');
  assert.deepEqual(summary.excluded_acquisitions, [[1360, 1], [1500, 3]]);
  assert.match(r.stderr, /warn: excluded acquisition 1360:9 is not in scan/);
  const t1360 = summary.per_threshold.find(t => t.threshold === 1360)!;
  assert.equal(t1360.excluded, 1);
  assert.equal(t1360.files, 8);
  assert.equal(t1360.good + t1360.bad + t1360.excluded, 8);
  const t1340 = summary.per_threshold.find(t => t.threshold === 1340)!;
  assert.equal(t1340.bad, 1 + truth.badAcquisitions.filter(([t]) => t === 1340).length);
  assertFluxExact(dir, out, id, summary);
  assert.match(r.stderr, /warn: skipped acquisition 2 at threshold 1340 \(empty: 0 hits\)/);
  assert.match(r.stderr, /warn: skipped acquisition 5 at threshold 1380 \(count-outlier: \d+ hits\)/);
  const report = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(report, /\| noisy-last-columns \| \d+ \|/);
  assert.match(report, /\| empty \| 1 \|\n\| count-outlier \| 1 \|\n\| excluded by hand \| 2 \|\n\| unreadable \| 0 \|/);

  const keep = path.join(dir, 'keep');
  assert.equal(cli('analyse', dir, '--out', keep, '--no-fit', '--no-cut-bad').code, 0);
  assert.deepEqual(readSummary(keep).bad_acquisitions, [], '--no-cut-bad keeps every readable acquisition');
  const usage = cli('analyse', dir, '--exclude', '1360');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--exclude "1360": expected THR:ACQ/);
  assert.equal(cli('analyse', dir, '--outlier-sigma', '-1').code, 2);
});

test('the dispersion test evaluates only the tail on each acquisition\'s side: the same verdicts as both tails', () => {
  // both tails for every acquisition, as the test read before it skipped the far side (whose probability exceeds ½)
  const bothTails = (totals: number[], sigma: number) => {
    const m = quantile(totals, 0.5);
    const spread = 1.4826 * quantile(totals.map(t => Math.abs(t - m)), 0.5);
    const expected = Math.max(m, 1), dispersion = Math.max(1, spread * spread / expected), lambda = expected / dispersion;
    const pCut = 0.5 * erfc(sigma / Math.SQRT2);
    return totals.map(total => {
      const x = total / dispersion;
      const pAtMost = gammainc(lambda, x + 1, true, true), pAtLeast = x <= 0 ? 1 : gammainc(lambda, x, true, false);
      assert.ok(!(pAtMost < 0.5 && pAtLeast < 0.5), `both tails below ½ at x = ${x}, λ = ${lambda}`);
      return pAtMost < pCut ? (total === 0 ? 'empty' : 'count-outlier') : pAtLeast < pCut ? 'count-outlier' : undefined;
    });
  };
  const rng = new Random(31);
  let flagged = 0;
  for (let set = 0; set < 300; set++) {
    const mean = [3, 40, 2000, 1e5][set % 4], sigma = [3, 5][set % 2];
    const totals = Array.from({ length: 5 + (set % 20) }, () => rng.uniform() < 0.1 ? Math.round(mean * rng.uniform() * 2) : rng.poisson(mean));
    const verdicts = countVerdicts(totals, sigma);
    assert.deepEqual(verdicts, bothTails(totals, sigma), `totals ${totals.join(',')}, sigma ${sigma}`);
    flagged += verdicts.filter(Boolean).length;
  }
  assert.ok(flagged > 50, `${flagged} acquisitions flagged: the comparison covers both verdicts`);
});

test('the dispersion test: robust to the outliers themselves and to over-dispersion, silent at low counts', () => {
  assert.deepEqual(countVerdicts([1000, 1030, 0, 980, 1010, 1300, 995], 5), [undefined, undefined, 'empty', undefined, undefined, 'count-outlier', undefined]);
  // Low counts: zeros and a few hits are what Poisson gives, not faults.
  assert.ok(countVerdicts([0, 1, 0, 2, 0, 3, 1, 0], 5).every(v => v === undefined));
  assert.ok(countVerdicts([0, 0, 0, 0, 5], 5).every(v => v === undefined));
  assert.ok(countVerdicts([12, 0, 9, 11, 8], 5).every(v => v === undefined), 'P(0 | 9) is not small enough');
  assert.deepEqual(countVerdicts([40, 0, 38, 45, 41], 5), [undefined, 'empty', undefined, undefined, undefined]);
  // A smooth drift larger than Poisson is not flagged; fewer than three acquisitions are never tested; sigma 0 is off.
  assert.ok(countVerdicts(Array.from({ length: 10 }, (_, i) => 10000 + 400 * i), 5).every(v => v === undefined));
  assert.ok(countVerdicts([1000, 0], 5).every(v => v === undefined));
  assert.ok(countVerdicts([1000, 1000, 0], 0).every(v => v === undefined));
  assert.deepEqual(parseExclusions('1440:3,1500:0'), [[1440, 3], [1500, 0]]);
  assert.deepEqual(parseExclusions(['1440:3', ' 1500:0 ']), [[1440, 3], [1500, 0]]);
  assert.deepEqual(parseExclusions(''), []);
  assert.throws(() => parseExclusions(['1440-3']), /"1440-3": expected THR:ACQ/);
});
