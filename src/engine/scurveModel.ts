// S-curve models of flux vs threshold, with analytic gradients for the fitter.
// Parameters are always the five named in FIT_PARAMETERS; a model that lacks one keeps it fixed.
import erfc from '@stdlib/math-base-special-erfc';

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

export interface ScurveModel {
  name: ModelName;
  /** Which of the five parameters the model uses (the rest stay fixed at their start value). */
  free: boolean[];
  /** Flux at threshold t; writes dF/dθ into grad when given. */
  evaluate(t: number, theta: Float64Array, grad?: Float64Array): number;
}

/**
 * F(t) = B + ½·(A + C·(t − μ))·erfc(p·(t − μ)/(√2·σ)).
 * A plateau flux of the photopeak, C charge-sharing slope, B flat background, μ the 50 % threshold, σ edge width.
 */
export function scurveModel(polarity: 1 | -1): ScurveModel {
  return {
    name: 'scurve',
    free: [true, true, true, true, true],
    evaluate(t, theta, grad) {
      const mu = theta[MU], sigma = theta[SIGMA], a = theta[AMPLITUDE], c = theta[SLOPE], b = theta[BACKGROUND];
      const d = t - mu;
      const z = polarity * d / (SQRT2 * sigma);
      const e = erfc(z);
      const height = a + c * d;
      if (grad) {
        const dEdz = -TWO_OVER_SQRT_PI * Math.exp(-z * z);
        grad[MU] = -0.5 * c * e + 0.5 * height * dEdz * (-polarity / (SQRT2 * sigma));
        grad[SIGMA] = 0.5 * height * dEdz * (-z / sigma);
        grad[AMPLITUDE] = 0.5 * e;
        grad[SLOPE] = 0.5 * d * e;
        grad[BACKGROUND] = 1;
      }
      return b + 0.5 * height * e;
    },
  };
}

/**
 * The scurve plus a K-beta step of fixed relative intensity, `separation` DAC beyond the K-alpha edge
 * (on the high-energy side, i.e. in the direction the flux survives).
 */
export function kbetaModel(polarity: 1 | -1, separation: number): ScurveModel {
  const base = scurveModel(polarity);
  const g = new Float64Array(N_PARAMS);
  return {
    name: 'kbeta',
    free: [true, true, true, true, true],
    evaluate(t, theta, grad) {
      const main = base.evaluate(t, theta, grad);
      const d = t - theta[MU] - polarity * separation;
      const z = polarity * d / (SQRT2 * theta[SIGMA]);
      const e = erfc(z);
      if (grad) {
        const dEdz = -TWO_OVER_SQRT_PI * Math.exp(-z * z);
        const k = 0.5 * KBETA_RATIO * theta[AMPLITUDE];
        g[MU] = k * dEdz * (-polarity / (SQRT2 * theta[SIGMA]));
        g[SIGMA] = k * dEdz * (-z / theta[SIGMA]);
        grad[MU] += g[MU];
        grad[SIGMA] += g[SIGMA];
        grad[AMPLITUDE] += 0.5 * KBETA_RATIO * e;
      }
      return main + 0.5 * KBETA_RATIO * theta[AMPLITUDE] * e;
    },
  };
}

/**
 * The thesis model: f·A/2·(E0−E)·erfc((E−E0)/s) + (1−f)·A/(2√(2π)s)·erfc((E−E0)/(√2 s)),
 * with E0 → mu, s → sigma, A → amplitude, f → slope (fraction), no background.
 * `withSqrt2` puts the √2 that the original omitted into the first erfc.
 */
export function seedModel(polarity: 1 | -1, withSqrt2: boolean): ScurveModel {
  const k1 = withSqrt2 ? SQRT2 : 1;
  return {
    name: withSqrt2 ? 'seed-sqrt2' : 'seed',
    free: [true, true, true, true, false],
    evaluate(t, theta, grad) {
      const e0 = theta[MU], s = theta[SIGMA], a = theta[AMPLITUDE], f = theta[SLOPE];
      const d = t - e0;
      const z1 = polarity * d / (k1 * s), z2 = polarity * d / (SQRT2 * s);
      const e1 = erfc(z1), e2 = erfc(z2);
      const n2 = a / (2 * SQRT_2PI * s);
      const first = 0.5 * f * a * (-d) * e1;
      const second = (1 - f) * n2 * e2;
      if (grad) {
        const de1 = -TWO_OVER_SQRT_PI * Math.exp(-z1 * z1), de2 = -TWO_OVER_SQRT_PI * Math.exp(-z2 * z2);
        grad[MU] = 0.5 * f * a * e1 + 0.5 * f * a * (-d) * de1 * (-polarity / (k1 * s))
          + (1 - f) * n2 * de2 * (-polarity / (SQRT2 * s));
        grad[SIGMA] = 0.5 * f * a * (-d) * de1 * (-z1 / s) - second / s + (1 - f) * n2 * de2 * (-z2 / s);
        grad[AMPLITUDE] = a !== 0 ? (first + second) / a : 0.5 * f * (-d) * e1 + (1 - f) / (2 * SQRT_2PI * s) * e2;
        grad[SLOPE] = 0.5 * a * (-d) * e1 - n2 * e2;
        grad[BACKGROUND] = 0;
      }
      return first + second;
    },
  };
}

export function makeModel(name: ModelName, polarity: 1 | -1, kbetaSeparation = 12): ScurveModel {
  switch (name) {
    case 'scurve': return scurveModel(polarity);
    case 'kbeta': return kbetaModel(polarity, kbetaSeparation);
    case 'seed': return seedModel(polarity, false);
    case 'seed-sqrt2': return seedModel(polarity, true);
  }
}
