// The one message vocabulary shared by the engine (CLI / child process), the extension host and the webviews.

export type AnalysisPhase = 'discover' | 'flux' | 'fit' | 'write';

/** Child process (engine) → extension host; also the lines printed by `velo-calib analyse --json`. */
export type EngineEvent =
  | { type: 'progress'; phase: AnalysisPhase; done: number; total: number; scan?: string;
      /** Position of this scan among the folder's scans (0-based) and their number, for an overall percentage. */
      scanIndex?: number; scanCount?: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'result'; scan: string; outputDir: string; summaryFile: string }
  | { type: 'done'; outputDirs: string[] }
  /** `message` is one line for people; `stack` (a developer's detail) only in JSON/IPC events and with VELO_DEBUG=1. */
  | { type: 'error'; message: string; stack?: string };

/** Extension host → child process. */
export type EngineCommand = { type: 'cancel' };

/** Pixel fit status by code (the value in map_status.csv and pixel_maps.f64). */
export const STATUS_NAMES = ['ok', 'masked', 'dead', 'failed', 'bad-fit', 'too-few-points'] as const;

/** Pixel fit flags by bit (the value in map_flags.csv is the sum of 2^bit; pixel_fits.csv lists the names):
 *  a parameter at a bound of the fit, or σ quoted as a 95 % upper limit (then in map_sigma_upper.csv). */
export const FIT_FLAG_NAMES = ['mu-at-limit', 'sigma-at-limit', 'amplitude-at-limit', 'slope-at-limit',
  'background-at-limit', 'sigma-upper-limit'] as const;

/** Environment flag telling dist/cli.js that it was forked by the extension and should talk over IPC. */
export const ENGINE_IPC_ENV = 'VELO_CALIB_IPC';

/** Quantities the pixel map can show. */
export type MapQuantity = 'flux' | 'mu' | 'sigma' | 'amplitude' | 'slope' | 'chi2_ndf' | 'pvalue' | 'status' | 'delta_deviance';

export interface PixelFitRow {
  status: string;
  values: Record<string, number | null>;
}

/** Extension host → pixel-map webview. Matrices travel as typed arrays, not 65k-row JSON. */
export type ToPixelMapMessage =
  | { type: 'init'; title: string; rows: number; cols: number; thresholds: number[]; quantities: MapQuantity[];
      statusNames: string[]; initial: { quantity: MapQuantity; threshold?: number; pixel?: [number, number] } }
  | { type: 'map'; quantity: MapQuantity; threshold?: number; values: Float64Array; errors?: Float64Array; status?: Uint8Array;
      asicValue: number | null }
  | { type: 'pixel'; row: number; col: number; fit: PixelFitRow | null };

/** Pixel-map webview → extension host. */
export type FromPixelMapMessage =
  | { type: 'ready' }
  | { type: 'requestMap'; quantity: MapQuantity; threshold?: number }
  | { type: 'selectPixel'; row: number; col: number }
  | { type: 'export'; format: 'png' | 'csv'; quantity: MapQuantity; data: string }
  | { type: 'drawn'; quantity: MapQuantity; milliseconds: number };

/** A fitted curve as the webviews draw it (the model is evaluated in the webview from the engine's model code). */
export interface CurveSpec {
  model: 'scurve' | 'seed' | 'seed-sqrt2' | 'kbeta';
  polarity: 1 | -1;
  /** mu, sigma, amplitude, slope, background */
  params: number[];
}

export interface PixelCurve {
  row: number;
  col: number;
  status: string;
  thresholds: number[];
  counts: number[];
  /** Exposure T (s) per threshold; 0 where every acquisition was bad. */
  exposure: number[];
  fit: { curve: CurveSpec; errors: Array<number | null>; chi2: number | null; ndf: number | null } | null;
}

/** Extension host → fit-diagnostics webview. */
export type ToDiagnosticsMessage =
  | { type: 'init'; title: string; rows: number; cols: number; asic: CurveSpec | null }
  | { type: 'pixel'; curve: PixelCurve; pin: boolean };

/** Fit-diagnostics webview → extension host. */
export type FromDiagnosticsMessage =
  | { type: 'ready' }
  | { type: 'requestPixel'; row: number; col: number; pin: boolean }
  | { type: 'openInMap'; row: number; col: number };

/** Extension host → ASIC-overview webview. */
export type ToOverviewMessage = {
  type: 'overview'; title: string; thresholds: number[]; flux: Array<number | null>; fluxError: Array<number | null>;
  allBad: number[]; fit: CurveSpec | null; fitErrors: Array<number | null>; chi2: number | null; ndf: number | null;
  conclusions: string[]; keyNumbers: Array<[string, string]>;
};

export type FromOverviewMessage = { type: 'ready' };
