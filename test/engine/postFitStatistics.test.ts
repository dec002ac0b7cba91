// The statistics of the heterogeneity analysis as made faster (describe without copies, χ² decisions by critical
// value) against their straightforward forms: the same numbers and decisions, bit for bit.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { finiteMedian, medianAndSpread } from '../../src/contract/quantities';
import { chi2Survival, chi2SurvivalBelow, describe, OUTLIER_SPREADS } from '../../src/engine/statistics';
import { Random } from '../../src/engine/random';

test('χ² decisions by critical value equal chi2Survival(x, ndf) < p, also right at the critical value', () => {
  const random = new Random(7);
  for (const p of [0.001, 0.05]) {
    const below = chi2SurvivalBelow(p);
    for (const ndf of [1, 2, 3, 4, 7, 52]) {
      // the critical value by bisection on the straightforward form, then x on both sides of it down to the last bits
      let lo = 0, hi = 1000;
      for (let i = 0; i < 200; i++) { const mid = (lo + hi) / 2; if (chi2Survival(mid, ndf) < p) hi = mid; else lo = mid; }
      const xs = [0, -1, NaN, Infinity, lo, hi, lo * (1 - 1e-7), hi * (1 + 1e-7), lo * (1 - 1e-5), hi * (1 + 1e-5)];
      for (let i = 0; i < 2000; i++) xs.push(random.uniform() * 3 * hi, hi * (1 + (random.uniform() - 0.5) * 1e-5));
      let decided = 0;
      for (const x of xs) {
        assert.equal(below(x, ndf), chi2Survival(x, ndf) < p, `x ${x}, ndf ${ndf}, p ${p}`);
        if (below(x, ndf)) decided++;
      }
      assert.ok(decided > 100 && decided < xs.length - 100, `both decisions occur (${decided} of ${xs.length})`);
    }
  }
});

test('describe and the finite median equal their straightforward forms', () => {
  const random = new Random(9);
  for (const n of [0, 1, 2, 3, 10, 1001, 4096]) {
    const values = Float64Array.from({ length: n }, (_, i) => (i % 17 === 3 ? NaN : i % 29 === 5 ? Infinity : 100 + random.gaussian() * (i % 50 === 0 ? 40 : 3)));
    const v = Array.from(values).filter(Number.isFinite);
    const d = describe(values);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const { median, robustRms } = medianAndSpread(v);
    assert.equal(d.n, v.length);
    if (!v.length) { assert.ok(Number.isNaN(d.mean) && Number.isNaN(d.median)); continue; }
    assert.equal(d.mean, mean);
    assert.equal(d.rms, Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(v.length - 1, 1)));
    assert.equal(d.median, median);
    assert.equal(finiteMedian(values), median);
    assert.equal(d.robustRms, robustRms);
    const sorted = [...v].sort((a, b) => a - b);
    const middle = (sorted[(v.length - 1) >> 1] + sorted[v.length >> 1]) / 2;
    assert.ok(Math.abs(median - middle) <= 1e-12 * Math.abs(middle), `median ${median} vs ${middle}`);
    if (robustRms > 0) {
      assert.equal(d.outliers.above, v.filter(x => x > median + OUTLIER_SPREADS * robustRms).length);
      assert.equal(d.outliers.below, v.filter(x => x < median - OUTLIER_SPREADS * robustRms).length);
    }
  }
});
