// What the numbers are: fit statuses, parameter names, map quantities with their units, and the flux formula.
// No Node import: engine, extension and webviews share it.

/** Pixel fit status by code (the value in map_status.csv and pixel_maps.f64). */
export const STATUS_NAMES = ['ok', 'masked', 'dead', 'failed', 'bad-fit', 'too-few-points'] as const;
export type StatusName = typeof STATUS_NAMES[number];
export const STATUS_MASKED = 1;
export const STATUS_DEAD = 2;

/** Pixel fit flags by bit (the value in map_flags.csv is the sum of 2^bit; pixel_fits.csv lists the names):
 *  a parameter at a bound of the fit, or σ quoted as a 95 % upper limit (then in map_sigma_upper.csv). */
export const FIT_FLAG_NAMES = ['mu-at-limit', 'sigma-at-limit', 'amplitude-at-limit', 'slope-at-limit',
  'background-at-limit', 'sigma-upper-limit'] as const;

/** The five S-curve parameters, in the order of CurveSpec.params and the pixel_fits.csv columns. */
export const PARAMETER_NAMES = ['mu', 'sigma', 'amplitude', 'slope', 'background'] as const;
export type ParameterName = typeof PARAMETER_NAMES[number];

export const PARAMETER_UNITS: Record<ParameterName, string> = { mu: 'DAC', sigma: 'DAC', amplitude: 'Hz', slope: 'Hz/DAC', background: 'Hz' };

/** Quantities the pixel map can show. */
export type MapQuantity = 'flux' | 'mu' | 'sigma' | 'amplitude' | 'slope' | 'chi2_ndf' | 'pvalue' | 'status' | 'delta_deviance'
  | 'target' | 'gain';
export const FIT_QUANTITIES: MapQuantity[] = ['mu', 'sigma', 'amplitude', 'slope', 'chi2_ndf', 'pvalue', 'status', 'delta_deviance'];
/** Quantities of a scan analysed with a noise baseline (map_target.csv, map_gain.csv and their errors). */
export const GAIN_QUANTITIES: MapQuantity[] = ['target', 'gain'];

export const QUANTITY_INFO: Record<MapQuantity, { label: string; unit: string }> = {
  flux: { label: 'flux', unit: 'Hz' }, mu: { label: 'μ', unit: 'DAC' }, sigma: { label: 'σ', unit: 'DAC' },
  amplitude: { label: 'amplitude', unit: 'Hz' }, slope: { label: 'slope', unit: 'Hz/DAC' },
  chi2_ndf: { label: 'deviance/ndf', unit: '' }, pvalue: { label: 'p-value', unit: '' }, status: { label: 'fit status', unit: '' },
  delta_deviance: { label: 'Δdeviance vs ASIC', unit: '' },
  target: { label: 'target', unit: 'DAC' }, gain: { label: 'gain K', unit: 'e⁻/DAC' },
};

/** `μ (DAC)`: a quantity with its unit, for axes and selectors. */
export function quantityLabel(q: MapQuantity): string {
  const { label, unit } = QUANTITY_INFO[q];
  return unit ? `${label} (${unit})` : label;
}

/** Flux of a pixel: summed counts n over the summed exposure T (s), with its Poisson error √n / T. NaN without exposure. */
export function fluxFromCounts(counts: number, exposureSeconds: number): { value: number; error: number } {
  if (!(exposureSeconds > 0)) return { value: NaN, error: NaN };
  return { value: counts / exposureSeconds, error: Math.sqrt(counts) / exposureSeconds };
}

/** The quantile q (0…1) of ascending sorted values, interpolated linearly between ranks; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q)), lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median and robust spread (1.4826 × median absolute deviation: the rms a Gaussian core would have, insensitive to
 *  outliers) of the finite values; the engine's statistics and the pixel map's histogram both use it. */
export function medianAndSpread(values: ArrayLike<number>): { n: number; median: number; robustRms: number } {
  return medianAndSpreadInPlace(finiteValues(values));
}

/** The finite values, in their order, in a new array. */
export function finiteValues(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const v = new Float64Array(n);
  for (let i = 0, j = 0; j < n; i++) if (Number.isFinite(values[i])) v[j++] = values[i];
  return v;
}

/** Median of the finite values (NaN when none). */
export function finiteMedian(values: ArrayLike<number>): number {
  return medianInPlace(finiteValues(values));
}

/** medianAndSpread of finite values `v`, without a copy: leaves v reordered and overwritten. */
export function medianAndSpreadInPlace(v: Float64Array): { n: number; median: number; robustRms: number } {
  const median = medianInPlace(v);
  for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i] - median);
  return { n: v.length, median, robustRms: 1.4826 * medianInPlace(v) };
}

/** percentile(sorted values, 0.5) without sorting: the middle order statistic(s) by selection (reorders v). */
function medianInPlace(v: Float64Array): number {
  const n = v.length;
  if (n === 0) return NaN;
  const lo = (n - 1) >> 1;
  const a = selectInPlace(v, lo);
  if (n % 2 === 1) return a;
  let b = Infinity; // the next order statistic: the least value right of lo after the selection
  for (let i = lo + 1; i < n; i++) if (v[i] < b) b = v[i];
  return a + (b - a) * 0.5;
}

/** The k-th smallest of v (0-based), by Hoare's selection: afterwards v[k] is it, smaller or equal values before it,
 *  greater or equal after it. */
function selectInPlace(v: Float64Array, k: number): number {
  let left = 0, right = v.length - 1;
  while (left < right) {
    const pivot = v[(left + right) >> 1];
    let i = left, j = right;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) { const t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
    }
    if (k <= j) right = j; else if (k >= i) left = i; else break;
  }
  return v[k];
}

/** Text of one number in an output CSV (numpy-compatible `nan`, `inf`, `-inf`). */
export function csvNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

/** A rows×cols matrix as CSV text, one line per row (the engine's output files and the map's Export CSV). */
export function matrixCsv(values: ArrayLike<number>, rows: number, cols: number): string {
  const lines: string[] = new Array(rows);
  const cells: string[] = new Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) cells[c] = csvNumber(values[r * cols + c]);
    lines[r] = cells.join(',');
  }
  return lines.join('\n') + '\n';
}
