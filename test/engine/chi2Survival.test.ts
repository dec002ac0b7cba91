// The fit kernel's χ² p-value (closed form for a whole number of degrees of freedom, src/engine/wasm/fitKernel.ts)
// against statistics.ts chi2Survival (@stdlib's regularised incomplete gamma, the reference): relative agreement to
// 1e-12 for every ndf a scan can give (1 … 400) from x ≈ 0 to p = 1e-100; further in the tail (e^−x/2 underflowing),
// where @stdlib itself loses digits at large ndf (1e-3 at ndf 396, p = 1e-212), against values computed to 40 digits
// (mpmath's gammainc, regularised upper). Same special values as the reference.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { WasmFitKernel } from '../../src/engine/fit/wasmFitKernel';
import { Random } from '../../src/engine/random';
import { chi2Survival } from '../../src/engine/statistics';

const TOLERANCE = 1e-12;
/** Below this the reference is compared with exact values instead. */
const REFERENCE_DOWN_TO = 1e-100;
const kernel = WasmFitKernel.create(1);

/** [x, ndf, P(χ²_ndf ≥ x)]: mpmath.gammainc(ndf/2, x/2, inf, regularized=True) at 40 digits (the nearest double). */
const EXACT: Array<[number, number, number]> = [
  [575.4399373370267, 303, 3.908076623974507e-19],
  [2002.5607939201766, 396, 2.2573576215984767e-212],
  [1402, 396, 2.0353072784096408e-112],
  [1402, 52, 3.3699277683454935e-259],
  [1400, 3, 2.945619361016309e-303],
  [1600, 101, 4.597967681226635e-268],
  [0.01, 1, 0.920344325445942],
  [52, 52, 0.47391523585161643],
  [100, 52, 7.160717367035343e-05],
  [0.5, 2, 0.7788007830714049],
];

test('the kernel\'s χ² survival equals the reference to 1e-12 for ndf 1 … 400, x from 1e-6 to p = 1e-100', () => {
  assert.ok(kernel, 'dist/fitKernel.wasm missing: run npm run build');
  const rng = new Random(5);
  let worst = { ndf: 0, x: 0, relative: 0 }, compared = 0;
  for (let ndf = 1; ndf <= 400; ndf++) {
    // a log grid over the whole range, a dense grid about the bulk (ndf ± 10√(2ndf)), random points
    const xs: number[] = [];
    for (let e = -6; e <= 3.5; e += 0.05) xs.push(10 ** e);
    const spread = 10 * Math.sqrt(2 * ndf);
    for (let k = -50; k <= 50; k++) xs.push(Math.max(1e-3, ndf + (k / 50) * spread));
    for (let k = 0; k < 40; k++) xs.push(rng.uniform() * (3 * ndf + 1500));
    xs.push(1398, 1400, 1402, 2 * ndf + 1400); // about y = 700, where the kernel changes method
    for (const x of xs) {
      const a = kernel!.chi2Survival(x, ndf), b = chi2Survival(x, ndf);
      if (!(b >= REFERENCE_DOWN_TO)) continue;
      const relative = Math.abs(a - b) / b;
      compared++;
      if (!(relative <= worst.relative)) worst = { ndf, x, relative };
    }
  }
  assert.ok(worst.relative <= TOLERANCE, `worst ${worst.relative} at ndf ${worst.ndf}, x ${worst.x} (${compared} compared)`);
});

test('the kernel\'s χ² survival equals exact values to 1e-12, in the bulk and far in the tail (both of its methods)', () => {
  for (const [x, ndf, exact] of EXACT) {
    const p = kernel!.chi2Survival(x, ndf);
    assert.ok(Math.abs(p - exact) <= TOLERANCE * exact, `ndf ${ndf}, x ${x}: ${p}, exact ${exact}`);
  }
});

test('the kernel\'s χ² survival: 1 at x ≤ 0, NaN without degrees of freedom or for a non-finite x, decreasing in x', () => {
  for (const ndf of [1, 2, 3, 52]) {
    assert.equal(kernel!.chi2Survival(0, ndf), 1);
    assert.equal(kernel!.chi2Survival(-3, ndf), 1);
    assert.ok(Number.isNaN(kernel!.chi2Survival(NaN, ndf)));
    assert.ok(Number.isNaN(kernel!.chi2Survival(Infinity, ndf)));
    let last = 1;
    for (let x = 0.01; x < 3000; x *= 1.01) {
      const p = kernel!.chi2Survival(x, ndf);
      // decreasing but for the last bits (near 1, e^−y·Σ rounds either way by a few ulps), never above 1
      assert.ok(p <= last * (1 + 1e-15) && p >= 0 && p <= 1, `ndf ${ndf}: ${p} at ${x} after ${last}`);
      last = p;
    }
  }
  for (const ndf of [0, -1]) assert.ok(Number.isNaN(kernel!.chi2Survival(5, ndf)));
});
