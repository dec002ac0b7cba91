// results.h5: one scan's results in one HDF5 file for Python (h5py) and H5Web, written through h5wasm
// (HDF5 compiled to WebAssembly, no native library). Layout in the README's output contract.
import * as fs from 'fs';
import * as path from 'path';
import type * as H5 from 'h5wasm';
import { StagedOutput } from '../atomicFiles';
import { ScanFlux } from '../flux';
import { workerScript } from '../workerPool';
import {
  FIT_FLAG_NAMES, R_DEVIANCE, R_ERROR, R_FLAGS, R_NDF, R_SIGMA_UPPER, R_STATUS, R_THETA, ScanFitResult, STATUS_NAMES,
} from '../scanFits';
import { FIT_PARAMETERS } from '../scurveModel';
import { MAP_FILES, mapColumn, MapSource, StartedOutput } from './fitTables';
import { PixelMajorCounts } from './pixelCounts';
import { takeWorker } from './spareWorkers';

export const RESULTS_H5_FILE = 'results.h5';

type H5Module = typeof H5;
let loaded: Promise<H5Module> | undefined;

/** h5wasm is an ES module with top-level await: it cannot be require()d or bundled into CommonJS, so it is
 *  imported at run time from dist/h5wasm/ (copied there by the build) or from node_modules. */
export function loadH5wasm(): Promise<H5Module> {
  if (!loaded) {
    const candidates = [path.join(__dirname, 'h5wasm', 'hdf5_hl.js')];
    for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
      candidates.push(path.join(dir, 'node_modules', 'h5wasm', 'dist', 'node', 'hdf5_hl.js'));
    }
    const file = candidates.find(f => fs.existsSync(f));
    if (!file) return Promise.reject(new Error(`h5wasm not found (looked in ${candidates.slice(0, 2).join(', ')}, …)`));
    // A real dynamic import: TypeScript's CommonJS output would turn `import()` into require().
    const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<{ default: H5Module }>;
    loaded = importModule(new URL(`file://${file}`).href).then(async m => { await m.default.ready; return m.default; });
  }
  return loaded;
}

/** The pixel table (pixel_fits.csv) as columns; status and flags as codes, their names in attributes. */
function fitColumns(fits: H5Fits, column: (field: number) => Float64Array): Array<[string, Int32Array | Uint8Array | Float64Array]> {
  const { rows, cols } = fits.shape, n = rows * cols;
  const row = new Int32Array(n), col = new Int32Array(n);
  for (let p = 0; p < n; p++) { row[p] = Math.floor(p / cols); col[p] = p % cols; }
  const status = new Uint8Array(n), flags = new Int32Array(n);
  status.set(column(R_STATUS));
  flags.set(column(R_FLAGS));
  return [
    ['row', row],
    ['col', col],
    ['status', status],
    ...FIT_PARAMETERS.flatMap((name, k): Array<[string, Float64Array]> => [[name, column(R_THETA + k)], [`${name}_err`, column(R_ERROR + k)]]),
    ['chi2', column(R_DEVIANCE)],
    ['ndf', column(R_NDF)],
    ['flags', flags],
    ['sigma_upper', column(R_SIGMA_UPPER)],
  ];
}

/** The ASIC fit as in asic_fit.json. */
type AsicFitJson = { params: Record<string, number | null>; errors: Record<string, number | null>; [k: string]: unknown };
/** Further per-pixel quantities (e.g. target, gain and their errors): a map and a pixel-table column each. */
type ExtraQuantity = { name: string; values: Float64Array };
/** What the file is made of: the scan's flux and fits as far as the file needs them (all cloneable to a worker;
 *  the counts, results and maps in shared memory, not copied): the counts pixel-major, every map of the map files
 *  (one rows×cols map after another, in their order). */
type H5Flux = Pick<ScanFlux, 'shape' | 'thresholds'> & { pixelCounts: PixelMajorCounts; exposure: number[] };
type H5Fits = Pick<ScanFitResult, 'shape' | 'results'>;
export interface ResultsH5Input { flux: H5Flux; fits: H5Fits; maps: Float64Array; asicFit: AsicFitJson; extra: ExtraQuantity[] }

/** Writes results.h5 at `file` (h5wasm writes real files). */
export async function writeResultsH5(file: string, input: ResultsH5Input): Promise<void> {
  writeFile(await loadH5wasm(), file, input);
}

function writeFile(h5: H5Module, file: string, { flux, fits, maps: mapValues, asicFit, extra }: ResultsH5Input): void {
  const { rows, cols } = flux.shape, n = rows * cols, m = flux.thresholds.length;
  const f = new h5.File(file, 'w');
  try {
    f.create_attribute('rows', rows);
    f.create_attribute('cols', cols);
    f.create_attribute('pixel_index', 'row-major: pixel = row * cols + col');
    f.create_dataset({ name: 'counts', data: flux.pixelCounts, shape: [n, m] }).create_attribute('meaning', 'summed hits of the good acquisitions, [pixel][threshold]');
    f.create_dataset({ name: 'exposure_s', data: Float64Array.from(flux.exposure) });
    f.create_dataset({ name: 'thresholds', data: Float64Array.from(flux.thresholds) });
    const maps = f.create_group('maps');
    // a result field that is both a map and a pixel-table column is picked once (the maps are given)
    const picked = new Map<MapSource, Float64Array>(Object.values(MAP_FILES).map((source, k) => [source, mapValues.subarray(k * n, (k + 1) * n)]));
    const column = (source: MapSource) => {
      let values = picked.get(source);
      if (!values) picked.set(source, values = mapColumn(source, fits.results, n));
      return values;
    };
    for (const [fileName, source] of Object.entries(MAP_FILES)) {
      maps.create_dataset({ name: fileName.replace(/^map_|\.csv$/g, ''), data: column(source), shape: [rows, cols] });
    }
    for (const q of extra) maps.create_dataset({ name: q.name, data: q.values, shape: [rows, cols] });
    const table = f.create_group('fits');
    for (const [name, data] of [...fitColumns(fits, column), ...extra.map(q => [q.name, q.values] as const)]) {
      const dataset = table.create_dataset({ name, data });
      if (name === 'status') dataset.create_attribute('names', [...STATUS_NAMES]);
      if (name === 'flags') dataset.create_attribute('bit_names', [...FIT_FLAG_NAMES]);
    }
    for (const [k, v] of Object.entries(asicFit.params)) f.create_attribute(`asic_${k}`, v ?? NaN);
    for (const [k, v] of Object.entries(asicFit.errors)) f.create_attribute(`asic_${k}_err`, v ?? NaN);
    for (const k of ['model', 'polarity', 'chi2', 'ndf', 'p_value'] as const) {
      const v = asicFit[k];
      if (typeof v === 'string' || typeof v === 'number') f.create_attribute(`asic_${k}`, v);
      else if (v === null) f.create_attribute(`asic_${k}`, NaN);
    }
  } finally {
    f.close();
  }
}

/**
 * Starts adding results.h5 to a scan's staged outputs (published with them, atomically); finish() resolves when
 * it is there. With `inWorker` the file is built in a worker thread while the caller analyses and writes the other
 * outputs (`fits.results` lives in shared memory; the rest is copied once): at once, or, with `extraExpected`,
 * when finish() brings the extra quantities (h5wasm is loaded and compiled meanwhile).
 */
export function startResultsH5(staged: StagedOutput, flux: ScanFlux, pixelCounts: PixelMajorCounts, fits: ScanFitResult,
  maps: Float64Array, asicFit: AsicFitJson, inWorker: boolean, extraExpected: boolean): StartedOutput {
  // built under a name of its own in the (private) staging folder, renamed when complete: no copy of the file
  const partial = path.join(staged.dir, `.${RESULTS_H5_FILE}.partial`);
  const input: ResultsH5Input = {
    flux: { shape: flux.shape, thresholds: flux.thresholds, pixelCounts, exposure: flux.perThreshold.map(t => t.exposure) },
    fits: { shape: fits.shape, results: fits.results }, maps, asicFit, extra: [],
  };
  const published = async (written: Promise<void>) => {
    try {
      await written;
      fs.renameSync(partial, path.join(staged.dir, RESULTS_H5_FILE));
    } finally {
      fs.rmSync(partial, { force: true });
    }
  };
  if (!inWorker) return { finish: extra => published(writeResultsH5(partial, { ...input, extra })), dispose: async () => undefined };
  const job: ResultsH5Job = { file: partial, input, extraExpected };
  const worker = takeWorker(workerScript('resultsH5Worker'));
  worker.postMessage(job);
  const written = new Promise<void>((resolve, reject) => {
    let answered = false;
    worker.once('message', (error: string | null) => { answered = true; if (error) reject(new Error(`${RESULTS_H5_FILE}: ${error}`)); else resolve(); });
    worker.once('error', reject);
    worker.once('exit', code => { if (!answered) reject(new Error(`${RESULTS_H5_FILE}: worker exited with code ${code}`)); });
  });
  written.catch(() => undefined); // awaited in finish(); a failure before it must not be unhandled
  return {
    finish: async extra => {
      if (extraExpected) worker.postMessage(extra);
      else if (extra.length) throw new Error(`${RESULTS_H5_FILE}: extra quantities that were not expected`);
      await published(written);
    },
    dispose: async () => {
      await worker.terminate();
      fs.rmSync(partial, { force: true });
    },
  };
}

/** What resultsH5Worker is sent first; with `extraExpected` it then waits for the extra quantities (a message). */
export interface ResultsH5Job { file: string; input: ResultsH5Input; extraExpected: boolean }
