// The complementary error function for the fit kernel: 65,536 fits evaluate it tens of millions of times.
// The method and coefficients are FreeBSD's s_erf.c (the same as @stdlib/math-base-special-erfc, which spent most
// of the fit time in its own JavaScript exp); here the exponentials are the engine's native Math.exp and the
// pseudo-single split of x is Math.fround. Agreement with @stdlib to 1e-14 relative over the whole range the
// models use is tested (test/engine/erfc.test.ts).
//
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
// Developed at SunPro, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this software is freely granted, provided that this notice
// is preserved.

const ERX = 8.45062911510467529297e-1;
const TINY = 1e-300;
const SMALL = 1.3877787807814457e-17; // 2^-56

/** The tail's second exponent −0.5625 + u + R/S lies in [−0.778, −0.573] for every |x| in [1.25, 28). */
const TAIL_CENTRE = -0.675, TAIL_RADIUS = 0.11, EXP_TAIL_CENTRE = Math.exp(TAIL_CENTRE);

/** exp(v) near TAIL_CENTRE by its Taylor series to degree 10 (remainder below 1e-18 relative): no second
 *  transcendental call per tail point. Anywhere else (never reached) the engine's exp. The polynomials here are
 *  evaluated by Estrin's scheme (pairs, then pairs of pairs): half the chain of dependent operations of Horner's. */
function expOfTailCorrection(v: number): number {
  const w = v - TAIL_CENTRE;
  if (!(w <= TAIL_RADIUS && w >= -TAIL_RADIUS)) return Math.exp(v);
  const w2 = w * w, w4 = w2 * w2, w8 = w4 * w4;
  const p01 = 1 + w, p23 = 1 / 2 + w / 6, p45 = 1 / 24 + w / 120, p67 = 1 / 720 + w / 5040, p89 = 1 / 40320 + w / 362880;
  return EXP_TAIL_CENTRE * ((p01 + w2 * p23) + w4 * (p45 + w2 * p67) + w8 * (p89 + w2 / 3628800));
}

/**
 * erfc(x); when `gaussian` is given, also gaussian[0] = exp(−x²) (the fit's derivative needs it), in the tail
 * from the exponential erfc computes anyway. Method (s_erf.c): |x| < 0.84375: 1 − erf(x) with erf(x) = x + x·P(x²)/Q(x²); |x| < 1.25: a rational
 * function of |x| − 1 about erf(1); |x| < 28: exp(−x² − 0.5625 + R(1/x²)/S(1/x²))/x, with x² split as
 * z² + (z − x)(z + x) (z = x rounded to 24 bits, so z² is exact) to keep the full relative precision in the far tail.
 */
export function erfc(x: number, gaussian?: Float64Array): number {
  const ax = x < 0 ? -x : x;
  if (gaussian && (ax < 1.25 || ax >= 28 || x < -6)) gaussian[0] = Math.exp(-x * x);
  if (ax < 0.84375) {
    if (ax < SMALL) return 1 - x;
    const z = x * x;
    const r = 1.28379167095512558561e-1 + z * (-0.3250421072470015 + z * (-0.02848174957559851 + z * (-0.005770270296489442 + z * -0.000023763016656650163)));
    const s = 1 + z * (0.39791722395915535 + z * (0.0650222499887673 + z * (0.005081306281875766 + z * (0.00013249473800432164 + z * -0.000003960228278775368))));
    const y = r / s;
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x * y + (x - 0.5));
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const p = -2.36211856075265944077e-3 + s * (0.41485611868374833 + s * (-0.3722078760357013 + s * (0.31834661990116175 + s * (-0.11089469428239668 + s * (0.035478304325618236 + s * -0.002166375594868791)))));
    const q = 1 + s * (0.10642088040084423 + s * (0.540397917702171 + s * (0.07182865441419627 + s * (0.12617121980876164 + s * (0.01363708391202905 + s * 0.011984499846799107)))));
    return x < 0 ? 1 + ERX + p / q : 1 - ERX - p / q;
  }
  if (ax < 28) {
    if (x < -6) return 2 - TINY;
    const s = 1 / (ax * ax);
    let r: number, q: number;
    const s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
    if (ax < 2.857142857142857) { // 1/0.35
      r = (-9.86494403484714822705e-3 + s * -0.6938585727071818) + s2 * (-10.558626225323291 + s * -62.375332450326006) +
        s4 * ((-162.39666946257347 + s * -184.60509290671104) + s2 * (-81.2874355063066 + s * -9.814329344169145));
      q = (1 + s * 19.651271667439257) + s2 * (137.65775414351904 + s * 434.56587747522923) +
        s4 * ((645.3872717332679 + s * 429.00814002756783) + s2 * (108.63500554177944 + s * 6.570249770319282)) + s8 * -0.0604244152148581;
    } else {
      r = (-9.86494292470009928597e-3 + s * -0.799283237680523) + s2 * (-17.757954917754752 + s * -160.63638485582192) +
        s4 * ((-637.5664433683896 + s * -1025.0951316110772) + s2 * -483.5191916086514);
      q = (1 + s * 30.33806074348246) + s2 * (325.7925129965739 + s * 1536.729586084437) +
        s4 * ((3199.8582195085955 + s * 2553.0504064331644) + s2 * (474.52854120695537 + s * -22.44095244658582));
    }
    // exp(−x²) = exp(−z²)·exp(u), u = (z − x)(z + x) exact to an ulp and |u| < 1e-4, so exp(u) to 1e-17 by its series
    const z = Math.fround(ax), u = (z - ax) * (z + ax), ez = Math.exp(-(z * z));
    if (gaussian) gaussian[0] = ez * (1 + u * (1 + u * (0.5 + u / 6)));
    const e = ez * expOfTailCorrection(u + r / q - 0.5625);
    return x < 0 ? 2 - e / ax : e / ax;
  }
  if (Number.isNaN(x)) return NaN;
  return x < 0 ? 2 - TINY : TINY * TINY;
}
