// The fit tables written once per number, by row ranges in worker threads (report/fitTables.ts), against the
// straightforward writer (one String() per cell, one file at a time): byte for byte, inline and in workers, with
// and without extra (gain) columns, on awkward numbers and on a generated scan.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { StagedOutput } from '../../src/engine/atomicFiles';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { matrixToCsv } from '../../src/engine/csvFormat';
import { flagNames, MAP_FILES, PIXEL_FITS_HEADER, startFitTables } from '../../src/engine/report/fitTables';
import { FIT_FLAG_NAMES, R_DEVIANCE, R_ERROR, R_FLAGS, R_NDF, R_SIGMA_UPPER, R_STATUS, R_THETA, RESULT_FIELDS, STATUS_NAMES } from '../../src/engine/scanFits';
import { N_PARAMS } from '../../src/engine/scurveModel';
import { Random } from '../../src/engine/random';
import { generated, range, scratchDir } from './helpers';

const quiet = () => undefined;

/** The straightforward writer: every table on its own, every cell through String(), rows joined. */
function referenceTables(r: Float64Array, rows: number, cols: number, extra: Array<{ name: string; values: Float64Array }>): Map<string, string> {
  const csv = (v: number) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v));
  const out = new Map<string, string>();
  const n = rows * cols;
  for (const [file, source] of Object.entries(MAP_FILES)) {
    const values = Float64Array.from({ length: n }, (_, p) => (typeof source === 'number' ? r[p * RESULT_FIELDS + source] : source(r, p * RESULT_FIELDS)));
    out.set(file, matrixToCsv(values, rows, cols));
  }
  const lines = [[PIXEL_FITS_HEADER, ...extra.map(q => q.name)].join(',')];
  for (let p = 0; p < n; p++) {
    const o = p * RESULT_FIELDS;
    const cells = [String(Math.floor(p / cols)), String(p % cols), STATUS_NAMES[r[o + R_STATUS]]];
    for (let k = 0; k < N_PARAMS; k++) cells.push(csv(r[o + R_THETA + k]), csv(r[o + R_ERROR + k]));
    cells.push(csv(r[o + R_DEVIANCE]), csv(r[o + R_NDF]), flagNames(r[o + R_FLAGS]), csv(r[o + R_SIGMA_UPPER]));
    for (const q of extra) cells.push(csv(q.values[p]));
    lines.push(cells.join(','));
  }
  out.set('pixel_fits.csv', lines.join('\n') + '\n');
  for (const q of extra) out.set(`map_${q.name}.csv`, matrixToCsv(q.values, rows, cols));
  return out;
}

/** Results with every kind of number a fit can leave: NaN, ±inf, −0, tiny and huge exponents, integers. */
function awkwardResults(rows: number, cols: number, seed: number): Float64Array {
  const rng = new Random(seed), random = () => rng.uniform();
  const special = [NaN, Infinity, -Infinity, -0, 0, 1e-300, -4.9e-324, 1.7976931348623157e308, 1e21, 1e-7, 123456789012345680000, 0.1 + 0.2];
  const r = new Float64Array(new SharedArrayBuffer(rows * cols * RESULT_FIELDS * 8));
  for (let p = 0; p < rows * cols; p++) {
    for (let f = 0; f < RESULT_FIELDS; f++) {
      const u = random();
      r[p * RESULT_FIELDS + f] = u < 0.2 ? special[Math.floor(random() * special.length)] : (random() - 0.3) * 10 ** Math.floor(random() * 12 - 4);
    }
    r[p * RESULT_FIELDS + R_STATUS] = Math.floor(random() * STATUS_NAMES.length);
    r[p * RESULT_FIELDS + R_FLAGS] = Math.floor(random() * 2 ** FIT_FLAG_NAMES.length);
    r[p * RESULT_FIELDS + R_NDF] = Math.floor(random() * 60);
  }
  return r;
}

const readTables = (dir: string, names: Iterable<string>) => new Map([...names].map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));

test('fit tables, formatted once by row ranges: byte-identical to the straightforward writer, inline and in 1 or 2 workers, with and without extra columns', async () => {
  const rows = 7, cols = 5; // odd: the two workers' row ranges differ in size
  const results = awkwardResults(rows, cols, 3);
  const extra = [{ name: 'target', values: Float64Array.from({ length: rows * cols }, (_, p) => (p % 4 ? p * 1.1 - 3 : NaN)) }, { name: 'gain', values: new Float64Array(rows * cols).fill(0.25) }];
  for (const withExtra of [false, true]) {
    const expected = referenceTables(results, rows, cols, withExtra ? extra : []);
    for (const workers of [0, 1, 2]) {
      const staged = new StagedOutput(path.join(scratchDir('fit-tables'), 'out'));
      const tables = startFitTables(staged, results, { rows, cols }, workers, withExtra);
      try {
        await tables.finish(withExtra ? extra : []);
      } finally {
        await tables.dispose();
      }
      assert.deepEqual(fs.readdirSync(staged.dir).sort(), [...expected.keys()].sort(), `files, ${workers} workers, extra ${withExtra}`);
      for (const [file, text] of readTables(staged.dir, expected.keys())) assert.equal(text, expected.get(file), `${file}, ${workers} workers, extra ${withExtra}`);
    }
  }
});

test('fit tables of a generated scan with a gain baseline: the same bytes from two workers as inline, and as the straightforward writer from pixel_maps.f64', async () => {
  const scan = generated('fit-tables-scan', { thresholds: range(1320, 1600, 10), nacq: 20, seed: 5, rows: 32, cols: 48, formatVariants: false, baseline: {} });
  const [inWorkers] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 2, out: path.join(scan.dir, 'w2') }, quiet);
  const [inline] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 0, out: path.join(scan.dir, 'w0') }, quiet);
  const tables = fs.readdirSync(inline).filter(f => f === 'pixel_fits.csv' || f.startsWith('map_'));
  assert.ok(tables.includes('map_gain.csv') && tables.includes('map_mu.csv'), tables.join(' '));
  assert.deepEqual(readTables(inWorkers, tables), readTables(inline, tables));
  // every map CSV is the text of the same map in pixel_maps.f64 (written apart, from the numbers)
  const summary = JSON.parse(fs.readFileSync(path.join(inline, 'summary.json'), 'utf8'));
  const buffer = fs.readFileSync(path.join(inline, 'pixel_maps.f64'));
  const all = new Float64Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 8), n = 32 * 48;
  (summary.fit.pixel_maps.maps as string[]).forEach((name, m) =>
    assert.equal(fs.readFileSync(path.join(inline, `map_${name}.csv`), 'utf8'), matrixToCsv(all.subarray(m * n, (m + 1) * n), 32, 48), name));
});

test('a fit-table worker that cannot write fails the tables (no worker left waiting for its part)', async () => {
  const rows = 6, cols = 4;
  const results = awkwardResults(rows, cols, 4);
  for (const withExtra of [false, true]) {
    const staged = new StagedOutput(path.join(scratchDir('fit-tables-fail'), 'out'));
    fs.rmSync(staged.dir, { recursive: true }); // the files cannot be created
    const tables = startFitTables(staged, results, { rows, cols }, 2, withExtra);
    try {
      await assert.rejects(tables.finish([]), /ENOENT/);
    } finally {
      await tables.dispose();
    }
  }
});
