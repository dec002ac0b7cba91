// What `velo-calib compare` writes and the Compare panel reads: file names and the compared quantities.
// No Node import: engine, extension and webviews share it.

export const COMPARE_JSON_FILE = 'compare.json';
export const COMPARE_REPORT_FILE = 'compare.md';
/** Where the extension puts a comparison: `<A's data folder>/velo-calib-compare/<name>` (beside A's results). */
export const COMPARE_FOLDER_NAME = 'velo-calib-compare';

export const COMPARED_QUANTITIES = [
  { name: 'mu', title: 'thresholds μ', symbol: 'μ', unit: 'DAC' },
  { name: 'sigma', title: 'edge widths σ', symbol: 'σ', unit: 'DAC' },
  { name: 'amplitude', title: 'amplitudes', symbol: 'amplitude', unit: 'Hz' },
  { name: 'gain', title: 'gains K', symbol: 'K', unit: 'e⁻/DAC' },
] as const;
export type ComparedQuantity = (typeof COMPARED_QUANTITIES)[number]['name'];

/** Δ = B − A per pixel (`map_delta_mu.csv`), or its significance Δ/√(e_A² + e_B²) (`map_delta_mu_significance.csv`). */
export const deltaMapFileName = (quantity: ComparedQuantity, significance = false) =>
  `map_delta_${quantity}${significance ? '_significance' : ''}.csv`;
