// How numbers are shown to people (webviews, tree tooltips, report, conclusions): one rule everywhere.
// No Node or vscode import: engine, extension and webviews all import this module.

/** Decimal places that show `error` with two significant digits (negative: round to tens, hundreds…). */
function decimalsForError(error: number): number {
  return 1 - Math.floor(Math.log10(Math.abs(error)));
}

function roundTo(value: number, decimals: number): string {
  if (decimals >= 0) return value.toFixed(Math.min(decimals, 20));
  const scale = 10 ** -decimals;
  return (Math.round(value / scale) * scale).toFixed(0);
}

/**
 * `value ± error` rounded to the error: two significant digits of the error, the value to the same decimal
 * (`1437.84 ± 12.39` → `1438 ± 12`, `0.012345 ± 0.00067` → `0.01234 ± 0.00067`). Without a usable error the
 * value alone is shown with `digits` significant digits. `unit` is appended after a space when given.
 */
export function formatWithError(value: number | null | undefined, error: number | null | undefined,
  unit = '', digits = 4): string {
  const u = unit ? ` ${unit}` : '';
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  if (error === null || error === undefined || !Number.isFinite(error) || error <= 0) return formatNumber(value, digits) + u;
  let d = decimalsForError(error);
  // 9.96 rounds to "10" (three digits): recompute the decimals from the rounded error.
  if (Math.abs(Number(roundTo(error, d))) >= 10 ** (2 - d)) d -= 1;
  const big = Math.abs(value) >= 1e6 || (Math.abs(value) < 1e-4 && value !== 0);
  if (big) {
    const exp = Math.floor(Math.log10(Math.abs(value)));
    const m = value / 10 ** exp, e = error / 10 ** exp;
    const dm = Math.max(0, decimalsForError(e));
    return `(${m.toFixed(dm)} ± ${e.toFixed(dm)})e${exp}${u}`;
  }
  return `${roundTo(value, d)} ± ${roundTo(error, d)}${u}`;
}

/** A number alone, `digits` significant digits, exponent notation for very large or small magnitudes. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const a = Math.abs(value);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return value.toExponential(Math.max(0, digits - 1));
  return Number(value.toPrecision(digits)).toString();
}
