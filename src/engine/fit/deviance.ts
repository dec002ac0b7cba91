// The Poisson deviance, and the one fit with a closed form: a known curve shape scaled to the counts. No Node
// modules here: the Fit Diagnostics webview shares this file.

/** Baker–Cousins Poisson deviance term, 2·(ν − n + n·ln(n/ν)). */
export function devianceTerm(n: number, nu: number): number {
  return 2 * (nu - n + (n > 0 ? n * Math.log(n / nu) : 0));
}

/** The ASIC shape with only its scale free: ν_j = k·T_j·S_j, k̂ = Σn/Σ(T·S) in closed form. */
export function amplitudeOnlyFit(n: ArrayLike<number>, exposure: ArrayLike<number>, shape: ArrayLike<number>, m: number) {
  let sn = 0, sm = 0;
  for (let j = 0; j < m; j++) { sn += n[j]; sm += exposure[j] * shape[j]; }
  const scale = sm > 0 ? sn / sm : NaN;
  let deviance = 0;
  for (let j = 0; j < m; j++) {
    const nu = scale * exposure[j] * shape[j];
    deviance += nu > 0 ? devianceTerm(n[j], nu) : (n[j] > 0 ? Infinity : 0);
  }
  return { scale, deviance };
}
