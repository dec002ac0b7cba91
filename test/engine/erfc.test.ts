// The fit kernel's erfc, in TypeScript and in the WebAssembly kernel, against @stdlib's (the reference it replaced):
// relative agreement to 1e-14 over every argument the models can produce (|z| up to 6·(m − 1) at σ's lower bound),
// on a dense grid and random points.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import erfcReference from '@stdlib/math-base-special-erfc';
import { erfc } from '../../src/engine/fit/erfc';
import { WasmFitKernel } from '../../src/engine/fit/wasmFitKernel';
import { Random } from '../../src/engine/random';

const TOLERANCE = 1e-14;
/** Below the smallest normal double the reference itself has no relative precision left. */
const MIN_NORMAL = 2.2250738585072014e-308;

const kernel = WasmFitKernel.create(1);
const IMPLEMENTATIONS: [string, (x: number) => number][] = [['TypeScript', x => erfc(x)], ['WebAssembly', x => kernel!.erfc(x)]];

test('the WebAssembly fit kernel is built (dist/fitKernel.wasm)', () => {
  assert.ok(kernel, 'dist/fitKernel.wasm missing: run npm run build');
});

function worst(xs: Iterable<number>, f: (x: number) => number): { x: number; relative: number; count: number } {
  let out = { x: NaN, relative: 0, count: 0 };
  for (const x of xs) {
    const a = f(x), b = erfcReference(x);
    out.count++;
    const relative = Math.abs(b) >= MIN_NORMAL ? Math.abs(a - b) / Math.abs(b) : Math.abs(a - b) / MIN_NORMAL;
    if (!(relative <= out.relative)) out = { x, relative, count: out.count };
  }
  return out;
}

test('erfc also gives exp(−x²), the derivative factor, to the precision of Math.exp(−x·x), and the same erfc', () => {
  const gaussian = new Float64Array(1);
  let worstRelative = 0, at = NaN;
  for (const x of grid(-40, 40, 1e-4)) {
    assert.equal(erfc(x, gaussian), erfc(x));
    const reference = Math.exp(-x * x);
    if (reference < MIN_NORMAL) { assert.ok(gaussian[0] < 1e-300, `exp(−x²) at ${x}: ${gaussian[0]}`); continue; }
    // Math.exp(−x·x) itself carries the rounding of x·x, a relative x²·2⁻⁵³
    const relative = Math.abs(gaussian[0] - reference) / reference / ((x * x + 4) * 2 ** -53);
    if (relative > worstRelative) { worstRelative = relative; at = x; }
  }
  assert.ok(worstRelative <= 1, `exp(−x²) off by ${worstRelative} of its tolerance at x = ${at}`);
});

function* grid(from: number, to: number, step: number) {
  for (let i = 0, x = from; x <= to; x = from + ++i * step) yield x;
}

for (const [name, f] of IMPLEMENTATIONS) {
  test(`${name} erfc equals @stdlib erfc to 1e-14 relative on a dense grid over [−40, 40] and out to ±400`, () => {
    // 1e-4 steps cross every branch boundary of the method (0.84375, 1.25, 1/0.35, 6, 28) many times
    const dense = worst(grid(-40, 40, 1e-4), f);
    assert.ok(dense.count > 800_000);
    assert.ok(dense.relative <= TOLERANCE, `worst relative difference ${dense.relative} at x = ${dense.x}`);
    const wide = worst(grid(-400, 400, 0.01), f);
    assert.ok(wide.relative <= TOLERANCE, `worst relative difference ${wide.relative} at x = ${wide.x}`);
  });

  test(`${name} erfc equals @stdlib erfc to 1e-14 relative at random points, at the branch edges and special values`, () => {
    const rng = new Random(2026);
    const random = function* () {
      for (let i = 0; i < 500_000; i++) yield (rng.uniform() - 0.5) * 64; // uniform over the working range
      for (let i = 0; i < 200_000; i++) yield (rng.uniform() < 0.5 ? -1 : 1) * Math.exp(rng.uniform() * 50 - 44); // log-uniform 1e-19…400
    };
    const r = worst(random(), f);
    assert.ok(r.relative <= TOLERANCE, `worst relative difference ${r.relative} at x = ${r.x}`);
    const edges = [0, 1e-300, 1.3877787807814457e-17, 0.25, 0.84375, 1.25, 1 / 0.35, 6, 26.5, 27.2, 28];
    const near = edges.flatMap(e => [-1, 1].flatMap(s => [e, e * (1 + 2 ** -52), e * (1 - 2 ** -52), e + 1e-9, e - 1e-9].map(x => s * x)));
    const e = worst(near, f);
    assert.ok(e.relative <= TOLERANCE, `worst relative difference ${e.relative} at x = ${e.x}`);
    assert.equal(f(Infinity), 0);
    assert.equal(f(-Infinity), 2);
    assert.equal(f(0), 1);
    assert.ok(Number.isNaN(f(NaN)));
  });
}
