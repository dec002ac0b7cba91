// S-curve models of flux vs threshold, with analytic gradients for the fitter.
// Parameters are always the five named in FIT_PARAMETERS; a model that lacks one keeps it fixed.
import { erfc } from './fit/erfc';

export const FIT_PARAMETERS = ['mu', 'sigma', 'amplitude', 'slope', 'background'] as const;
export type FitParameterName = typeof FIT_PARAMETERS[number];
export const MU = 0, SIGMA = 1, AMPLITUDE = 2, SLOPE = 3, BACKGROUND = 4;
export const N_PARAMS = 5;

export type ModelName = 'scurve' | 'seed' | 'seed-sqrt2' | 'kbeta';
export const MODEL_NAMES: ModelName[] = ['scurve', 'seed', 'seed-sqrt2', 'kbeta'];

const SQRT2 = Math.SQRT2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Fe-55 K-beta (6.49 keV) to K-alpha (5.90 keV) intensity ratio. */
export const KBETA_RATIO = 0.12;
/** Distance of the K-beta edge beyond the K-alpha edge, DAC. */
export const KBETA_SEPARATION = 12;

export interface ScurveModel {
  name: ModelName;
  /** Which of the five parameters the model uses (the rest stay fixed at their start value). */
  free: boolean[];
  /** Flux at threshold t; writes dF/dθ into grad when given. */
  evaluate(t: number, theta: Float64Array, grad?: Float64Array): number;
  /**
   * The fit kernel: expected counts ν_j = T_j·F(t_j; θ) for j < m and, when `jac` is given, the Jacobian
   * jac[j·N_PARAMS + k] = T_j·∂F(t_j)/∂θ_k, in one pass with the per-curve constants computed once; when `second` is
   * given too, the second derivatives T_j·∂²F/∂θ∂θ' that are not always 0, at second[j·N_SECOND + q] in the order
   * of SECOND_PAIRS (every model is linear in amplitude, slope and background, so only pairs with μ or σ remain).
   */
  evaluateCurve(t: ArrayLike<number>, exposure: ArrayLike<number>, m: number, theta: ArrayLike<number>,
    nu: Float64Array, jac?: Float64Array, second?: Float64Array): void;
  /** The same model as the WebAssembly fit kernel knows it (fit/wasmFitKernel.ts), where every fit runs. */
  kernel: KernelModel;
}

/** A model as the WebAssembly fit kernel knows it (src/engine/wasm/fitKernel.ts): the edge model's polarity and
 *  slope-term width, and the K-beta step's separation (NaN: none). */
export interface KernelModel {
  polarity: 1 | -1;
  slopeWidth: number;
  kbetaSeparation: number;
}

/** The parameter pairs with a second derivative that is not identically 0 (see evaluateCurve). */
export const SECOND_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [0, 0], [0, 1], [1, 1], [0, 2], [1, 2], [0, 3], [1, 3],
];
export const N_SECOND = 7;
const MU_MU = 0, MU_SIGMA = 1, SIGMA_SIGMA = 2, MU_A = 3, SIGMA_A = 4, MU_C = 5, SIGMA_C = 6;

/** A model's single-point evaluate through its curve kernel (one formula for both). */
function pointEvaluator(curve: ScurveModel['evaluateCurve']): ScurveModel['evaluate'] {
  const t1 = new Float64Array(1), one = new Float64Array([1]), nu1 = new Float64Array(1), jac1 = new Float64Array(N_PARAMS);
  return (t, theta, grad) => {
    t1[0] = t;
    curve(t1, one, 1, theta, nu1, grad ? jac1 : undefined);
    if (grad) grad.set(jac1);
    return nu1[0];
  };
}

/** 2⁻⁵⁶: a term below this fraction of the background changes neither of the two additions that bring it in. */
const BELOW_QUARTER_ULP = 2 ** -56;

/**
 * The z beyond which the step and slope terms of edgeModel, ½A·erfc(z) and ½C·d·erfc(z1) with z1 ≥ z, are each below
 * 2⁻⁵⁶ of the background b, less than a quarter of its last bit: b + both of them is b exactly, so ν there is T·b to
 * the last bit and erfc need not be evaluated (about a fifth of the points of a scan). Uses erfc(z) < exp(−z²) for
 * z ≥ 1 and |d| ≤ the largest |t − μ|. Infinity when b is 0 (then those terms are all of ν).
 */
function negligibleBeyond(t: ArrayLike<number>, m: number, mu: number, halfA: number, halfC: number, b: number): number {
  if (!(b > 0)) return Infinity;
  let maxD = 0;
  for (let j = 0; j < m; j++) { const d = Math.abs(t[j] - mu); if (d > maxD) maxD = d; }
  const heights = Math.abs(halfA) + Math.abs(halfC) * maxD;
  if (!(heights > 0)) return Infinity;
  const z2 = Math.log(heights / (b * BELOW_QUARTER_ULP));
  return z2 > 1 ? Math.sqrt(z2) : 1;
}

/**
 * F(t) = B + ½·A·erfc(p·(t − μ)/(√2·σ)) + ½·C·(t − μ)·erfc(p·(t − μ)/(k·σ)).
 * A plateau flux of the photopeak, C charge-sharing slope, B flat background, μ the 50 % threshold, σ edge width;
 * k = √2 is the `scurve` (one erfc for both terms), k = 1 the thesis's `seed` model (its slope term cut off by a
 * sharper erfc). All three parameters that set the height (A, C, B) enter linearly and on the flux scale, so one
 * set of start values and bounds serves every model.
 */
function edgeModel(name: ModelName, polarity: 1 | -1, slopeWidth: number): ScurveModel {
  const oneErfc = slopeWidth === SQRT2;
  const gaussian = new Float64Array(1), gaussian1 = new Float64Array(1);
  const evaluateCurve: ScurveModel['evaluateCurve'] = (t, exposure, m, theta, nu, jac, second) => {
    const mu = theta[MU], sigma = theta[SIGMA], a = theta[AMPLITUDE], c = theta[SLOPE], b = theta[BACKGROUND];
    // z = p·(t − μ)/(√2·σ), z1 = p·(t − μ)/(k·σ); dz/dμ = −kz, dz/dσ = −z/σ
    const kz = polarity / (SQRT2 * sigma), kz1 = polarity / (slopeWidth * sigma), halfA = 0.5 * a, halfC = 0.5 * c;
    const zNegligible = negligibleBeyond(t, m, mu, halfA, halfC, b);
    for (let j = 0; j < m; j++) {
      const d = t[j] - mu, z = d * kz;
      if (z > zNegligible) { // far beyond the edge: ν is the background, to the last bit
        nu[j] = exposure[j] * b;
        if (jac) {
          const o = j * N_PARAMS;
          jac[o + MU] = 0; jac[o + SIGMA] = 0; jac[o + AMPLITUDE] = 0; jac[o + SLOPE] = 0; jac[o + BACKGROUND] = exposure[j];
          if (second) for (let q = j * N_SECOND; q < j * N_SECOND + N_SECOND; q++) second[q] = 0;
        }
        continue;
      }
      const e = erfc(z, jac && gaussian);
      const z1 = oneErfc ? z : d * kz1, e1 = oneErfc ? e : erfc(z1, jac && gaussian1);
      const exposureJ = exposure[j];
      nu[j] = exposureJ * (b + halfA * e + halfC * d * e1);
      if (jac) {
        const dEdz = -TWO_OVER_SQRT_PI * gaussian[0];
        const dE1dz = oneErfc ? dEdz : -TWO_OVER_SQRT_PI * gaussian1[0];
        const o = j * N_PARAMS;
        jac[o + MU] = exposureJ * (-halfA * dEdz * kz - halfC * e1 - halfC * d * dE1dz * kz1);
        jac[o + SIGMA] = -exposureJ * (halfA * dEdz * z + halfC * d * dE1dz * z1) / sigma;
        jac[o + AMPLITUDE] = exposureJ * 0.5 * e;
        jac[o + SLOPE] = exposureJ * 0.5 * d * e1;
        jac[o + BACKGROUND] = exposureJ;
        if (second) {
          // E(w), w = c·d/σ: E_μ = −E'·c/σ, E_σ = −E'·w/σ, E_μμ = E''·c²/σ², E_μσ = (E''·w + E')·c/σ²,
          // E_σσ = (E''·w + 2E')·w/σ², with E' = dE/dw and E'' = −2w·E'.
          const s2 = sigma * sigma;
          const ez2 = -2 * z * dEdz, eMu = -dEdz * kz, eSigma = -dEdz * z / sigma;
          const eMuMu = ez2 * kz * kz, eMuSigma = (ez2 * z + dEdz) * kz / sigma, eSigmaSigma = (ez2 * z + 2 * dEdz) * z / s2;
          let e1Mu = eMu, e1Sigma = eSigma, e1MuMu = eMuMu, e1MuSigma = eMuSigma, e1SigmaSigma = eSigmaSigma;
          if (!oneErfc) {
            const e1z2 = -2 * z1 * dE1dz;
            e1Mu = -dE1dz * kz1; e1Sigma = -dE1dz * z1 / sigma;
            e1MuMu = e1z2 * kz1 * kz1; e1MuSigma = (e1z2 * z1 + dE1dz) * kz1 / sigma; e1SigmaSigma = (e1z2 * z1 + 2 * dE1dz) * z1 / s2;
          }
          const q = j * N_SECOND;
          second[q + MU_MU] = exposureJ * (halfA * eMuMu + halfC * (d * e1MuMu - 2 * e1Mu));
          second[q + MU_SIGMA] = exposureJ * (halfA * eMuSigma + halfC * (d * e1MuSigma - e1Sigma));
          second[q + SIGMA_SIGMA] = exposureJ * (halfA * eSigmaSigma + halfC * d * e1SigmaSigma);
          second[q + MU_A] = exposureJ * 0.5 * eMu;
          second[q + SIGMA_A] = exposureJ * 0.5 * eSigma;
          second[q + MU_C] = exposureJ * 0.5 * (d * e1Mu - e1);
          second[q + SIGMA_C] = exposureJ * 0.5 * d * e1Sigma;
        }
      }
    }
  };
  return { name, free: [true, true, true, true, true], evaluate: pointEvaluator(evaluateCurve), evaluateCurve,
    kernel: { polarity, slopeWidth, kbetaSeparation: NaN } };
}

export function scurveModel(polarity: 1 | -1): ScurveModel {
  return edgeModel('scurve', polarity, SQRT2);
}

/**
 * The scurve plus a K-beta step of fixed relative intensity, `separation` DAC beyond the K-alpha edge
 * (on the high-energy side, i.e. in the direction the flux survives).
 */
export function kbetaModel(polarity: 1 | -1, separation: number): ScurveModel {
  const base = scurveModel(polarity);
  const evaluateCurve: ScurveModel['evaluateCurve'] = (t, exposure, m, theta, nu, jac, second) => {
    base.evaluateCurve(t, exposure, m, theta, nu, jac, second);
    const kz = polarity / (SQRT2 * theta[SIGMA]), height = 0.5 * KBETA_RATIO * theta[AMPLITUDE];
    const edge = theta[MU] + polarity * separation;
    for (let j = 0; j < m; j++) {
      const z = (t[j] - edge) * kz, e = erfc(z), exposureJ = exposure[j];
      nu[j] += exposureJ * height * e;
      if (jac) {
        const dEdz = -TWO_OVER_SQRT_PI * Math.exp(-z * z), o = j * N_PARAMS;
        jac[o + MU] -= exposureJ * height * dEdz * kz;
        jac[o + SIGMA] -= exposureJ * height * dEdz * z / theta[SIGMA];
        jac[o + AMPLITUDE] += exposureJ * 0.5 * KBETA_RATIO * e;
        if (second) { // the step's E(z) as in edgeModel, times height
          const sigma = theta[SIGMA], ez2 = -2 * z * dEdz, q = j * N_SECOND;
          const eMu = -dEdz * kz, eSigma = -dEdz * z / sigma;
          second[q + MU_MU] += exposureJ * height * ez2 * kz * kz;
          second[q + MU_SIGMA] += exposureJ * height * (ez2 * z + dEdz) * kz / sigma;
          second[q + SIGMA_SIGMA] += exposureJ * height * (ez2 * z + 2 * dEdz) * z / (sigma * sigma);
          second[q + MU_A] += exposureJ * 0.5 * KBETA_RATIO * eMu;
          second[q + SIGMA_A] += exposureJ * 0.5 * KBETA_RATIO * eSigma;
        }
      }
    }
  };
  return { name: 'kbeta', free: [true, true, true, true, true], evaluate: pointEvaluator(evaluateCurve), evaluateCurve,
    kernel: { polarity, slopeWidth: SQRT2, kbetaSeparation: separation } };
}

/**
 * The thesis model: f·A/2·(E0−E)·erfc((E−E0)/s) + (1−f)·A/(2√(2π)s)·erfc((E−E0)/(√2 s)), plus a flat background B.
 * Fitted as edgeModel with E0 → mu, s → sigma, the plateau (1−f)·A/(√(2π)s) → amplitude and the slope −f·A →
 * slope: the thesis's A and f multiply each other and s, which left the fit with a ridge instead of a minimum.
 * Back to the thesis: A = −slope·p + amplitude·√(2π)·s, f = −slope·p / A.
 * `withSqrt2` puts the √2 that the original omitted into the first erfc; the model is then exactly `scurve`.
 */
export function seedModel(polarity: 1 | -1, withSqrt2: boolean): ScurveModel {
  return edgeModel(withSqrt2 ? 'seed-sqrt2' : 'seed', polarity, withSqrt2 ? SQRT2 : 1);
}

/** The thesis's amplitude A and fraction f from a seed-model parameter vector (see seedModel). */
export function seedThesisParameters(theta: ArrayLike<number>, polarity: 1 | -1): { A: number; f: number } {
  const slope = -polarity * theta[SLOPE];
  const A = slope + theta[AMPLITUDE] * SQRT_2PI * theta[SIGMA];
  return { A, f: slope / A };
}

export function makeModel(name: ModelName, polarity: 1 | -1, kbetaSeparation = KBETA_SEPARATION): ScurveModel {
  switch (name) {
    case 'scurve': return scurveModel(polarity);
    case 'kbeta': return kbetaModel(polarity, kbetaSeparation);
    case 'seed': return seedModel(polarity, false);
    case 'seed-sqrt2': return seedModel(polarity, true);
  }
}
