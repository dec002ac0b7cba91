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
/** Distance of the K-beta edge beyond the K-alpha edge, DAC. */
export const KBETA_SEPARATION = 12;

export interface ScurveModel {
  name: ModelName;
  /** Which of the five parameters the model uses (the rest stay fixed at their start value). */
  free: boolean[];
  /** Flux at threshold t; writes dF/dθ into grad when given. */
  evaluate(t: number, theta: Float64Array, grad?: Float64Array): number;
}

/**
 * F(t) = B + ½·A·erfc(p·(t − μ)/(√2·σ)) + ½·C·(t − μ)·erfc(p·(t − μ)/(k·σ)).
 * A plateau flux of the photopeak, C charge-sharing slope, B flat background, μ the 50 % threshold, σ edge width;
 * k = √2 is the `scurve` (one erfc for both terms), k = 1 the thesis's `seed` model (its slope term cut off by a
 * sharper erfc). All three parameters that set the height (A, C, B) enter linearly and on the flux scale, so one
 * set of start values and bounds serves every model.
 */
function edgeModel(name: ModelName, polarity: 1 | -1, slopeWidth: number): ScurveModel {
  return {
    name,
    free: [true, true, true, true, true],
    evaluate(t, theta, grad) {
      const mu = theta[MU], sigma = theta[SIGMA], a = theta[AMPLITUDE], c = theta[SLOPE], b = theta[BACKGROUND];
      const d = t - mu;
      const z = polarity * d / (SQRT2 * sigma), e = erfc(z);
      const z1 = slopeWidth === SQRT2 ? z : polarity * d / (slopeWidth * sigma), e1 = slopeWidth === SQRT2 ? e : erfc(z1);
      if (grad) {
        const dEdz = -TWO_OVER_SQRT_PI * Math.exp(-z * z);
        const dE1dz = slopeWidth === SQRT2 ? dEdz : -TWO_OVER_SQRT_PI * Math.exp(-z1 * z1);
        grad[MU] = 0.5 * a * dEdz * (-polarity / (SQRT2 * sigma)) - 0.5 * c * e1 + 0.5 * c * d * dE1dz * (-polarity / (slopeWidth * sigma));
        grad[SIGMA] = 0.5 * a * dEdz * (-z / sigma) + 0.5 * c * d * dE1dz * (-z1 / sigma);
        grad[AMPLITUDE] = 0.5 * e;
        grad[SLOPE] = 0.5 * d * e1;
        grad[BACKGROUND] = 1;
      }
      return b + 0.5 * a * e + 0.5 * c * d * e1;
    },
  };
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
