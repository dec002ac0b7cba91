// Names of the files an analysis writes into its output folder (the output contract in README). No Node import:
// the engine writes these names, the extension and the webviews read them.

/** Default output folder name, inside the data folder; with several scans each gets a subfolder named by its id. */
export const OUTPUT_FOLDER_NAME = 'velo-calib';
export const SUMMARY_FILE = 'summary.json';
export const REPORT_FILE = 'report.md';
export const ASIC_FIT_FILE = 'asic_fit.json';
export const PIXEL_FITS_FILE = 'pixel_fits.csv';
/** Summed counts, float32 little-endian, pixel-major (pixel p, threshold j at p·nThresholds + j). */
export const PIXEL_COUNTS_FILE = 'pixel_counts.f32';
/** Every per-pixel map, float64 little-endian, one rows×cols map after another (names in summary.fit.pixel_maps). */
export const PIXEL_MAPS_FILE = 'pixel_maps.f64';

/** CSV map of one per-pixel quantity (`mu`, `sigma_err`, `status`, …). */
export const mapFileName = (quantity: string) => `map_${quantity}.csv`;

/** Per-pixel flux and its uncertainty at one threshold. */
export const pixelFluxFileName = (scanId: string, threshold: number, kind: 'flux' | 'uncertainty') =>
  `${kind === 'flux' ? '' : 'Uncertainty'}Fluxperpixel_${scanId}_THR_${threshold}.csv`;

/** Entries of an output folder that are not results (staging folders, versioned hidden directories). */
export const isHiddenEntry = (name: string) => name.startsWith('.');
