// The extension's reader of an output folder, against the files the real engine wrote: maps, flux from the binary
// counts, one pixel's fit and curve, stored-result discovery, and the newer summary / pixel_fits.csv forms.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_RESULT_SETTINGS } from '../../src/contract/analysisSettings';
import { PIXEL_FITS_FILE, pixelFluxFileName, SUMMARY_FILE } from '../../src/contract/outputFiles';
import { AnalysisSummary, skippedAcquisitions, skippedText } from '../../src/contract/summary';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { AnalysisOutput } from '../../src/extension/analysisOutput';
import { scanStates } from '../../src/extension/analysisResults';
import { generated, range, readOutputMatrix, scratchDir } from '../engine/helpers';

const scan = generated('reader', { thresholds: range(1320, 1600, 20), nacq: 4, seed: 7, rows: 16, cols: 16, formatVariants: false });
const analysed = analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: scan.dir, workers: 0 }, () => undefined).then(([dir]) => dir);
const flat = (m: number[][]) => m.flat();

test('maps, flux and one pixel read back exactly what the engine wrote (through a symlinked folder too)', async () => {
  const real = await analysed;
  const link = path.join(scratchDir('reader-link'), 'result');
  fs.symlinkSync(real, link);
  for (const dir of [real, link]) {
    const out = new AnalysisOutput(dir), s = out.summary;
    assert.deepEqual(Array.from(out.map('mu')!), flat(readOutputMatrix(path.join(dir, 'map_mu.csv'))));
    const thr = s.thresholds[3];
    const fluxCsv = flat(readOutputMatrix(path.join(dir, pixelFluxFileName(s.scan.id, thr, 'flux'))));
    assert.deepEqual(Array.from(out.fluxMap(thr).values), fluxCsv);
    const curve = out.pixelCurve(5, 9);
    assert.equal(curve.counts[3] / curve.exposure[3], fluxCsv[5 * 16 + 9]);
    const line = fs.readFileSync(path.join(dir, PIXEL_FITS_FILE), 'utf8').split('\n')[1 + 5 * 16 + 9].split(',');
    const fit = out.pixelFit(5, 9)!;
    assert.equal(fit.status, line[2]);
    assert.equal(fit.values.mu, Number(line[3]));
    assert.equal(curve.fit?.curve.params[0], Number(line[3]));
    assert.throws(() => out.pixelCurve(16, 0), /outside the 16×16 matrix/);
  }
});

test('scanStates finds the stored result, up to date for the same settings, stale for others', async () => {
  const dir = await analysed;
  const request = { ...DEFAULT_RESULT_SETTINGS, folder: scan.dir };
  const [state] = scanStates(request);
  assert.equal(state.result?.outputDir, dir);
  assert.equal(state.result?.upToDate, true);
  assert.equal(scanStates({ ...request, badCut: 3 })[0].result?.upToDate, false);
});

test('newer forms: bad acquisitions with reasons and excluded ones; fit flags and the σ upper-limit map as the engine writes them', async () => {
  const dir = scratchDir('reader-new');
  fs.cpSync(fs.realpathSync(await analysed), dir, { recursive: true }); // the run folder the output link shows
  const summary = JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_FILE), 'utf8')) as AnalysisSummary;
  assert.ok(summary.bad_acquisitions.length > 0, 'the generator makes bad acquisitions');
  summary.bad_acquisitions = [[1320, 0, 'empty'], [1340, 1]];
  summary.excluded_acquisitions = [[1360, 2]];
  fs.writeFileSync(path.join(dir, SUMMARY_FILE), JSON.stringify(summary));
  const out = new AnalysisOutput(dir);
  assert.deepEqual(skippedAcquisitions(out.summary), [
    { threshold: 1320, acquisition: 0, reason: 'empty' }, { threshold: 1340, acquisition: 1, reason: 'noisy-last-columns' },
    { threshold: 1360, acquisition: 2, reason: 'excluded' }]);
  assert.equal(skippedText([out.summary]), `${out.summary.acquisitions.bad} bad acquisitions skipped`);

  // Every pixel's flags and σ upper limit read back as pixel_fits.csv has them, and the map agrees.
  const [header, ...lines] = fs.readFileSync(path.join(dir, PIXEL_FITS_FILE), 'utf8').trim().split('\n');
  const column = (name: string) => header.split(',').indexOf(name);
  const flagsAt = column('flags'), upperAt = column('sigma_upper');
  if (flagsAt < 0 || upperAt < 0) return; // results of an engine without these columns: nothing more to compare
  const upperMap = out.map('sigma_upper');
  lines.forEach((line, p) => {
    const cells = line.split(','), fit = out.pixelFit(Math.floor(p / 16), p % 16)!;
    assert.deepEqual(fit.flags, cells[flagsAt].split(';').filter(Boolean));
    const upper = cells[upperAt] === 'nan' ? NaN : Number(cells[upperAt]);
    assert.ok(Object.is(fit.values.sigma_upper ?? NaN, upper) || fit.values.sigma_upper === upper);
    if (upperMap) assert.ok(Number.isNaN(upper) ? Number.isNaN(upperMap[p]) : upperMap[p] === upper, `σ upper map at pixel ${p}`);
  });
});
