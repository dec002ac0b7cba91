// Fit outputs: pixel_fits.csv, parameter maps, asic_fit.json, report.md, and the fit part of summary.json.
import { StagedOutput } from './atomicFiles';
import { ScanFlux } from './flux';
import { formatNumber as formatNumberShown, formatWithError } from '../contract/format';
import { analyseHeterogeneity, Heterogeneity, medianError, outlierText, spreadError } from './heterogeneity';
import { FIT_FLAG_NAMES, fitScan, FitSettings, R_FLAGS, RESULT_FIELDS, ScanFitResult } from './scanFits';
import { FIT_PARAMETERS, seedThesisParameters } from './scurveModel';
import { asicGoodConclusion, asicGoodCurve, curveFitJson, fitSummedCurve } from './gain/asicCurves';
import { analyseGain, GainAnalysis, GainInput, PixelQuantity } from './gain/gainAnalysis';
import { skippedAcquisitionsReport } from './input/acquisitionQuality';
import { MAP_FILES, mapColumns, startFitTables } from './report/fitTables';
import { pixelMajorCounts } from './report/pixelCounts';
import { startResultsH5 } from './report/resultsH5';
import { prestartWorkers } from './report/spareWorkers';
import { workerScript } from './workerPool';

export type { FitSettings } from './scanFits';

export { flagNames, MAP_FILES, PIXEL_FITS_HEADER } from './report/fitTables';

/** Starts the fit outputs' worker threads ahead of the scan (`workers` as the analysis's): two for the tables, one
 *  for results.h5. */
export function prestartFitOutputWorkers(workers: number): void {
  if (workers <= 0) return;
  prestartWorkers(workerScript('fitTablesWorker'), Math.min(workers, 2));
  prestartWorkers(workerScript('resultsH5Worker'), 1);
}

/** `gain`: the pixels' baselines, when the scan has one (adds target and gain columns, maps and the `gain` block);
 *  `pixelCounts`: the scan's counts pixel-major (for results.h5). */
export async function fitScanOutputs(staged: StagedOutput, flux: ScanFlux, settings: FitSettings, gainInput?: GainInput,
  pixelCounts = () => pixelMajorCounts(flux.counts, flux.shape.rows * flux.shape.cols)) {
  const fits = await fitScan(flux, settings);
  const asicFit = asicFitJson(fits);
  // the fit tables and results.h5 are made by worker threads from the shared results while this one analyses the
  // fits; gain columns, when the scan has a baseline, are added when known
  const extraExpected = gainInput !== undefined;
  const tables = startFitTables(staged, fits.results, fits.shape, settings.workers, extraExpected);
  // every map once, in shared memory: for pixel_maps.f64 and results.h5
  const maps = mapColumns(fits.results, fits.shape.rows * fits.shape.cols);
  const started = [tables, startResultsH5(staged, flux, pixelCounts(), fits, maps, asicFit, settings.workers > 0, extraExpected)];
  try {
    const heterogeneity = analyseHeterogeneity(fits);
    const asicGood = fitSummedCurve(asicGoodCurve(flux, fits), settings.model, fits.asic.polarity);
    heterogeneity.conclusions.push(asicGoodConclusion(asicGood, fits.asic.fit, fits.asic.unmaskedPixels));
    const gain = gainInput && analyseGain(flux, fits, heterogeneity, settings.model, gainInput);
    if (gain) heterogeneity.conclusions.push(...gain.conclusions);
    const extra = gain?.quantities ?? [];
    const written = Promise.all(started.map(s => s.finish(extra)));
    written.catch(() => undefined); // awaited below: a failure here first must not leave it unhandled
    const mapNames = writeMapsBinary(staged, maps, fits.shape.rows * fits.shape.cols, extra);
    staged.write('asic_fit.json', JSON.stringify(asicFit, null, 1) + '\n');
    staged.write('report.md', renderReport(flux, fits, heterogeneity) + (gain ? '\n' + gain.report.join('\n') + '\n' : ''));
    await written;
    return fitSummary(settings, fits, asicFit, asicGood, mapNames, heterogeneity, gain);
  } finally {
    await Promise.all(started.map(s => s.dispose()));
  }
}

function fitSummary(settings: FitSettings, fits: ScanFitResult, asicFit: ReturnType<typeof asicFitJson>,
  asicGood: ReturnType<typeof fitSummedCurve>, maps: string[], heterogeneity: Heterogeneity, gain: GainAnalysis | undefined) {
  return {
    fit: {
      model: settings.model, polarity: fits.asic.polarity, fit_range: settings.fitRange ?? null,
      points: Array.from(fits.points.thresholds), asic: asicFit,
      asic_good: curveFitJson(asicGood, settings.model, fits.asic.polarity),
      pixel_maps: { file: PIXEL_MAPS_FILE, layout: 'float64 little-endian, one rows×cols map after another', maps },
    },
    heterogeneity,
    ...(gain ? { gain: gain.summary } : {}),
  };
}

function asicFitJson(fits: ScanFitResult) {
  const f = fits.asic.fit;
  const named = (v: Float64Array) => Object.fromEntries(FIT_PARAMETERS.map((n, k) => [n, nullIfNaN(v[k])]));
  return {
    model: fits.asic.model, polarity: fits.asic.polarity, params: named(f.theta), errors: named(f.errors),
    chi2: nullIfNaN(f.deviance), ndf: f.ndf, p_value: nullIfNaN(fits.asic.pValue), converged: f.converged,
    unmasked_pixels: fits.asic.unmaskedPixels,
    // the thesis's own parameters (A, f) next to the fitted plateau and slope (see seedModel)
    ...(fits.asic.model === 'seed' || fits.asic.model === 'seed-sqrt2'
      ? { thesis_params: { E0: nullIfNaN(f.theta[0]), s: nullIfNaN(f.theta[1]), ...mapValues(seedThesisParameters(f.theta, fits.asic.polarity), nullIfNaN) } }
      : {}),
    per_pixel_amplitude: nullIfNaN(f.theta[2] / fits.asic.unmaskedPixels),
  };
}

function mapValues<T extends Record<string, number>>(o: T, fn: (v: number) => number | null): Record<keyof T, number | null> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fn(v)])) as Record<keyof T, number | null>;
}

function nullIfNaN(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export { PIXEL_FITS_FILE } from '../contract/outputFiles';

/** Every map of MAP_FILES once more as float64 little-endian, one after the other in MAP_FILES order:
 *  the viewer switches between maps with one read instead of parsing a CSV each time. */
export const PIXEL_MAPS_FILE = 'pixel_maps.f64';
export const PIXEL_MAPS_ORDER = Object.keys(MAP_FILES).map(f => f.replace(/^map_|\.csv$/g, ''));

/** Writes PIXEL_MAPS_FILE (every map of MAP_FILES: `maps`, then every extra quantity); returns the map names in file order. */
function writeMapsBinary(staged: StagedOutput, maps: Float64Array, n: number, extra: PixelQuantity[]): string[] {
  let all = maps;
  if (extra.length) {
    all = new Float64Array(maps.length + n * extra.length);
    all.set(maps);
    extra.forEach((q, i) => all.set(q.values, maps.length + i * n));
  }
  staged.write(PIXEL_MAPS_FILE, new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
  return [...PIXEL_MAPS_ORDER, ...extra.map(q => q.name)];
}

const f = (v: number) => formatNumberShown(v, 4);

function renderReport(flux: ScanFlux, fits: ScanFitResult, h: Heterogeneity): string {
  const a = fits.asic.fit;
  const lines: string[] = [];
  lines.push('# VELO threshold scan report', '');
  lines.push(`Matrix ${flux.shape.rows}×${flux.shape.cols}, ${flux.maskedPixels} masked pixels, ${flux.thresholds.length} thresholds ` +
    `(${fits.points.thresholds.length} in the fit), model \`${fits.asic.model}\`, polarity ${fits.asic.polarity > 0 ? '+1' : '−1'}.`, '');
  lines.push('## Conclusions', '', ...h.conclusions.map(c => `- ${c}`), '');
  lines.push('## ASIC fit', '', '| parameter | value |', '|---|---|');
  FIT_PARAMETERS.forEach((name, k) => lines.push(`| ${name} | ${formatWithError(a.theta[k], a.errors[k])} |`));
  lines.push('', `Deviance ${f(a.deviance)} for ${a.ndf} degrees of freedom (p = ${formatNumberShown(fits.asic.pValue, 3)}).`, '');
  lines.push('## Pixel parameters (ok pixels)', '',
    'Median and robust spread (1.4826 × median absolute deviation); outliers lie beyond 5 spreads from the median. ' +
    'σ only over pixels whose edge is resolved.', '',
    '| quantity | n | median | robust spread | outliers | median fit error |', '|---|---|---|---|---|---|');
  for (const [name, d, symbol, unit] of [['μ (DAC)', h.mu, 'μ', 'DAC'], ['σ (DAC)', h.sigma, 'σ', 'DAC'], ['amplitude (Hz)', h.amplitude, 'amplitude', 'Hz']] as const) {
    lines.push(`| ${name} | ${d.n} | ${formatWithError(d.median, medianError(d))} | ${formatWithError(d.robustRms, spreadError(d))} | ${outlierText(d, symbol, unit) ?? 'none'} | ${f(d.median_fit_error)} |`);
  }
  lines.push('', `${h.sigma.upper_limits} ok pixels have an unresolved edge: σ is quoted as a 95 % upper limit (column sigma_upper, map_sigma_upper.csv).`);
  lines.push('', '## Fit flags', '', '| flag | pixels |', '|---|---|');
  const flagCounts = FIT_FLAG_NAMES.map(() => 0);
  for (let p = 0; p < fits.results.length / RESULT_FIELDS; p++) {
    const bits = fits.results[p * RESULT_FIELDS + R_FLAGS];
    for (let b = 0; b < flagCounts.length; b++) if (bits & (1 << b)) flagCounts[b]++;
  }
  FIT_FLAG_NAMES.forEach((name, b) => lines.push(`| ${name} | ${flagCounts[b]} |`));
  lines.push('', '## Fit status', '', '| status | pixels |', '|---|---|');
  for (const [k, v] of Object.entries(h.status_counts)) lines.push(`| ${k} | ${v} |`);
  lines.push('', '## Edge width', '', '| σ_ASIC | √(⟨σ²⟩ + var μ) | ⟨σ²⟩ | var μ | ratio |', '|---|---|---|---|---|');
  const w = h.asic_width;
  lines.push(`| ${formatWithError(w.sigma_asic, w.sigma_asic_error)} | ${f(w.quadrature_sum)} | ${f(w.mean_sigma_squared)} | ${f(w.var_mu)} | ${f(w.ratio)} |`);
  lines.push('', '## μ by row mod 16', '', '| row mod 16 | ' + h.spatial.mu_by_row_mod16.map((_, i) => i).join(' | ') + ' |',
    '|---' .repeat(17) + '|', '| mean μ | ' + h.spatial.mu_by_row_mod16.map(v => f(v)).join(' | ') + ' |');
  lines.push('', ...skippedAcquisitionsReport(flux.perThreshold));
  lines.push('## ASIC flux per threshold', '', '| threshold | good | bad | failed | flux (Hz) | error (Hz) |', '|---|---|---|---|---|---|');
  for (const t of flux.perThreshold) {
    lines.push(`| ${t.threshold} | ${t.good} | ${t.bad} | ${t.failed} | ${formatWithError(t.asicFlux, t.asicFluxError)} | ${formatNumberShown(t.asicFluxError, 2)} |`);
  }
  return lines.join('\n') + '\n';
}
