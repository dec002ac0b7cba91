// The WebAssembly fit kernel (src/engine/wasm/fitKernel.ts) against the TypeScript models (the reference): ν, the
// Jacobian and second derivatives, the deviance, gradient, Fisher matrix and observed Hessian agree to 1e-12 for every
// model and polarity at random curves; and the kernel's fits end where the TypeScript model says the optimum is.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { WasmFitKernel } from '../../src/engine/fit/wasmFitKernel';
import { PoissonCurveFitter } from '../../src/engine/poissonFit';
import { Random } from '../../src/engine/random';
import { fitBounds } from '../../src/engine/scanFits';
import { makeModel, MODEL_NAMES, N_PARAMS, N_SECOND } from '../../src/engine/scurveModel';

const M = 57;
const thresholds = Float64Array.from({ length: M }, (_, j) => 1300 + 5 * j);

/** Equal, or |a − b| within tol of the scale (the largest finite |value| of the quantity compared). */
function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, n: number, tol: number, what: string) {
  let scale = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(b[i])) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < n; i++) {
    if (Object.is(a[i], b[i])) continue;
    assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${what}[${i}]: kernel ${a[i]}, TypeScript ${b[i]} (scale ${scale})`);
  }
}

function randomCurve(rng: Random, polarity: 1 | -1) {
  const theta = new Float64Array(N_PARAMS);
  theta[0] = 1350 + rng.uniform() * 150;
  theta[1] = rng.uniform() < 0.2 ? 0.3 + rng.uniform() : 2 + rng.uniform() * 25;
  theta[2] = rng.uniform() * 400;
  theta[3] = (rng.uniform() - 0.5) * 4;
  theta[4] = rng.uniform() < 0.3 ? 0 : rng.uniform() < 0.5 ? 1e-9 : rng.uniform() * 5;
  const exposure = Float64Array.from({ length: M }, () => rng.uniform() < 0.05 ? 0 : 50 + rng.uniform() * 80);
  return { theta, exposure, polarity };
}

test('the kernel\'s ν, derivatives, deviance and curvature equal the TypeScript models\' for every model', () => {
  const kernel = WasmFitKernel.create(M);
  assert.ok(kernel, 'dist/fitKernel.wasm missing: run npm run build');
  const rng = new Random(12);
  const nu = new Float64Array(M), jac = new Float64Array(M * N_PARAMS), second = new Float64Array(M * N_SECOND);
  let compared = 0, skipped = 0;
  for (const name of MODEL_NAMES) {
    for (const polarity of [1, -1] as const) {
      const model = makeModel(name, polarity);
      for (let trial = 0; trial < 200; trial++) {
        const { theta, exposure } = randomCurve(rng, polarity);
        model.evaluateCurve(thresholds, exposure, M, theta, nu, jac, second);
        // counts about ν, off by up to ±30 % (the curvature's residual terms then matter), some of them 0
        const n = Float64Array.from(nu, v => v > 0 ? rng.poisson(v * (0.7 + 0.6 * rng.uniform())) : 0);
        kernel.load(model, thresholds, exposure, n, M);
        kernel.evaluate(theta, M, true);
        const what = `${name} p=${polarity} θ=${Array.from(theta).join(',')}`;
        assertClose(kernel.nu, nu, M, 1e-13, `${what} ν`);
        for (let k = 0; k < N_PARAMS; k++) {
          const column = (a: Float64Array) => Float64Array.from({ length: M }, (_, j) => a[j * N_PARAMS + k]);
          assertClose(column(kernel.jac), column(jac), M, 1e-12, `${what} ∂ν/∂θ${k}`);
        }
        // the deviance, gradient and curvature as poissonFit.ts computes them from ν and its derivatives
        let deviance = 0;
        const g = new Float64Array(N_PARAMS), h = new Float64Array(25), o = new Float64Array(25);
        for (let j = 0; j < M; j++) {
          const v = nu[j];
          if (v > 0) deviance += 2 * (v - n[j] + (n[j] > 0 ? n[j] * Math.log(n[j] / v) : 0));
          else if (!(v === 0 && n[j] === 0)) deviance = Infinity;
          const w = v > 1e-12 ? 1 / v : v > 0 ? 1e12 : 0, ratio = v > 0 ? n[j] / v : 0;
          for (let a = 0; a < N_PARAMS; a++) {
            g[a] += (1 - ratio) * jac[j * N_PARAMS + a];
            for (let b = 0; b < N_PARAMS; b++) {
              h[a * 5 + b] += w * jac[j * N_PARAMS + a] * jac[j * N_PARAMS + b];
              o[a * 5 + b] += ratio * w * jac[j * N_PARAMS + a] * jac[j * N_PARAMS + b];
            }
          }
          const pairs = [[0, 0], [0, 1], [1, 1], [0, 2], [1, 2], [0, 3], [1, 3]];
          pairs.forEach(([a, b], q) => {
            o[a * 5 + b] += (1 - ratio) * second[j * N_SECOND + q];
            if (a !== b) o[b * 5 + a] += (1 - ratio) * second[j * N_SECOND + q];
          });
        }
        const kd = kernel.deviance(M);
        assert.ok(kd === deviance || Math.abs(kd - deviance) <= 1e-12 * Math.max(1, deviance), `${what} deviance ${kd} vs ${deviance}`);
        // Beyond this, ν is negative somewhere (a negative slope term) or some point with counts expects next to none (ν near or below the smallest normal number, where
        // the two exponentials may differ by a subnormal and n/ν overflows in one of them): no fit ever stays there.
        if (!(deviance < 1e12)) { skipped++; continue; }
        kernel.curvature(M, true);
        assertClose(kernel.second, second, M * N_SECOND, 1e-12, `${what} ∂²ν`);
        assertClose(kernel.g, g, N_PARAMS, 1e-11, `${what} gradient`);
        assertClose(kernel.h, h, 25, 1e-11, `${what} Fisher`);
        assertClose(kernel.observed, o, 25, 1e-11, `${what} observed`);
        compared++;
      }
    }
  }
  assert.equal(compared + skipped, MODEL_NAMES.length * 2 * 200);
  assert.ok(compared > 0.7 * (compared + skipped), `${compared} compared, ${skipped} skipped`);
});

test('the kernel\'s fits end at the optimum of the TypeScript model, with its deviance and Fisher errors', () => {
  const rng = new Random(5);
  const fitter = new PoissonCurveFitter(M);
  const bounds = fitBounds(thresholds);
  const nu = new Float64Array(M), jac = new Float64Array(M * N_PARAMS);
  let fits = 0, interior = 0;
  for (const name of MODEL_NAMES) {
    for (const polarity of [1, -1] as const) {
      const model = makeModel(name, polarity);
      for (let trial = 0; trial < 25; trial++) {
        const truth = Float64Array.of(1400 + rng.uniform() * 60, 3 + rng.uniform() * 10, 20 + rng.uniform() * 200,
          polarity * 0.05, 0.2 + rng.uniform());
        const exposure = new Float64Array(M).fill(100);
        const n = Float64Array.from(thresholds, t => rng.poisson(100 * model.evaluate(t, truth)));
        const start = Float64Array.of(truth[0] + 5, truth[1] * 1.5, truth[2] * 0.8, 0, truth[4] * 2);
        const fit = fitter.fit(model, thresholds, n, exposure, M, start, model.free, bounds);
        const what = `${name} p=${polarity} truth ${Array.from(truth).join(',')}`;
        assert.ok(fit.converged, what);
        assert.deepEqual(Array.from(start), Array.from(fit.theta), 'start becomes the result');
        // the TypeScript model at the result: its deviance, gradient of D/2 and Fisher matrix
        model.evaluateCurve(thresholds, exposure, M, fit.theta, nu, jac);
        let deviance = 0;
        const g = new Float64Array(N_PARAMS), h = new Float64Array(25);
        for (let j = 0; j < M; j++) {
          deviance += 2 * (nu[j] - n[j] + (n[j] > 0 ? n[j] * Math.log(n[j] / nu[j]) : 0));
          for (let a = 0; a < N_PARAMS; a++) {
            g[a] += (1 - n[j] / nu[j]) * jac[j * N_PARAMS + a];
            for (let b = 0; b < N_PARAMS; b++) h[a * 5 + b] += jac[j * N_PARAMS + a] * jac[j * N_PARAMS + b] / nu[j];
          }
        }
        assert.ok(Math.abs(fit.deviance - deviance) <= 1e-9 * deviance, `${what}: deviance ${fit.deviance} vs ${deviance}`);
        if (fit.atLimit !== 0) continue; // a parameter at its bound: no interior optimum to check
        interior++;
        const inverse = invert(h, N_PARAMS);
        // EDM, the decrease of D a Newton step would still bring: well below the fit's tolerance (1e-3)
        let edm = 0;
        for (let a = 0; a < N_PARAMS; a++) for (let b = 0; b < N_PARAMS; b++) edm += g[a] * inverse[a * 5 + b] * g[b];
        assert.ok(edm < 2e-3, `${what}: EDM ${edm} at the result`);
        for (let k = 0; k < N_PARAMS; k++) {
          const error = Math.sqrt(inverse[k * 5 + k]);
          assert.ok(Math.abs(fit.errors[k] - error) <= 1e-6 * error, `${what}: error ${k} ${fit.errors[k]} vs ${error}`);
        }
        fits++;
      }
    }
  }
  assert.ok(fits === interior && interior > 0.8 * MODEL_NAMES.length * 2 * 25, `${interior} fits with every parameter inside its bounds`);
});

/** Inverse of an n×n matrix by Gauss–Jordan with partial pivoting (an independent check of the kernel's Cholesky). */
function invert(matrix: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix), inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    for (let k = 0; k < n; k++) {
      [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
      [inv[c * n + k], inv[p * n + k]] = [inv[p * n + k], inv[c * n + k]];
    }
    const d = a[c * n + c];
    for (let k = 0; k < n; k++) { a[c * n + k] /= d; inv[c * n + k] /= d; }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * n + c];
      for (let k = 0; k < n; k++) { a[r * n + k] -= f * a[c * n + k]; inv[r * n + k] -= f * inv[c * n + k]; }
    }
  }
  return inv;
}
