// Every model fits as well as scurve: each on data generated from itself, at 10 and 100 acquisitions, and the
// ASIC curve of a scan without dispersion (exactly one curve of the model) fitted to deviance/ndf ≈ 1.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyseFolder, DEFAULT_ANALYSE_OPTIONS } from '../../src/engine/analyse';
import { generateScan, readTruthPixels } from '../../src/engine/generate';
import { ModelName, MODEL_NAMES } from '../../src/engine/scurveModel';
import { folderHashes, generated, pullStats, range, readPixelFits, scratchDir } from './helpers';

const SIZE = 32;
const THRESHOLDS = range(1320, 1600, 5);

async function analyse(dir: string, model: ModelName) {
  const [out] = await analyseFolder({ ...DEFAULT_ANALYSE_OPTIONS, folder: dir, model, workers: 2, out: path.join(dir, `out-${model}`) }, () => undefined);
  return { out, asic: JSON.parse(fs.readFileSync(path.join(out, 'asic_fit.json'), 'utf8')), ...readPixelFits(path.join(out, 'pixel_fits.csv')) };
}

for (const model of MODEL_NAMES) {
  for (const nacq of [10, 100]) {
    test(`${model} on its own data, ${nacq} acquisitions: good pixels ok, edge-position pulls`, async t0 => {
      const scan = generated(`model-${model}-${nacq}`, { thresholds: THRESHOLDS, nacq, seed: 40 + nacq, rows: SIZE, cols: SIZE, model, formatVariants: false });
      const { rows, asic } = await analyse(scan.dir, model);
      assert.equal(asic.model, model);
      const good = readTruthPixels(scan.dir).filter(t => t.kind === 'good' && !t.masked);
      const ok = good.filter(t => rows[t.row * SIZE + t.col].status === 'ok');
      assert.ok(ok.length >= 0.99 * good.length, `${model}: ${ok.length}/${good.length} truly good pixels ok`);
      const s = pullStats(ok.map(t => { const r = rows[t.row * SIZE + t.col]; return ((r.mu as number) - t.mu) / (r.mu_err as number); }));
      assert.ok(Math.abs(s.mean) < 0.15 && s.rms > 0.8 && s.rms < 1.25, `${model} μ pulls mean ${s.mean} rms ${s.rms}`);
      t0.diagnostic(`${model} ${nacq}: ok ${ok.length}/${good.length}, μ pulls ${s.mean.toFixed(3)}/${s.rms.toFixed(3)}`);
    });
  }
  test(`${model}: the ASIC curve of a scan without dispersion is one curve of the model`, async t0 => {
    const scan = generated(`nodisp-${model}`, { thresholds: THRESHOLDS, nacq: 10, seed: 7, rows: SIZE, cols: SIZE, model, dispersion: false, formatVariants: false });
    const { asic } = await analyse(scan.dir, model);
    assert.ok(asic.converged);
    assert.ok(asic.chi2 / asic.ndf < 2, `${model}: ASIC deviance/ndf ${asic.chi2 / asic.ndf}`);
    assert.ok(Math.abs(asic.params.mu - scan.truth.params.mu0) < 1, `${model}: ASIC μ ${asic.params.mu} vs ${scan.truth.params.mu0}`);
    t0.diagnostic(`${model}: ASIC deviance/ndf ${(asic.chi2 / asic.ndf).toFixed(3)}, μ ${asic.params.mu.toFixed(2)} (truth ${scan.truth.params.mu0})`);
  });
}

test('on scurve data the seed model finds the same ASIC edge (within 1 DAC) and reports the thesis parameters', async () => {
  const scan = generated('seed-on-scurve', { thresholds: THRESHOLDS, nacq: 10, seed: 3, rows: SIZE, cols: SIZE, formatVariants: false });
  const scurve = await analyse(scan.dir, 'scurve'), seed = await analyse(scan.dir, 'seed');
  assert.ok(Math.abs(seed.asic.params.mu - scurve.asic.params.mu) < 1, `seed ${seed.asic.params.mu} vs scurve ${scurve.asic.params.mu}`);
  assert.ok(seed.asic.chi2 / seed.asic.ndf < 2, `seed ASIC deviance/ndf ${seed.asic.chi2 / seed.asic.ndf}`);
  const tp = seed.asic.thesis_params;
  assert.ok(tp.f > 0 && tp.f < 1 && tp.A > 0 && tp.E0 === seed.asic.params.mu, JSON.stringify(tp));
});

test('generator: the default output is unchanged by the model options', () => {
  const base = { thresholds: range(1320, 1400, 20), nacq: 2, seed: 11, rows: 8, cols: 8 };
  const a = scratchDir('gen-default'), b = scratchDir('gen-scurve');
  generateScan({ ...base, dir: a });
  generateScan({ ...base, dir: b, model: 'scurve', dispersion: true });
  assert.deepEqual([...folderHashes(a).values()].map(h => h.split(':')[0]), [...folderHashes(b).values()].map(h => h.split(':')[0]));
  assert.deepEqual(fs.readFileSync(path.join(a, 'truth', 'truth.json'), 'utf8'), fs.readFileSync(path.join(b, 'truth', 'truth.json'), 'utf8'));
  const c = scratchDir('gen-nodisp');
  generateScan({ ...base, dir: c, dispersion: false });
  const flat = readTruthPixels(c);
  assert.equal(new Set(flat.map(t => t.mu)).size, 1);
  assert.equal(new Set(flat.map(t => t.sigma)).size, 1);
});
