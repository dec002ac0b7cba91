// The generator's gain truth follows the scan's truth folder: two scans with baselines generated into one folder
// (each with its own truthDir) keep their own truth/gain.csv, consistent with their own pixels and baseline files.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { generateScan, readTruthPixels } from '../../src/engine/generate';
import { readTruthGain } from '../../src/engine/gain/generateBaseline';
import { range, readOutputMatrix, scratchDir } from './helpers';

test('generate --baseline: two scans in one folder, each truthDir holds that scan\'s gain truth', () => {
  const dir = scratchDir('baseline-truth');
  const scans = [
    { prefix: 'Module0_VP0-1_ECS_data_ST_', seed: 5, truthDir: path.join(dir, 'truth', 'VP0-1') },
    { prefix: 'Module0_VP0-2_ECS_data_ST_', seed: 6, truthDir: path.join(dir, 'truth', 'VP0-2') },
  ];
  const truths = scans.map(s => generateScan({ ...s, dir, thresholds: range(1320, 1600, 40), nacq: 1, rows: 8, cols: 8, formatVariants: false,
    baseline: { gainSpread: 0.1 } }));
  assert.ok(!fs.existsSync(path.join(dir, 'truth', 'gain.csv')), 'nothing written outside the scans\' truth folders');
  const gains = scans.map((s, i) => {
    const gain = readTruthGain(dir, s.truthDir), pixels = readTruthPixels(dir, s.truthDir);
    assert.equal(gain.length, 64);
    // this scan's truth: its edges are μ = baseline + p·target, its baseline file holds its written baselines
    for (let p = 0; p < 64; p++) assert.ok(Math.abs(gain[p].baseline + truths[i].polarity * gain[p].target - pixels[p].mu) < 1e-9, `${s.prefix} pixel ${p}`);
    const written = readOutputMatrix(path.join(dir, truths[i].gain!.baselineFile)).flat();
    assert.deepEqual(gain.map(g => g.baselineFile), written);
    return gain;
  });
  assert.notDeepEqual(gains[0].map(g => g.k), gains[1].map(g => g.k), 'two scans, two gain truths');
});
