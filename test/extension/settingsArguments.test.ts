// Settings → analysis request → CLI arguments → the CLI's own parser: the engine runs with what the settings say.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { analyseOptionsFromArgs, parseArgs } from '../../src/cli';
import { DEFAULT_OUTLIER_SIGMA, fingerprintSettings } from '../../src/contract/analysisSettings';
import { DEFAULT_ANALYSE_OPTIONS, resultSettings } from '../../src/engine/analyse';
import { cliArguments, requestFromSettings } from '../../src/extension/analysisArguments';

const folder = path.resolve('/data/module0');
const reader = (settings: Record<string, unknown>) => (key: string) => settings[key];
const roundTrip = (settings: Record<string, unknown>, scan?: string) => {
  const request = requestFromSettings(folder, reader(settings), scan);
  return { request, parsed: analyseOptionsFromArgs(parseArgs(cliArguments(request))) };
};

test('default settings give the CLI defaults (workers unset: one per core)', () => {
  const { parsed } = roundTrip({ workers: null, outputFolder: '', maskFile: '', fitRange: '', exclude: [] });
  assert.deepEqual(parsed, { ...DEFAULT_ANALYSE_OPTIONS, folder, out: undefined, mask: undefined, workers: undefined, fitRange: undefined, scan: undefined,
    baseline: undefined, baselineWidth: undefined, waitMs: undefined,
    outlierSigma: DEFAULT_OUTLIER_SIGMA, exclude: [] });
});

test('every setting reaches the engine: paths relative to the data folder, fit range, model, cuts, workers, scan', () => {
  const { request, parsed } = roundTrip({ outputFolder: 'results', maskFile: '../masks/m.csv', badCut: 3.5, badColumns: 8, cutBad: false,
    model: 'kbeta', fitRange: ' 1350:1550.5 ', workers: 3, outlierSigma: 0, exclude: ['1440:3', '1500:0'] }, 'Module0_VP0-1_ST_1s');
  assert.equal(parsed.out, path.join(folder, 'results'));
  assert.equal(parsed.mask, path.resolve(folder, '../masks/m.csv'));
  assert.deepEqual([parsed.badCut, parsed.badColumns, parsed.cutBad, parsed.model], [3.5, 8, false, 'kbeta']);
  assert.deepEqual(parsed.fitRange, [1350, 1550.5]);
  assert.equal(parsed.workers, 3);
  assert.equal(parsed.scan, 'Module0_VP0-1_ST_1s');
  assert.equal(parsed.outlierSigma, 0);
  assert.deepEqual(parsed.exclude, [[1440, 3], [1500, 0]]);
  assert.deepEqual(roundTrip({ exclude: '1440:3, 1500:0' }).parsed.exclude, [[1440, 3], [1500, 0]], 'the string form too');
  // The fingerprint the extension compares with equals the one the engine writes for the same options.
  assert.deepEqual(fingerprintSettings(request), resultSettings(parsed));
});

test('workers 0 means the same in the setting and the CLI: no worker threads', () => {
  assert.equal(roundTrip({ workers: 0 }).parsed.workers, 0);
  assert.equal(roundTrip({ workers: -2 }).parsed.workers, undefined, 'an invalid value falls back to one per core');
});

test('a malformed fit range or wrong-typed value falls back to the default instead of a broken command line', () => {
  const { parsed } = roundTrip({ fitRange: '1350-1550', badCut: 'x', cutBad: 'no', exclude: ['1440-3'] });
  assert.deepEqual(parsed.exclude, []);
  assert.equal(parsed.fitRange, undefined);
  assert.equal(parsed.badCut, DEFAULT_ANALYSE_OPTIONS.badCut);
  assert.equal(parsed.cutBad, true);
});
