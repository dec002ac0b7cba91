// AssemblyScript kernel of the curve fits (compiled to dist/fitKernel.wasm by scripts/build.mjs): the Poisson fit of
// src/engine/poissonFit.ts with the S-curve models' ν and first and second derivatives (src/engine/scurveModel.ts),
// the deviance, gradient, Fisher matrix and observed Hessian. As WebAssembly the 65,536 pixel fits run at full speed
// from the first pixel (no JIT warm-up in every fit thread), with exp and log compiled in.
// The TypeScript model is the reference: agreement to 1e-13 relative is tested (test/engine/fitKernel.test.ts).
//
// erfc: the method and coefficients of FreeBSD's s_erf.c, as src/engine/fit/erfc.ts.
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
// Developed at SunPro, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this software is freely granted, provided that this notice
// is preserved.
//
// Memory: the caller lays out f64 arrays and passes their addresses once (layout()); nothing is allocated here.

const N_PARAMS = 5;
const N_SECOND = 7;
const MU = 0, SIGMA = 1, AMPLITUDE = 2, SLOPE = 3, BACKGROUND = 4;
const MU_MU = 0, MU_SIGMA = 1, SIGMA_SIGMA = 2, MU_A = 3, SIGMA_A = 4, MU_C = 5, SIGMA_C = 6;
const SQRT2: f64 = 1.4142135623730951;
const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const KBETA_RATIO: f64 = 0.12;
/** Expected counts below this weigh in the Fisher matrix as if they were this (a point expecting 1e-12 counts
 *  already pins the background to its bound; more weight only loses precision). */
const MIN_NU: f64 = 1e-12;
const BELOW_QUARTER_ULP: f64 = 1.3877787807814457e-17; // 2^-56

let T: usize = 0, EXPOSURE: usize = 0, COUNTS: usize = 0, THETA: usize = 0, NU: usize = 0, JAC: usize = 0;
let SECOND: usize = 0, G: usize = 0, H: usize = 0, O: usize = 0;

let polarity: f64 = 1, slopeWidth: f64 = SQRT2, oneErfc: bool = true, kbeta: bool = false, kbetaSeparation: f64 = 0;

/** Addresses of the arrays: t, exposure, counts n, ν (m each), θ (5), Jacobian (5m), second derivatives (7m),
 *  gradient (5), Fisher matrix (25), observed Hessian (25), and PER_POINT·m values of its own (`points`). */
export function layout(t: usize, exposure: usize, counts: usize, theta: usize, nu: usize, jac: usize, second: usize,
  g: usize, h: usize, o: usize, points: usize): void {
  POINTS = points;
  T = t; EXPOSURE = exposure; COUNTS = counts; THETA = theta; NU = nu; JAC = jac; SECOND = second; G = g; H = h; O = o;
}

/** The model: the edge model of scurveModel.ts with its polarity and slope-term width (√2: one erfc for both terms),
 *  plus the K-beta step at `separation` when that is finite. */
export function setModel(p: f64, width: f64, separation: f64): void {
  polarity = p; slopeWidth = width; oneErfc = width == SQRT2;
  kbeta = separation == separation; kbetaSeparation = separation;
}

@inline function at(base: usize, i: i32): f64 { return load<f64>(base + (<usize>i << 3)); }
@inline function put(base: usize, i: i32, v: f64): void { store<f64>(base + (<usize>i << 3), v); }

// ---- erfc ----------------------------------------------------------------------------------------------------

const ERX: f64 = 8.45062911510467529297e-1;
const TINY: f64 = 1e-300;
const SMALL: f64 = 1.3877787807814457e-17;
const TAIL_CENTRE: f64 = -0.675, TAIL_RADIUS: f64 = 0.11;
let EXP_TAIL_CENTRE: f64 = Math.exp(TAIL_CENTRE);

/** exp(−x²) of the last erfc call asked for it. */
let gaussian: f64 = 0;

@inline function expOfTailCorrection(v: f64): f64 {
  const w = v - TAIL_CENTRE;
  if (!(w <= TAIL_RADIUS && w >= -TAIL_RADIUS)) return Math.exp(v);
  const w2 = w * w, w4 = w2 * w2, w8 = w4 * w4;
  const p01 = 1 + w, p23 = 1.0 / 2 + w / 6, p45 = 1.0 / 24 + w / 120, p67 = 1.0 / 720 + w / 5040, p89 = 1.0 / 40320 + w / 362880;
  return EXP_TAIL_CENTRE * ((p01 + w2 * p23) + w4 * (p45 + w2 * p67) + w8 * (p89 + w2 / 3628800));
}

/** erfc(x), and exp(−x²) into `gaussian` when withGaussian (see src/engine/fit/erfc.ts). */
function erfcOf(x: f64, withGaussian: bool): f64 {
  const ax = x < 0 ? -x : x;
  if (withGaussian && (ax < 1.25 || ax >= 28 || x < -6)) gaussian = Math.exp(-x * x);
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
    let r: f64, q: f64;
    const s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
    if (ax < 2.857142857142857) {
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
    const z = <f64><f32>ax, u = (z - ax) * (z + ax), ez = Math.exp(-(z * z));
    if (withGaussian) gaussian = ez * (1 + u * (1 + u * (0.5 + u / 6)));
    const e = ez * expOfTailCorrection(u + r / q - 0.5625);
    return x < 0 ? 2 - e / ax : e / ax;
  }
  if (isNaN(x)) return NaN;
  return x < 0 ? 2 - TINY : TINY * TINY;
}

/** erfc(x) alone (tests). */
export function erfc(x: f64): f64 { return erfcOf(x, false); }

// ---- the model -----------------------------------------------------------------------------------------------

/** See negligibleBeyond in scurveModel.ts. */
function negligibleBeyond(m: i32, mu: f64, halfA: f64, halfC: f64, b: f64): f64 {
  if (!(b > 0)) return Infinity;
  let maxD: f64 = 0;
  for (let j = 0; j < m; j++) { const d = Math.abs(at(T, j) - mu); if (d > maxD) maxD = d; }
  const heights = Math.abs(halfA) + Math.abs(halfC) * maxD;
  if (!(heights > 0)) return Infinity;
  const z2 = Math.log(heights / (b * BELOW_QUARTER_ULP));
  return z2 > 1 ? Math.sqrt(z2) : 1;
}

/** Per point, what the second derivatives need from the last evaluate with the Jacobian (secondDerivatives):
 *  z, dE/dz, e1, z1, dE1/dz of the edge (z = Infinity: beyond zNegligible, all 0) and z, dE/dz of the K-beta step. */
const P_Z = 0, P_DEDZ = 1, P_E1 = 2, P_Z1 = 3, P_DE1DZ = 4, P_KZ = 5, P_KDEDZ = 6, PER_POINT = 7;
let POINTS: usize = 0;

/** ν_j = T_j·F(t_j; θ) for j < m and, when withJacobian, its first derivatives (scurveModel.ts's evaluateCurve);
 *  the second derivatives follow on demand (secondDerivatives), as most steps do without them. */
export function evaluate(m: i32, withJacobian: bool): void {
  evaluateAt(THETA, m, withJacobian);
}

/** evaluate() at the θ at `theta`. The second derivatives are those of θ (THETA) when it is the last θ evaluated. */
function evaluateAt(theta: usize, m: i32, withJacobian: bool): void {
  const mu = at(theta, MU), sigma = at(theta, SIGMA), a = at(theta, AMPLITUDE), c = at(theta, SLOPE), b = at(theta, BACKGROUND);
  const kz = polarity / (SQRT2 * sigma), kz1 = polarity / (slopeWidth * sigma), halfA = 0.5 * a, halfC = 0.5 * c;
  const zNegligible = negligibleBeyond(m, mu, halfA, halfC, b);
  for (let j = 0; j < m; j++) {
    const d = at(T, j) - mu, z = d * kz, exposureJ = at(EXPOSURE, j);
    const o = JAC + (<usize>(j * N_PARAMS) << 3), p = POINTS + (<usize>(j * PER_POINT) << 3);
    if (z > zNegligible) {
      put(NU, j, exposureJ * b);
      if (withJacobian) {
        store<f64>(o, 0); store<f64>(o, 0, 8); store<f64>(o, 0, 16); store<f64>(o, 0, 24); store<f64>(o, exposureJ, 32);
        store<f64>(p, Infinity, P_Z << 3);
      }
      continue;
    }
    const e = erfcOf(z, withJacobian);
    const g0 = gaussian;
    const z1 = oneErfc ? z : d * kz1;
    const e1 = oneErfc ? e : erfcOf(z1, withJacobian);
    const g1 = oneErfc ? g0 : gaussian;
    put(NU, j, exposureJ * (b + halfA * e + halfC * d * e1));
    if (!withJacobian) continue;
    const dEdz = -TWO_OVER_SQRT_PI * g0;
    const dE1dz = oneErfc ? dEdz : -TWO_OVER_SQRT_PI * g1;
    store<f64>(o, exposureJ * (-halfA * dEdz * kz - halfC * e1 - halfC * d * dE1dz * kz1));
    store<f64>(o, -exposureJ * (halfA * dEdz * z + halfC * d * dE1dz * z1) / sigma, 8);
    store<f64>(o, exposureJ * 0.5 * e, 16);
    store<f64>(o, exposureJ * 0.5 * d * e1, 24);
    store<f64>(o, exposureJ, 32);
    store<f64>(p, z, P_Z << 3); store<f64>(p, dEdz, P_DEDZ << 3); store<f64>(p, e1, P_E1 << 3);
    store<f64>(p, z1, P_Z1 << 3); store<f64>(p, dE1dz, P_DE1DZ << 3);
  }
  if (kbeta) addKbetaStep(theta, m, withJacobian);
}

/** The K-beta step of kbetaModel (scurveModel.ts), added to ν and its first derivatives. */
function addKbetaStep(theta: usize, m: i32, withJacobian: bool): void {
  const sigma = at(theta, SIGMA);
  const kz = polarity / (SQRT2 * sigma), height = 0.5 * KBETA_RATIO * at(theta, AMPLITUDE);
  const edge = at(theta, MU) + polarity * kbetaSeparation;
  for (let j = 0; j < m; j++) {
    const z = (at(T, j) - edge) * kz, e = erfcOf(z, false), exposureJ = at(EXPOSURE, j);
    put(NU, j, at(NU, j) + exposureJ * height * e);
    if (!withJacobian) continue;
    const dEdz = -TWO_OVER_SQRT_PI * Math.exp(-z * z);
    const o = JAC + (<usize>(j * N_PARAMS) << 3), p = POINTS + (<usize>(j * PER_POINT) << 3);
    store<f64>(o, load<f64>(o) - exposureJ * height * dEdz * kz);
    store<f64>(o, load<f64>(o, 8) - exposureJ * height * dEdz * z / sigma, 8);
    store<f64>(o, load<f64>(o, 16) + exposureJ * 0.5 * KBETA_RATIO * e, 16);
    store<f64>(p, z, P_KZ << 3); store<f64>(p, dEdz, P_KDEDZ << 3);
  }
}

/** The second derivatives at the θ of the last evaluate with the Jacobian, into SECOND (scurveModel.ts's `second`). */
function secondDerivatives(m: i32): void {
  const mu = at(THETA, MU), sigma = at(THETA, SIGMA), halfA = 0.5 * at(THETA, AMPLITUDE), halfC = 0.5 * at(THETA, SLOPE);
  const kz = polarity / (SQRT2 * sigma), kz1 = polarity / (slopeWidth * sigma), s2 = sigma * sigma;
  for (let j = 0; j < m; j++) {
    const p = POINTS + (<usize>(j * PER_POINT) << 3), q = SECOND + (<usize>(j * N_SECOND) << 3);
    const z = load<f64>(p, P_Z << 3);
    if (z == Infinity) {
      for (let k = 0; k < N_SECOND; k++) store<f64>(q + (<usize>k << 3), 0);
      continue;
    }
    // E(w), w = c·d/σ: E_μ = −E'·c/σ, E_σ = −E'·w/σ, E_μμ = E''·c²/σ², E_μσ = (E''·w + E')·c/σ²,
    // E_σσ = (E''·w + 2E')·w/σ², with E' = dE/dw and E'' = −2w·E'.
    const d = at(T, j) - mu, exposureJ = at(EXPOSURE, j), dEdz = load<f64>(p, P_DEDZ << 3), e1 = load<f64>(p, P_E1 << 3);
    const ez2 = -2 * z * dEdz, eMu = -dEdz * kz, eSigma = -dEdz * z / sigma;
    const eMuMu = ez2 * kz * kz, eMuSigma = (ez2 * z + dEdz) * kz / sigma, eSigmaSigma = (ez2 * z + 2 * dEdz) * z / s2;
    let e1Mu = eMu, e1Sigma = eSigma, e1MuMu = eMuMu, e1MuSigma = eMuSigma, e1SigmaSigma = eSigmaSigma;
    if (!oneErfc) {
      const z1 = load<f64>(p, P_Z1 << 3), dE1dz = load<f64>(p, P_DE1DZ << 3), e1z2 = -2 * z1 * dE1dz;
      e1Mu = -dE1dz * kz1; e1Sigma = -dE1dz * z1 / sigma;
      e1MuMu = e1z2 * kz1 * kz1; e1MuSigma = (e1z2 * z1 + dE1dz) * kz1 / sigma; e1SigmaSigma = (e1z2 * z1 + 2 * dE1dz) * z1 / s2;
    }
    store<f64>(q, exposureJ * (halfA * eMuMu + halfC * (d * e1MuMu - 2 * e1Mu)), MU_MU << 3);
    store<f64>(q, exposureJ * (halfA * eMuSigma + halfC * (d * e1MuSigma - e1Sigma)), MU_SIGMA << 3);
    store<f64>(q, exposureJ * (halfA * eSigmaSigma + halfC * d * e1SigmaSigma), SIGMA_SIGMA << 3);
    store<f64>(q, exposureJ * 0.5 * eMu, MU_A << 3);
    store<f64>(q, exposureJ * 0.5 * eSigma, SIGMA_A << 3);
    store<f64>(q, exposureJ * 0.5 * (d * e1Mu - e1), MU_C << 3);
    store<f64>(q, exposureJ * 0.5 * d * e1Sigma, SIGMA_C << 3);
  }
  if (!kbeta) return;
  const height = 0.5 * KBETA_RATIO * at(THETA, AMPLITUDE);
  for (let j = 0; j < m; j++) { // the step's E(z) as in the edge, times height
    const p = POINTS + (<usize>(j * PER_POINT) << 3), q = SECOND + (<usize>(j * N_SECOND) << 3);
    const z = load<f64>(p, P_KZ << 3), dEdz = load<f64>(p, P_KDEDZ << 3), exposureJ = at(EXPOSURE, j);
    const ez2 = -2 * z * dEdz;
    const eMu = -dEdz * kz, eSigma = -dEdz * z / sigma;
    store<f64>(q, load<f64>(q, MU_MU << 3) + exposureJ * height * ez2 * kz * kz, MU_MU << 3);
    store<f64>(q, load<f64>(q, MU_SIGMA << 3) + exposureJ * height * (ez2 * z + dEdz) * kz / sigma, MU_SIGMA << 3);
    store<f64>(q, load<f64>(q, SIGMA_SIGMA << 3) + exposureJ * height * (ez2 * z + 2 * dEdz) * z / s2, SIGMA_SIGMA << 3);
    store<f64>(q, load<f64>(q, MU_A << 3) + exposureJ * 0.5 * KBETA_RATIO * eMu, MU_A << 3);
    store<f64>(q, load<f64>(q, SIGMA_A << 3) + exposureJ * 0.5 * KBETA_RATIO * eSigma, SIGMA_A << 3);
  }
}

// ---- deviance and curvature ----------------------------------------------------------------------------------

/** Baker–Cousins deviance of ν against the counts; Infinity when some ν is impossible (poissonFit.ts devianceOfNu). */
export function deviance(m: i32): f64 {
  let d: f64 = 0;
  for (let j = 0; j < m; j++) {
    const v = at(NU, j), n = at(COUNTS, j);
    if (v > 0) d += 2 * (v - n + (n > 0 ? n * Math.log(n / v) : 0));
    else if (!(v == 0 && n == 0)) return Infinity;
  }
  return d;
}

/** Gradient of D/2, Fisher matrix and (withObserved) observed Hessian over all five parameters, from ν, its
 *  derivatives and the loaded counts. */
export function curvature(m: i32, withObserved: bool): void {
  if (withObserved) secondDerivatives(m);
  // Two sums per f64x2 lane pair, each lane summing exactly the terms oF the scalar form, in the same order:
  // gradient (g0, g1) (g2, g3) g4; Fisher (h00, h11) (h10, h21) (h20, h31) (h30, h41) (h22, h33) (h32, h43) (h40, h42)
  // h44; the observed Hessian o likewise.
  let g01 = f64x2.splat(0), g23 = f64x2.splat(0), g4: f64 = 0;
  let hA = f64x2.splat(0), hB = f64x2.splat(0), hC = f64x2.splat(0), hD = f64x2.splat(0), hE = f64x2.splat(0);
  let hF = f64x2.splat(0), hG = f64x2.splat(0), h44: f64 = 0;
  let oA = f64x2.splat(0), oB = f64x2.splat(0), oC = f64x2.splat(0), oD = f64x2.splat(0), oE = f64x2.splat(0);
  let oF = f64x2.splat(0), oG = f64x2.splat(0), o44: f64 = 0;
  for (let j = 0; j < m; j++) {
    const v = at(NU, j);
    const w: f64 = v > MIN_NU ? 1 / v : v > 0 ? 1 / MIN_NU : 0;
    const ratio: f64 = v > 0 ? at(COUNTS, j) / v : 0;
    const resid = 1 - ratio, wo = ratio * w;
    const o = JAC + (<usize>(j * N_PARAMS) << 3);
    const j01 = v128.load(o), j23 = v128.load(o, 16), j4 = load<f64>(o, 32);
    const j02 = v128.shuffle<f64>(j01, j23, 0, 2);
    const r = f64x2.splat(resid);
    g01 = f64x2.add(g01, f64x2.mul(r, j01)); g23 = f64x2.add(g23, f64x2.mul(r, j23)); g4 += resid * j4;
    const ws = f64x2.splat(w);
    const w01 = f64x2.mul(ws, j01), w23 = f64x2.mul(ws, j23), w4 = w * j4;
    const w12 = v128.shuffle<f64>(w01, w23, 1, 2), w34 = f64x2.replace_lane(v128.shuffle<f64>(w23, w23, 1, 1), 1, w4);
    hA = f64x2.add(hA, f64x2.mul(w01, j01));
    hB = f64x2.add(hB, f64x2.mul(w12, j01));
    hC = f64x2.add(hC, f64x2.mul(w23, j01));
    hD = f64x2.add(hD, f64x2.mul(w34, j01));
    hE = f64x2.add(hE, f64x2.mul(w23, j23));
    hF = f64x2.add(hF, f64x2.mul(w34, j23));
    hG = f64x2.add(hG, f64x2.mul(f64x2.splat(w4), j02));
    h44 += w4 * j4;
    if (!withObserved) continue;
    const q = SECOND + (<usize>(j * N_SECOND) << 3);
    const s01 = v128.load(q), s23 = v128.load(q, 16), s45 = v128.load(q, 32), s6 = load<f64>(q, 48);
    const wos = f64x2.splat(wo);
    const v01 = f64x2.mul(wos, j01), v23 = f64x2.mul(wos, j23), v4 = wo * j4;
    const v12 = v128.shuffle<f64>(v01, v23, 1, 2), v34 = f64x2.replace_lane(v128.shuffle<f64>(v23, v23, 1, 1), 1, v4);
    oA = f64x2.add(oA, f64x2.add(f64x2.mul(v01, j01), f64x2.mul(r, v128.shuffle<f64>(s01, s23, 0, 2))));
    oB = f64x2.add(oB, f64x2.add(f64x2.mul(v12, j01), f64x2.mul(r, v128.shuffle<f64>(s01, s45, 1, 2))));
    oC = f64x2.add(oC, f64x2.add(f64x2.mul(v23, j01), f64x2.mul(r, f64x2.replace_lane(f64x2.splat(f64x2.extract_lane(s23, 1)), 1, s6))));
    oD = f64x2.add(oD, f64x2.add(f64x2.mul(v34, j01), f64x2.mul(r, f64x2.replace_lane(f64x2.splat(0), 0, f64x2.extract_lane(s45, 1)))));
    oE = f64x2.add(oE, f64x2.mul(v23, j23));
    oF = f64x2.add(oF, f64x2.mul(v34, j23));
    oG = f64x2.add(oG, f64x2.mul(f64x2.splat(v4), j02));
    o44 += v4 * j4;
  }
  put(G, 0, f64x2.extract_lane(g01, 0)); put(G, 1, f64x2.extract_lane(g01, 1));
  put(G, 2, f64x2.extract_lane(g23, 0)); put(G, 3, f64x2.extract_lane(g23, 1)); put(G, 4, g4);
  fillSymmetric5(H, f64x2.extract_lane(hA, 0), f64x2.extract_lane(hB, 0), f64x2.extract_lane(hA, 1),
    f64x2.extract_lane(hC, 0), f64x2.extract_lane(hB, 1), f64x2.extract_lane(hE, 0),
    f64x2.extract_lane(hD, 0), f64x2.extract_lane(hC, 1), f64x2.extract_lane(hF, 0), f64x2.extract_lane(hE, 1),
    f64x2.extract_lane(hG, 0), f64x2.extract_lane(hD, 1), f64x2.extract_lane(hG, 1), f64x2.extract_lane(hF, 1), h44);
  if (withObserved) {
    fillSymmetric5(O, f64x2.extract_lane(oA, 0), f64x2.extract_lane(oB, 0), f64x2.extract_lane(oA, 1),
      f64x2.extract_lane(oC, 0), f64x2.extract_lane(oB, 1), f64x2.extract_lane(oE, 0),
      f64x2.extract_lane(oD, 0), f64x2.extract_lane(oC, 1), f64x2.extract_lane(oF, 0), f64x2.extract_lane(oE, 1),
      f64x2.extract_lane(oG, 0), f64x2.extract_lane(oD, 1), f64x2.extract_lane(oG, 1), f64x2.extract_lane(oF, 1), o44);
  }
}

@inline function fillSymmetric5(h: usize, h00: f64, h10: f64, h11: f64, h20: f64, h21: f64, h22: f64,
  h30: f64, h31: f64, h32: f64, h33: f64, h40: f64, h41: f64, h42: f64, h43: f64, h44: f64): void {
  put(h, 0, h00); put(h, 1, h10); put(h, 2, h20); put(h, 3, h30); put(h, 4, h40);
  put(h, 5, h10); put(h, 6, h11); put(h, 7, h21); put(h, 8, h31); put(h, 9, h41);
  put(h, 10, h20); put(h, 11, h21); put(h, 12, h22); put(h, 13, h32); put(h, 14, h42);
  put(h, 15, h30); put(h, 16, h31); put(h, 17, h32); put(h, 18, h33); put(h, 19, h43);
  put(h, 20, h40); put(h, 21, h41); put(h, 22, h42); put(h, 23, h43); put(h, 24, h44);
}

/** Reserves `bytes` of this module's memory for the caller's arrays (8-byte aligned); the memory may grow. */
export function reserve(bytes: i32): usize { return heap.alloc(<usize>bytes); }

// ---- the fit ------------------------------------------------------------------------------------------------
// PoissonCurveFitter.fit (poissonFit.ts documents the method): Levenberg–Marquardt on the deviance, Fisher scoring far
// from the minimum and Newton steps on the observed Hessian near it, bounds by clamping (or projection), an EDM stop
// where the quadratic model has just held, and the errors of the free parameters at the optimum.

const MAX_ITERATIONS = 200;
/** Once a step lowers the deviance by less than this, the steps are Newton steps on the observed Hessian. */
const NEWTON_BELOW_DECREASE: f64 = 10;
/**
 * The fit also ends when the estimated distance to the minimum (EDM: the decrease a full Newton step predicts) is
 * below this fraction of the tolerance, as MINUIT's MIGRAD does (EDM < 0.002·0.1 for a deviance: 2e-4 against our
 * 1e-3), but only where the quadratic model has just been seen to hold: the last step decreased the deviance by its
 * prediction within MODEL_AGREEMENT, and was not clamped at a bound. Near a bound (a background close to 0) the
 * deviance is far from quadratic and an EDM alone can stop a fit well short of its minimum.
 */
const EDM_FRACTION: f64 = 0.2;
const MODEL_AGREEMENT: f64 = 0.1;

/** Scratch of the fit (addresses from fitLayout): bounds, trial θ, the free parameters' gradient, Fisher matrix and
 *  observed Hessian, the step's matrix and vector, an inverse, the errors, and two index lists (i32). */
let LOWER: usize = 0, UPPER: usize = 0, TRIAL: usize = 0, FREE_G: usize = 0, FREE_H: usize = 0, FREE_O: usize = 0;
let A: usize = 0, STEP: usize = 0, INVERSE: usize = 0, ERRORS: usize = 0, FREE_INDEX: usize = 0, MOVING: usize = 0;

/** The last fit: converged, iterations, parameters at a bound (bits), size of its free Fisher matrix (−1: none). */
let fitConverged: bool = false, fitIterations: i32 = 0, fitAtLimit: i32 = 0, lastFisherSize: i32 = -1;

export function fitLayout(lower: usize, upper: usize, trial: usize, freeG: usize, freeH: usize, freeO: usize, a: usize,
  step: usize, inverse: usize, errors: usize, freeIndex: usize, moving: usize): void {
  LOWER = lower; UPPER = upper; TRIAL = trial; FREE_G = freeG; FREE_H = freeH; FREE_O = freeO; A = a; STEP = step;
  INVERSE = inverse; ERRORS = errors; FREE_INDEX = freeIndex; MOVING = moving;
}

@inline function index(base: usize, i: i32): i32 { return load<i32>(base + (<usize>i << 2)); }
@inline function setIndex(base: usize, i: i32, v: i32): void { store<i32>(base + (<usize>i << 2), v); }

/** Moves θ into the bounds; true when it had to. */
function clampTheta(theta: usize): bool {
  let moved = false;
  for (let k = 0; k < N_PARAMS; k++) {
    const v = at(theta, k), lo = at(LOWER, k), hi = at(UPPER, k);
    if (v < lo) { put(theta, k, lo); moved = true; } else if (v > hi) { put(theta, k, hi); moved = true; }
  }
  return moved;
}

/** The free parameters' gradient, Fisher matrix and (withObserved) observed Hessian, from the full ones. */
function freeCurvature(m: i32, nFree: i32, withObserved: bool): void {
  curvature(m, withObserved);
  for (let r = 0; r < nFree; r++) {
    const kr = index(FREE_INDEX, r);
    put(FREE_G, r, at(G, kr));
    for (let c = 0; c < nFree; c++) put(FREE_H, r * nFree + c, at(H, kr * N_PARAMS + index(FREE_INDEX, c)));
    if (withObserved) for (let c = 0; c < nFree; c++) put(FREE_O, r * nFree + c, at(O, kr * N_PARAMS + index(FREE_INDEX, c)));
  }
}

/**
 * Fits the loaded curve from θ (THETA, within the bounds LOWER/UPPER after clamping), parameters k with bit k of
 * freeBits free. startGiven: ν and the Jacobian at θ are in place already (the caller's scaled start; used only when
 * θ needed no clamping). Leaves θ, the errors and the last fit's state; returns the deviance (NaN: none finite).
 */
export function fit(m: i32, freeBits: i32, tolerance: f64, projected: bool, startGiven: bool): f64 {
  let nFree = 0;
  for (let k = 0; k < N_PARAMS; k++) if (freeBits & (1 << k)) setIndex(FREE_INDEX, nFree++, k);
  if (clampTheta(THETA) || !startGiven) evaluateAt(THETA, m, true);
  let dev = deviance(m);
  let lambda: f64 = 1e-3, iterations = 0, converged = false, lastDecrease: f64 = Infinity, modelTrusted = false;
  // ν and the Jacobian belong to θ until a trial step is evaluated; the free curvature from freeCurvature() until
  // a step is accepted
  let buffersAtTheta = true, curvatureAtTheta = false;
  if (!isFinite(dev)) return result(false, NaN, m, nFree, 0, buffersAtTheta, false);
  while (iterations < MAX_ITERATIONS) {
    iterations++;
    const newton = lastDecrease < NEWTON_BELOW_DECREASE;
    freeCurvature(m, nFree, newton || modelTrusted);
    curvatureAtTheta = true;
    // a parameter at a bound that the gradient pushes outwards stays there for this step (projected)
    let nMove = 0;
    for (let r = 0; r < nFree; r++) {
      const k = index(FREE_INDEX, r), v = at(THETA, k), g = at(FREE_G, r);
      if (!projected || !((v <= at(LOWER, k) && g > 0) || (v >= at(UPPER, k) && g < 0))) setIndex(MOVING, nMove++, r);
    }
    if (nMove == 0) { converged = true; break; }
    if (modelTrusted && newtonDecrease(nFree, nMove) < tolerance * EDM_FRACTION) { converged = true; break; }
    let improved = false;
    let curvatureMatrix = newton ? FREE_O : FREE_H;
    while (lambda < 1e10) {
      for (let i = 0; i < nMove; i++) {
        const r = index(MOVING, i);
        for (let j = 0; j < nMove; j++) put(A, i * nMove + j, at(curvatureMatrix, r * nFree + index(MOVING, j)));
        const hrr = at(FREE_H, r * nFree + r);
        put(A, i * nMove + i, at(A, i * nMove + i) + lambda * (hrr > 0 ? hrr : 1));
        put(STEP, i, -at(FREE_G, r));
      }
      if (!solveSymmetric(A, STEP, nMove)) {
        if (curvatureMatrix != FREE_H) curvatureMatrix = FREE_H; else lambda *= 10;
        continue;
      }
      for (let k = 0; k < N_PARAMS; k++) put(TRIAL, k, at(THETA, k));
      for (let i = 0; i < nMove; i++) {
        const k = index(FREE_INDEX, index(MOVING, i));
        put(TRIAL, k, at(TRIAL, k) + at(STEP, i));
      }
      const clamped = clampTheta(TRIAL);
      let predicted: f64 = 0; // decrease of D the quadratic model predicts for this step
      for (let i = 0; i < nMove; i++) {
        let cs: f64 = 0;
        const ri = index(MOVING, i);
        for (let j = 0; j < nMove; j++) cs += at(curvatureMatrix, ri * nFree + index(MOVING, j)) * at(STEP, j);
        predicted -= 2 * at(STEP, i) * (at(FREE_G, ri) + 0.5 * cs);
      }
      evaluateAt(TRIAL, m, true);
      const trialDev = deviance(m);
      buffersAtTheta = false;
      if (trialDev <= dev) {
        buffersAtTheta = true;
        curvatureAtTheta = false;
        const decrease = dev - trialDev;
        lastDecrease = decrease;
        modelTrusted = !clamped && Math.abs(decrease - predicted) < MODEL_AGREEMENT * predicted + 1e-4;
        for (let k = 0; k < N_PARAMS; k++) put(THETA, k, at(TRIAL, k));
        dev = trialDev;
        lambda = Math.max(lambda * 0.1, 1e-9);
        improved = true;
        if (decrease < tolerance) converged = true;
        break;
      }
      lambda *= 10;
    }
    if (!improved) { converged = lambda >= 1e10; break; }
    if (converged) break;
  }
  return result(converged, dev, m, nFree, iterations, buffersAtTheta, curvatureAtTheta);
}

/** gᵀO⁻¹g over the moving free parameters (the decrease a full Newton step predicts); Infinity when O is not
 *  positive definite there. */
function newtonDecrease(nFree: i32, nMove: i32): f64 {
  for (let i = 0; i < nMove; i++) {
    const ri = index(MOVING, i);
    for (let j = 0; j < nMove; j++) put(A, i * nMove + j, at(FREE_O, ri * nFree + index(MOVING, j)));
    put(STEP, i, at(FREE_G, ri));
  }
  if (!solveSymmetric(A, STEP, nMove)) return Infinity;
  let edm: f64 = 0;
  for (let i = 0; i < nMove; i++) edm += at(FREE_G, index(MOVING, i)) * at(STEP, i);
  return edm;
}

/** The fit's outcome: errors from the free Fisher matrix at θ (a parameter at its bound: the one-sided distance
 *  at which the quadratic profile deviance rises by 1; see poissonFit.ts), the parameters at a bound. */
function result(converged: bool, dev: f64, m: i32, nFree: i32, iterations: i32, buffersAtTheta: bool, curvatureAtTheta: bool): f64 {
  for (let k = 0; k < N_PARAMS; k++) put(ERRORS, k, NaN);
  let atLimit = 0;
  lastFisherSize = -1;
  if (isFinite(dev)) {
    if (!curvatureAtTheta) {
      if (!buffersAtTheta) evaluateAt(THETA, m, true);
      freeCurvature(m, nFree, false);
    }
    lastFisherSize = nFree;
    let nActive = 0; // MOVING: the free parameters inside their bounds, then one at a bound at a time after them
    for (let r = 0; r < nFree; r++) {
      const k = index(FREE_INDEX, r), v = at(THETA, k);
      if (v <= at(LOWER, k) || v >= at(UPPER, k)) atLimit |= 1 << k; else setIndex(MOVING, nActive++, r);
    }
    if (invertRows(nFree, nActive)) {
      for (let i = 0; i < nActive; i++) put(ERRORS, index(FREE_INDEX, index(MOVING, i)), Math.sqrt(at(INVERSE, i * nActive + i)));
    }
    for (let r = 0; r < nFree; r++) {
      const k = index(FREE_INDEX, r);
      if (!(atLimit & (1 << k))) continue;
      const inward: f64 = at(THETA, k) <= at(LOWER, k) ? 1 : -1;
      const grad = Math.max(inward * at(FREE_G, r), 0);
      setIndex(MOVING, nActive, r);
      const withK = invertRows(nFree, nActive + 1);
      const last = nActive * (nActive + 1) + nActive;
      const hEff = withK && at(INVERSE, last) > 0 ? 1 / at(INVERSE, last) : at(FREE_H, r * nFree + r);
      put(ERRORS, k, hEff > 0 ? (Math.sqrt(grad * grad + hEff) - grad) / hEff : grad > 0 ? 1 / (2 * grad) : NaN);
    }
  }
  fitConverged = converged; fitIterations = iterations; fitAtLimit = atLimit;
  return dev;
}

/** Inverse of rows/columns MOVING[0 … count) of the free Fisher matrix into INVERSE; false when not positive definite. */
function invertRows(nFree: i32, count: i32): bool {
  for (let i = 0; i < count; i++) {
    const ri = index(MOVING, i);
    for (let j = 0; j < count; j++) put(A, i * count + j, at(FREE_H, ri * nFree + index(MOVING, j)));
  }
  if (!choleskyInPlace(A, count)) return false;
  for (let i = 0; i < count * count; i++) put(INVERSE, i, 0);
  for (let c = 0; c < count; c++) { // column c at [c·count, c·count + count): symmetric, so also row c
    put(INVERSE, c * count + c, 1);
    choleskySolve(A, INVERSE + (<usize>(c * count) << 3), count);
  }
  return true;
}

export function lastConverged(): bool { return fitConverged; }
export function lastIterations(): i32 { return fitIterations; }
export function lastAtLimit(): i32 { return fitAtLimit; }

/** ln det of the last fit's free Fisher matrix at its result (NaN when it left none; −Infinity when singular). */
export function logDetLastFisher(): f64 {
  const k = lastFisherSize;
  if (k < 0) return NaN;
  for (let i = 0; i < k * k; i++) put(A, i, at(FREE_H, i));
  if (!choleskyInPlace(A, k)) return -Infinity;
  let logDet: f64 = 0;
  for (let j = 0; j < k; j++) logDet += 2 * Math.log(at(A, j * k + j));
  return logDet;
}

/** Solves A·x = b in place (b becomes x) by Cholesky; false when A is not positive definite. */
function solveSymmetric(a: usize, b: usize, n: i32): bool {
  if (!choleskyInPlace(a, n)) return false;
  choleskySolve(a, b, n);
  return true;
}

/** A = L·Lᵀ, L into the lower triangle of a; false when A is not positive definite. */
function choleskyInPlace(a: usize, n: i32): bool {
  for (let j = 0; j < n; j++) {
    let d = at(a, j * n + j);
    for (let k = 0; k < j; k++) d -= at(a, j * n + k) * at(a, j * n + k);
    if (!(d > 0)) return false;
    d = Math.sqrt(d);
    put(a, j * n + j, d);
    for (let i = j + 1; i < n; i++) {
      let s = at(a, i * n + j);
      for (let k = 0; k < j; k++) s -= at(a, i * n + k) * at(a, j * n + k);
      put(a, i * n + j, s / d);
    }
  }
  return true;
}

/** Solves L·Lᵀ·x = b for the n values at x in place, L from choleskyInPlace. */
function choleskySolve(l: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    let s = at(x, i);
    for (let k = 0; k < i; k++) s -= at(l, i * n + k) * at(x, k);
    put(x, i, s / at(l, i * n + i));
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = at(x, i);
    for (let k = i + 1; k < n; k++) s -= at(l, k * n + i) * at(x, k);
    put(x, i, s / at(l, i * n + i));
  }
}

// ---- the pixel fits' common path -----------------------------------------------------------------------------
// fitPixelRange (scanFits.ts) for a batch of pixels, as far as most pixels go: the mask, dead and too-few-points
// statuses, the amplitude-only fit of the ASIC shape, the fit from the ASIC curve scaled to the pixel, and its row of
// results when that fit converged, is not bad and its σ is clear of the bound. Any other pixel is left to the
// TypeScript (status PIXEL_ON_HOST) with its amplitude-only fit in its row.

/** Row layout of scanFits.ts (R_*), its statuses (PixelStatus) and the status of a pixel left to the caller. */
const R_STATUS = 0, R_THETA = 1, R_ERROR = 6, R_DEVIANCE = 11, R_NDF = 12, R_PVALUE = 13, R_SHAPE_DEVIANCE = 14, R_FLAGS = 15;
const R_SCALE = 16, RESULT_FIELDS = 17;
const STATUS_OK: f64 = 0, STATUS_MASKED: f64 = 1, STATUS_DEAD: f64 = 2, STATUS_FAILED: f64 = 3, STATUS_TOO_FEW: f64 = 5;
const PIXEL_ON_HOST: f64 = -1;
/** resolveEdge's screen (scanFits.ts SIGMA_SCREEN_ERRORS): a σ this many errors above its bound needs no profile. */
const SIGMA_SCREEN_ERRORS: f64 = 3;

/** The batch (addresses from pixelLayout): the ASIC curve's ν and Jacobian at the fit points and its θ, the ASIC
 *  shape per unit scale, the pixels' counts (m each, pixel-major), mask bytes and result rows. */
let START_NU: usize = 0, START_JAC: usize = 0, ASIC_THETA: usize = 0, SHAPE: usize = 0;
let PIXEL_COUNTS: usize = 0, PIXEL_MASK: usize = 0, PIXEL_ROWS: usize = 0;
/** The pixel fits' free parameters (bits), deviance tolerance, and the deviance below which a fit is surely good. */
let pixelFreeBits: i32 = 0, pixelTolerance: f64 = 0, surelyGoodBelow: f64 = 0;

export function pixelLayout(startNu: usize, startJac: usize, asicTheta: usize, shape: usize, counts: usize, mask: usize,
  rows: usize): void {
  START_NU = startNu; START_JAC = startJac; ASIC_THETA = asicTheta; SHAPE = shape;
  PIXEL_COUNTS = counts; PIXEL_MASK = mask; PIXEL_ROWS = rows;
}

/** The fits of the batch: free parameters, tolerance and the deviance below which the χ² p-value is surely above the
 *  bad-fit cut (bounds in LOWER/UPPER, t and exposure in T/EXPOSURE). */
export function setPixelFit(freeBits: i32, tolerance: f64, goodBelow: f64): void {
  pixelFreeBits = freeBits; pixelTolerance = tolerance; surelyGoodBelow = goodBelow;
}

/** Fits `count` pixels of m points (see above); rows of RESULT_FIELDS values. */
export function fitPixels(count: i32, m: i32): void {
  const ownCounts = COUNTS;
  let nFree = 0;
  for (let k = 0; k < N_PARAMS; k++) if (pixelFreeBits & (1 << k)) nFree++;
  for (let i = 0; i < count; i++) {
    const row = PIXEL_ROWS + (<usize>(i * RESULT_FIELDS) << 3);
    for (let f = 0; f < RESULT_FIELDS; f++) put(row, f, NaN);
    put(row, R_FLAGS, 0);
    if (load<u8>(PIXEL_MASK + <usize>i)) { put(row, R_STATUS, STATUS_MASKED); continue; }
    COUNTS = PIXEL_COUNTS + (<usize>(i * m) << 3);
    let total: f64 = 0, nonZero = 0;
    for (let j = 0; j < m; j++) { const n = at(COUNTS, j); total += n; if (n > 0) nonZero++; }
    if (total == 0) { put(row, R_STATUS, STATUS_DEAD); continue; }
    if (m <= nFree || nonZero < 3) { put(row, R_STATUS, STATUS_TOO_FEW); continue; }
    const scale = amplitudeOnlyFit(row, m);
    if (!(scale > 0 && isFinite(scale))) { put(row, R_STATUS, PIXEL_ON_HOST); continue; }
    startFromAsic(scale, m);
    const dev = fit(m, pixelFreeBits, pixelTolerance, false, true);
    const sigmaClear = at(THETA, SIGMA) - at(LOWER, SIGMA) > SIGMA_SCREEN_ERRORS * at(ERRORS, SIGMA);
    if (!fitConverged || !isFinite(at(ERRORS, MU)) || !(dev < surelyGoodBelow) || !sigmaClear) {
      put(row, R_STATUS, PIXEL_ON_HOST);
      continue;
    }
    let errorsOk = true;
    for (let k = 0; k < N_PARAMS; k++) {
      put(row, R_THETA + k, at(THETA, k));
      const e = at(ERRORS, k);
      put(row, R_ERROR + k, e);
      if (!isFinite(e)) errorsOk = false;
    }
    put(row, R_DEVIANCE, dev);
    put(row, R_NDF, <f64>(m - nFree));
    put(row, R_PVALUE, chi2Survival(dev, m - nFree));
    put(row, R_FLAGS, <f64>fitAtLimit);
    put(row, R_SCALE, NaN);
    put(row, R_STATUS, errorsOk ? STATUS_OK : STATUS_FAILED);
  }
  COUNTS = ownCounts;
}

/** The ASIC shape with only its scale free (deviance.ts amplitudeOnlyFit): its deviance into the row, and the
 *  scale into the row and returned. */
function amplitudeOnlyFit(row: usize, m: i32): f64 {
  let sn: f64 = 0, sm: f64 = 0;
  for (let j = 0; j < m; j++) { sn += at(COUNTS, j); sm += at(EXPOSURE, j) * at(SHAPE, j); }
  const scale = sm > 0 ? sn / sm : NaN;
  let d: f64 = 0;
  for (let j = 0; j < m; j++) {
    const nu = scale * at(EXPOSURE, j) * at(SHAPE, j), n = at(COUNTS, j);
    d += nu > 0 ? 2 * (nu - n + (n > 0 ? n * Math.log(n / nu) : 0)) : (n > 0 ? Infinity : 0);
  }
  put(row, R_SHAPE_DEVIANCE, d);
  put(row, R_SCALE, scale);
  return scale;
}

/** θ, ν and the Jacobian of the ASIC curve scaled by k (scanFits.ts ScaledAsicCurve): the heights × k. */
function startFromAsic(k: f64, m: i32): void {
  put(THETA, MU, at(ASIC_THETA, MU));
  put(THETA, SIGMA, at(ASIC_THETA, SIGMA));
  put(THETA, AMPLITUDE, k * at(ASIC_THETA, AMPLITUDE));
  put(THETA, SLOPE, k * at(ASIC_THETA, SLOPE));
  put(THETA, BACKGROUND, k * at(ASIC_THETA, BACKGROUND));
  for (let j = 0; j < m; j++) put(NU, j, k * at(START_NU, j));
  for (let o = 0; o < m * N_PARAMS; o += N_PARAMS) {
    put(JAC, o + MU, k * at(START_JAC, o + MU));
    put(JAC, o + SIGMA, k * at(START_JAC, o + SIGMA));
    put(JAC, o + AMPLITUDE, at(START_JAC, o + AMPLITUDE));
    put(JAC, o + SLOPE, at(START_JAC, o + SLOPE));
    put(JAC, o + BACKGROUND, at(START_JAC, o + BACKGROUND));
  }
}

// ---- the χ² p-value ------------------------------------------------------------------------------------------

/** Beyond this half-χ² the sums are taken relative to their largest term, in logarithms (e^−y would underflow). */
const LOG_SPACE_BEYOND: f64 = 700;
const SQRT_PI: f64 = 1.7724538509055160;

/**
 * P(χ²_ndf ≥ x) for a whole number of degrees of freedom, in closed form (y = x/2): e^−y·Σ_{i<ndf/2} y^i/i! for
 * even ndf, erfc(√y) + e^−y·Σ_{i=1…(ndf−1)/2} y^(i−½)/Γ(i+½) for odd ndf; all terms positive, each from the last by
 * one product: within 1e-13 relative of the exact value, a few ulps near 1. NaN for ndf ≤ 0 or x not finite
 * (statistics.ts chi2Survival, which the tests compare).
 */
export function chi2Survival(x: f64, ndf: i32): f64 {
  if (ndf <= 0 || !isFinite(x)) return NaN;
  if (x <= 0) return 1;
  const y = 0.5 * x;
  const odd = (ndf & 1) != 0, terms = odd ? (ndf - 1) >> 1 : ndf >> 1;
  // terms t_0 … t_(terms−1): even t_0 = 1, odd t_0 = y^½/Γ(3/2); t_i = t_(i−1)·y/(i + offset)
  const offset: f64 = odd ? 0.5 : 0;
  const head: f64 = odd ? erfcOf(Math.sqrt(y), false) : 0;
  if (terms == 0) return head;
  const first: f64 = odd ? 2 * Math.sqrt(y) / SQRT_PI : 1;
  if (y < LOG_SPACE_BEYOND) {
    let t = first, sum = first;
    for (let i = 1; i < terms; i++) { t *= y / (<f64>i + offset); sum += t; }
    return Math.min(head + Math.exp(-y) * sum, 1); // near 1 the sum can round above it
  }
  // far in the tail: relative to the largest term t_top, with ln t_top summed directly
  const top = <i32>Math.min(<f64>(terms - 1), Math.floor(y));
  let logTop = Math.log(first);
  for (let i = 1; i <= top; i++) logTop += Math.log(y / (<f64>i + offset));
  let sum: f64 = 1, r: f64 = 1;
  for (let i = top; i >= 1; i--) { r *= (<f64>i + offset) / y; sum += r; }
  r = 1;
  for (let i = top + 1; i < terms; i++) { r *= y / (<f64>i + offset); sum += r; }
  return head + Math.exp(logTop - y) * sum;
}
