// Campaigns on generated data: collect (one row per analysed scan), compare (known threshold shift and gain
// change), results.h5 read back with h5wasm, and the module generator (twelve ASICs, own masks).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { collectCampaign } from '../../src/engine/campaign/collect';
import { compareScans, findCluster } from '../../src/engine/campaign/compare';
import { applyScanChange, generateModule, LINE_PAIRS, MODULE_ASICS, NOMINAL_GAIN } from '../../src/engine/campaign/generateModule';
import { moduleAndAsic } from '../../src/engine/campaign/resultFolders';
import { flagNames } from '../../src/engine/fitOutputs';
import { generateScan } from '../../src/engine/generate';
import { loadH5wasm } from '../../src/engine/report/resultsH5';
import { STATUS_NAMES } from '../../src/protocol';
import { range, readOutputMatrix, scratchDir } from './helpers';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const quiet = () => undefined;

async function analyse(folder: string, extra: Partial<Parameters<typeof analyseFolder>[0]> = {}): Promise<string[]> {
  return analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder, workers: 2, ...extra }, quiet);
}

function readJson(file: string) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** pixel_fits.csv as columns by header name (status kept as text). */
function pixelFits(dir: string): Map<string, string[]> {
  const lines = fs.readFileSync(path.join(dir, 'pixel_fits.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const columns = new Map(header.map(h => [h, [] as string[]]));
  for (const line of lines.slice(1)) line.split(',').forEach((v, k) => columns.get(header[k])!.push(v));
  return columns;
}

const num = (v: string) => (v === 'nan' ? NaN : Number(v));
const sameNumber = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || a === b;

test('module and ASIC from scan ids', () => {
  assert.deepEqual(moduleAndAsic('Module0_VP0-1_ECS_data_ST_1s310ms'), { module: 'Module0', asic: 'VP0-1' });
  assert.deepEqual(moduleAndAsic('Module12_VP3-2_x'), { module: 'Module12', asic: 'VP3-2' });
  assert.deepEqual(moduleAndAsic('scan_ST_2s'), { module: '', asic: '' });
});

test('collect: one row per analysed scan, equal to its asic_fit.json and summary; symlinks and hidden folders', async () => {
  const root = scratchDir('collect');
  const cold = path.join(root, 'Module0_cold'), warm = path.join(root, 'Module0_warm');
  const scans = generateModule({ dir: cold, thresholds: range(1320, 1600, 20), nacq: 4, seed: 3, size: 16, formatVariants: false });
  fs.writeFileSync(path.join(cold, 'scan.json'), JSON.stringify({ label: 'cold', temperature_c: -25, fluence_neq_cm2: 1e15 }));
  const chosen = scans.filter(s => ['VP0-0', 'VP1-2', 'VP2-1'].includes(s.asic));
  const dirs: string[] = [];
  for (const s of chosen) {
    dirs.push(...await analyse(cold, { scan: s.scanId, mask: path.join(cold, s.maskFile), out: path.join(cold, 'velo-calib', s.scanId) }));
  }
  generateScan({ dir: warm, thresholds: range(1320, 1600, 20), nacq: 4, seed: 4, rows: 16, cols: 16, formatVariants: false });
  dirs.push(...await analyse(warm));
  // the same result seen through a symlink, a loop back to the root, a hidden copy: none adds a row
  fs.symlinkSync(dirs[0], path.join(root, 'alias'));
  fs.symlinkSync(root, path.join(cold, 'loop'));
  fs.cpSync(dirs[1], path.join(root, '.hidden-copy'), { recursive: true });

  const out = path.join(root, 'campaign');
  const result = collectCampaign(root, out);
  assert.equal(result.rows.length, 4);
  assert.deepEqual(result.skipped, []);
  const csv = fs.readFileSync(path.join(out, 'campaign.csv'), 'utf8').trim().split('\n');
  const header = csv[0].split(',');
  for (const c of ['scan', 'folder', 'module', 'asic', 'label', 'shutter_s', 'thresholds', 'acquisitions_good', 'acquisitions_bad',
    'pixels_ok', 'asic_mu', 'asic_mu_err', 'asic_sigma', 'asic_sigma_err', 'pixel_mu_median', 'pixel_mu_spread',
    'pixel_sigma_median', 'gain_median', 'gain_spread']) assert.ok(header.includes(c), c);
  assert.equal(csv.length, 5);
  const json = readJson(path.join(out, 'campaign.json'));
  for (const dir of dirs) {
    const summary = readJson(path.join(dir, 'summary.json')), asicFit = readJson(path.join(dir, 'asic_fit.json'));
    const row = json.scans.find((r: { scan: string }) => r.scan === summary.scan.id);
    assert.ok(row, summary.scan.id);
    assert.equal(path.resolve(root, row.folder), dir);
    assert.equal(row.asic_mu, asicFit.params.mu);
    assert.equal(row.asic_mu_err, asicFit.errors.mu);
    assert.equal(row.asic_sigma, asicFit.params.sigma);
    assert.equal(row.asic_sigma_err, asicFit.errors.sigma);
    assert.equal(row.thresholds, summary.thresholds.length);
    assert.equal(row.acquisitions_good, summary.acquisitions.good);
    assert.equal(row.acquisitions_bad, summary.acquisitions.bad);
    assert.equal(row.pixels_ok, summary.heterogeneity.ok_pixels);
    assert.equal(row.pixel_mu_median, summary.heterogeneity.mu.median);
    assert.equal(row.pixel_mu_spread, summary.heterogeneity.mu.robustRms);
    assert.equal(row.pixel_sigma_median, summary.heterogeneity.sigma.median);
    assert.equal(row.shutter_s, summary.scan.shutterSeconds);
    assert.equal(row.gain_median, null);
    const line = csv.find(l => l.startsWith(summary.scan.id + ','))!.split(',');
    assert.equal(Number(line[header.indexOf('asic_mu')]), asicFit.params.mu);
    assert.equal(line[header.indexOf('gain_median')], '');
  }
  const coldRows = json.scans.filter((r: { label: string }) => r.label === 'cold');
  assert.deepEqual(coldRows.map((r: { asic: string }) => r.asic).sort(), ['VP0-0', 'VP1-2', 'VP2-1']);
  assert.ok(coldRows.every((r: { module: string; temperature_c: number; fluence_neq_cm2: number }) =>
    r.module === 'Module0' && r.temperature_c === -25 && r.fluence_neq_cm2 === 1e15));
  assert.equal(json.scans.find((r: { folder: string }) => r.folder.startsWith('Module0_warm')).label, 'warm');
  assert.equal(coldRows.find((r: { asic: string }) => r.asic === 'VP1-2').polarity, -1);

  // regenerated from the summaries each time: a removed result disappears from the table
  fs.rmSync(path.join(dirs[2], 'summary.json'));
  assert.equal(collectCampaign(root, out).rows.length, 3);
  assert.equal(readJson(path.join(out, 'campaign.json')).scans.length, 3);
});

test('compare: a known threshold shift and gain change are recovered; exactly the altered pixels are flagged', async () => {
  const common = { thresholds: range(1320, 1600, 5), nacq: 50, seed: 11, rows: 32, cols: 32, formatVariants: false };
  const warm = scratchDir('compare-warm'), cold = scratchDir('compare-cold');
  generateScan({ ...common, dir: warm, noiseSeed: 100 });
  const shift = 6, factor = 1.5, doubleColumn = 9, killed = [3 * 32 + 4, 20 * 32 + 30, 31 * 32 + 1];
  const altered: number[] = [];
  const change = applyScanChange({ thresholdShift: shift, gainChange: { factor, doubleColumns: [doubleColumn] } }, altered);
  generateScan({ ...common, dir: cold, noiseSeed: 200, adjustTruth: t => { change(t); for (const p of killed) t.kind[p] = 'dead'; } });
  fs.writeFileSync(path.join(warm, 'scan.json'), JSON.stringify({ label: 'warm', temperature_c: 20 }));
  fs.writeFileSync(path.join(cold, 'scan.json'), JSON.stringify({ label: 'cold', temperature_c: -25 }));
  const [dirA] = await analyse(warm), [dirB] = await analyse(cold);
  const out = scratchDir('compare-out');
  const c = compareScans({ a: warm, b: dirB, out });

  const fa = pixelFits(dirA), fb = pixelFits(dirB);
  const okBoth = fa.get('status')!.map((s, p) => s === 'ok' && fb.get('status')![p] === 'ok');
  const mu = c.delta.mu!;
  // the common shift, over the pixels not flagged: within 3 of its errors
  assert.ok(Math.abs(mu.mean_unchanged - shift) < 3 * mu.error_unchanged, `${mu.mean_unchanged} ± ${mu.error_unchanged}`);
  assert.ok(mu.error_unchanged < 0.5);
  const target = LINE_PAIRS / NOMINAL_GAIN, extra = target * (1 - 1 / factor); // 40 DAC lower than the common shift
  const expected = altered.filter(p => okBoth[p]).sort((x, y) => x - y);
  assert.ok(expected.length >= 55);
  const changedMu = fs.readFileSync(path.join(out, 'changed_pixels.csv'), 'utf8').trim().split('\n').slice(1)
    .map(l => l.split(',')).filter(f => f[0] === 'mu').map(f => Number(f[1]) * 32 + Number(f[2])).sort((x, y) => x - y);
  assert.equal(mu.changed, changedMu.length);
  // no false alarm: every flagged pixel was altered on purpose
  assert.deepEqual(changedMu.filter(p => !altered.includes(p)), []);
  // every altered pixel whose fits can see the change (combined error < change/7) is flagged; a pixel whose fit
  // lost its edge (σ at its bound, μ error of hundreds of DAC) cannot be, and is not
  const err = (p: number) => Math.hypot(num(fa.get('mu_err')![p]), num(fb.get('mu_err')![p]));
  const visible = expected.filter(p => err(p) < extra / 7);
  assert.ok(visible.length >= expected.length - 2, `${visible.length} of ${expected.length}`);
  assert.deepEqual(visible.filter(p => !changedMu.includes(p)), []);
  assert.deepEqual(mu.cluster, { kind: 'double column', index: doubleColumn, pixels: changedMu.length });
  // the altered pixels moved by shift − target·(1 − 1/factor)
  const alteredShift = changedMu.reduce((s, p) => s + num(fb.get('mu')![p]) - num(fa.get('mu')![p]), 0) / changedMu.length;
  assert.ok(Math.abs(alteredShift - (shift - extra)) < 1.5, String(alteredShift));
  // Δ map = B − A over pixels ok in both, NaN elsewhere; significance = Δ/√(eA² + eB²)
  const map = readOutputMatrix(path.join(out, 'map_delta_mu.csv')).flat();
  const sig = readOutputMatrix(path.join(out, 'map_delta_mu_significance.csv')).flat();
  map.forEach((v, p) => {
    if (!okBoth[p]) { assert.ok(Number.isNaN(v)); return; }
    const d = num(fb.get('mu')![p]) - num(fa.get('mu')![p]);
    assert.ok(Math.abs(v - d) < 1e-9);
    assert.ok(Math.abs(sig[p] - d / Math.hypot(num(fa.get('mu_err')![p]), num(fb.get('mu_err')![p]))) < 1e-9);
  });
  // status transitions: the pixels killed in B
  const deadNow = killed.filter(p => fa.get('status')![p] === 'ok');
  assert.equal(c.status_transitions['ok→dead'], deadNow.length);
  // compare.json contract, compare.md conclusions
  const json = readJson(path.join(out, 'compare.json'));
  for (const q of ['mu', 'sigma', 'amplitude']) for (const k of ['mean', 'error', 'median', 'spread']) assert.equal(typeof json.delta[q][k], 'number');
  assert.equal(json.delta.gain, null);
  const md = fs.readFileSync(path.join(out, 'compare.md'), 'utf8');
  assert.match(md, /cold thresholds μ are \d\.\d+ ± 0\.\d+ DAC higher than warm \(pixels changed beyond 5σ left out\)/);
  assert.match(md, new RegExp(`clustered in double column ${doubleColumn}`));
  assert.match(md, new RegExp(`${deadNow.length} ok→dead`));
});

test('findCluster: a column, else a double column, else a row holding most changed pixels', () => {
  const cols = 16;
  assert.deepEqual(findCluster([3 * cols + 5, 7 * cols + 5, 9 * cols + 5, 2], cols), { kind: 'column', index: 5, pixels: 3 });
  assert.deepEqual(findCluster([3 * cols + 4, 7 * cols + 5, 9 * cols + 4], cols), { kind: 'double column', index: 2, pixels: 3 });
  assert.deepEqual(findCluster([2 * cols + 1, 2 * cols + 7, 2 * cols + 12], cols), { kind: 'row', index: 2, pixels: 3 });
  assert.equal(findCluster([0, 17, 34, 51, 68, 85], cols), null);
});

test('results.h5 read back with h5wasm equals the CSV and binary outputs', async () => {
  const dir = scratchDir('h5');
  generateScan({ dir, thresholds: range(1320, 1600, 20), nacq: 4, seed: 5, rows: 24, cols: 20, polarity: -1 });
  const [out] = await analyse(dir);
  const h5 = await loadH5wasm();
  const f = new h5.File(path.join(out, 'results.h5'), 'r');
  try {
    const summary = readJson(path.join(out, 'summary.json')), asicFit = readJson(path.join(out, 'asic_fit.json'));
    const n = 24 * 20, m = summary.thresholds.length;
    const value = (name: string) => (f.get(name) as InstanceType<typeof h5.Dataset>).value as ArrayLike<number>;
    assert.deepEqual(Array.from(value('thresholds')), summary.thresholds);
    assert.deepEqual(Array.from(value('exposure_s')), summary.per_threshold.map((t: { exposure_s: number }) => t.exposure_s));
    const counts = f.get('counts') as InstanceType<typeof h5.Dataset>;
    assert.deepEqual(counts.shape, [n, m]);
    const f32 = new Float32Array(new Uint8Array(fs.readFileSync(path.join(out, 'pixel_counts.f32'))).buffer);
    assert.deepEqual(Array.from(counts.value as ArrayLike<number>), Array.from(f32));
    for (const name of summary.fit.pixel_maps.maps as string[]) {
      const dataset = f.get(`maps/${name}`) as InstanceType<typeof h5.Dataset>;
      assert.deepEqual(dataset.shape, [24, 20], name);
      const csv = readOutputMatrix(path.join(out, `map_${name}.csv`)).flat();
      Array.from(dataset.value as ArrayLike<number>).forEach((v, p) => assert.ok(sameNumber(v, csv[p]), `${name}[${p}]: ${v} vs ${csv[p]}`));
    }
    const table = pixelFits(out);
    for (const [column, cells] of table) {
      const stored = Array.from(value(`fits/${column}`));
      if (column === 'status') assert.deepEqual(stored.map(s => STATUS_NAMES[s]), cells);
      else if (column === 'flags') assert.deepEqual(stored.map(flagNames), cells);
      else stored.forEach((v, p) => assert.ok(sameNumber(v, num(cells[p])), `${column}[${p}]`));
    }
    for (const k of Object.keys(asicFit.params)) {
      assert.equal(f.attrs[`asic_${k}`].value, asicFit.params[k]);
      assert.equal(f.attrs[`asic_${k}_err`].value, asicFit.errors[k]);
    }
    assert.equal(f.attrs.asic_model.value, asicFit.model);
    assert.equal(f.attrs.asic_polarity.value, -1);
  } finally {
    f.close();
  }
});

test('generate-module: twelve ASIC scans with their own masks, one inverted, one broken; each analyses with its mask', async () => {
  const dir = scratchDir('module');
  const scans = generateModule({ dir, thresholds: range(1320, 1600, 40), nacq: 3, seed: 2, size: 12, formatVariants: false });
  assert.deepEqual(scans.map(s => s.asic), MODULE_ASICS);
  assert.deepEqual(MODULE_ASICS, ['VP0-0', 'VP0-1', 'VP0-2', 'VP1-0', 'VP1-1', 'VP1-2', 'VP2-0', 'VP2-1', 'VP2-2', 'VP3-0', 'VP3-1', 'VP3-2']);
  for (const s of scans) assert.ok(fs.existsSync(path.join(dir, `Module0_${s.asic}_Matrix_Mask.csv`)), s.asic);
  assert.deepEqual(scans.filter(s => s.polarity === -1).map(s => s.asic), ['VP1-2']);
  const broken = scans.find(s => s.broken)!;
  assert.equal(broken.asic, 'VP2-1');
  // what works today without per-scan mask matching: each scan chosen with --scan and its own --mask
  for (const s of [scans[0], scans[5], broken]) {
    const [out] = await analyse(dir, { scan: s.scanId, mask: path.join(dir, s.maskFile), out: path.join(dir, 'velo-calib', s.scanId) });
    const summary = readJson(path.join(out, 'summary.json'));
    assert.equal(summary.mask.file, path.join(dir, s.maskFile));
    assert.equal(summary.fit.polarity, s.polarity);
    const skipped = summary.skipped_files.map((f: { file: string }) => f.file).sort();
    assert.deepEqual(skipped, [...s.brokenFiles].sort());
    if (s.broken) assert.ok(summary.heterogeneity.status_counts.dead >= 12 * 6);
  }
});

// Each scan finds its own `<Module>_<ASIC>_Matrix_Mask.csv` (src/engine/input/auxiliaryFiles.ts).
test('a module folder analyses in one run, each ASIC with its own mask; collect lists the twelve', async () => {
  const dir = scratchDir('module-run');
  const scans = generateModule({ dir, thresholds: range(1320, 1600, 40), nacq: 3, seed: 6, size: 12, formatVariants: false });
  const events: Array<{ type: string; scan?: string; scanIndex?: number }> = [];
  const outs = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, workers: 2 }, e => events.push(e as (typeof events)[number]));
  assert.equal(outs.length, 12);
  for (const s of scans) {
    const summary = readJson(path.join(dir, 'velo-calib', s.scanId, 'summary.json'));
    assert.equal(summary.mask.file, path.join(dir, s.maskFile), s.asic);
    assert.equal(summary.fit.polarity, s.polarity, s.asic);
    assert.deepEqual(summary.skipped_files.map((f: { file: string }) => f.file).sort(), [...s.brokenFiles].sort());
    assert.ok(events.some(e => e.type === 'progress' && e.scan === s.scanId), s.asic);
  }
  const rows = collectCampaign(dir).rows;
  assert.deepEqual(rows.map(r => r.asic), MODULE_ASICS);
  assert.ok(rows.every(r => r.module === 'Module0'));
});

test('CLI: collect, compare, generate-module; usage and input errors', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const dir = scratchDir('cli-campaign');
  assert.equal(cli('generate-module', dir, '--thresholds', '1320:1600:40', '--nacq', '3', '--size', '8', '--threshold-shift', '4').status, 0);
  assert.equal(readJson(path.join(dir, 'truth', 'module.json')).change.thresholdShift, 4);
  const id = 'Module0_VP0-0_ECS_data_ST_1s310ms';
  const a = cli('analyse', dir, '--scan', id, '--mask', path.join(dir, 'Module0_VP0-0_Matrix_Mask.csv'), '--out', path.join(dir, 'velo-calib', id));
  assert.equal(a.status, 0, a.stderr);
  const collected = cli('collect', dir);
  assert.equal(collected.status, 0, collected.stderr);
  assert.match(collected.stdout, /1 analysed scans/);
  assert.ok(fs.existsSync(path.join(dir, 'campaign.csv')));
  const self = cli('compare', dir, dir, '--out', path.join(dir, 'cmp'));
  assert.equal(self.status, 0, self.stderr);
  assert.match(self.stdout, /No pixel changed status/);
  const none = cli('compare', dir, scratchDir('cli-empty'));
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no analysed scan \(run `velo-calib analyse/);
  assert.equal(cli('compare', dir).status, 2);
  assert.equal(cli('generate-module', dir, '--gain-factor', '1.2').status, 2);
});
