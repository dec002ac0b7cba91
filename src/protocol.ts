// The one message vocabulary shared by the engine (CLI / child process), the extension host and the webviews.

import type { ComparedQuantity } from './contract/compareFiles';
import type { MapQuantity } from './contract/quantities';
import type { LiveSnapshotState } from './contract/summary';

export type AnalysisPhase = 'discover' | 'flux' | 'fit' | 'write';

/** Child process (engine) → extension host; also the lines printed by `velo-calib analyse --json`. */
export type EngineEvent =
  | { type: 'progress'; phase: AnalysisPhase; done: number; total: number; scan?: string;
      /** Position of this scan among the folder's scans (0-based) and their number, for an overall percentage. */
      scanIndex?: number; scanCount?: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'result'; scan: string; outputDir: string; summaryFile: string }
  | { type: 'done'; outputDirs: string[];
      /** Scans of the folder that could not be analysed (e.g. an ambiguous mask); the others have results. */
      failedScans?: FailedScanReport[] }
  /** `message` is one line for people; `stack` (a developer's detail) only in JSON/IPC events and with VELO_DEBUG=1.
   *  `failedScans`: the scans whose input made the run fail (e.g. the only scan's ambiguous baseline). */
  | { type: 'error'; message: string; stack?: string; failedScans?: FailedScanReport[] }
  /** `velo-calib watch`: after every counted acquisition, the state of the scan being taken. */
  | { type: 'live'; scan: string; file: string; status: 'good' | 'bad'; filesCounted: number; filesPerSecond: number;
      thresholdsSeen: number; thresholdsDone: number; etaSeconds: number | null; badRate: number;
      /** The ASIC flux curve so far (null where no acquisition is good yet). */
      asic: { thresholds: number[]; flux: Array<number | null>; fluxError: Array<number | null> } }
  /** `velo-calib watch`: something the physicist should look at now (also sent as a `log` warning). */
  | { type: 'alert'; kind: LiveAlertKind; message: string; file?: string };

/** An input file the engine will not guess: several candidates fit the scan. The CLI's error lists them; the
 *  extension asks the user to choose one and runs the scan again with it (`--mask`, `--baseline`, `--baseline-width`). */
export interface AmbiguousInput {
  kind: 'ambiguous-mask' | 'ambiguous-baseline' | 'ambiguous-baseline-width';
  /** Absolute paths of the candidate files. */
  candidates: string[];
}

/** A scan that could not be analysed, and why; `ambiguous` when only the user's choice of a file can fix it. */
export interface FailedScanReport { scan: string; message: string; ambiguous?: AmbiguousInput }

export type LiveAlertKind = 'bad-run' | 'edge' | 'changed-file' | 'removed-file';

/** Extension host → child process (`cancel` stops a `watch`, which then publishes its final result). */
export type EngineCommand = { type: 'cancel' };

export { FIT_FLAG_NAMES, STATUS_NAMES } from './contract/quantities';
export type { MapQuantity };


/** Environment flag telling dist/cli.js that it was forked by the extension and should talk over IPC. */
export const ENGINE_IPC_ENV = 'VELO_CALIB_IPC';

// ---- Webviews ↔ extension host: requests with replies, and pushes ----------------------------------------------
// The webview asks (`request`, with a messageId); the host answers exactly once (`reply`, inReplyTo = messageId,
// `error` when its handler threw: the webview shows it). The host tells the webview of changes made elsewhere
// (`push`). Each panel's vocabulary is a table method → [params, result].

export type WebviewApi = Record<string, [unknown, unknown]>;

export type WebviewRequest<A extends WebviewApi> = { [K in keyof A & string]: { kind: 'request'; messageId: number; method: K; params: A[K][0] } }[keyof A & string];

export type HostMessage<Push> =
  | { kind: 'reply'; inReplyTo: number; result?: unknown; error?: string }
  | { kind: 'push'; push: Push };

/** How long the host waits for a new webview to announce itself before it reports the panel as broken. */
export const WEBVIEW_READY_TIMEOUT_MS = 15000;

export interface PixelFitRow {
  status: string;
  values: Record<string, number | null>;
  /** Fit flags (`sigma-upper-limit`, …), when the engine writes them. */
  flags?: string[];
}

/** What a pixel-map panel shows; saved by the webview (setState) and handed back after a reload. */
export interface PixelMapState {
  outputDir: string; quantity?: MapQuantity; threshold?: number; pixel?: [number, number];
  scale?: 'lin' | 'log'; logY?: boolean; range?: [number, number]; lockRange?: boolean;
}

export interface PixelMapInit {
  title: string; folder: string; rows: number; cols: number; thresholds: number[]; quantities: MapQuantity[];
  statusNames: string[]; quantity: MapQuantity; threshold: number;
  /** The colour range locked for maps of a quantity, shared by every map panel. */
  lockedRanges: Partial<Record<MapQuantity, [number, number]>>;
  /** A live watch's snapshot: how far it is (null: a complete result). */
  live: LiveSnapshotState | null;
}

/** Matrices travel as typed arrays, not 65k-row JSON. */
export interface MapData {
  quantity: MapQuantity; threshold?: number; values: Float64Array; errors?: Float64Array; status?: Uint8Array;
  /** σ upper limits where σ was not measured (NaN elsewhere), when the engine writes them. */
  sigmaUpper?: Float64Array;
  asicValue: number | null; asicLabel: string;
  /** The ASIC value's error, when the summary gives one (μ, σ, target, gain). */
  asicError?: number | null;
}

export type PixelMapApi = {
  ready: [PixelMapState, PixelMapInit];
  map: [{ quantity: MapQuantity; threshold?: number }, MapData];
  /** `open`: also show the pixel in Fit Diagnostics (a click or arrow key; not a restore). */
  selectPixel: [{ row: number; col: number; open: boolean }, PixelFitRow | null];
  export: [{ format: 'png' | 'csv'; quantity: MapQuantity; threshold?: number; data: string }, string | null];
  lockRange: [{ quantity: MapQuantity; range: [number, number] | null }, null];
};

export type PixelMapPush =
  | { type: 'pixel'; row: number; col: number; fit: PixelFitRow | null }
  | { type: 'lockedRange'; quantity: MapQuantity; range: [number, number] | null }
  /** A live watch published the folder anew: redraw from it in place (quantity, threshold, zoom, range, pixel kept). */
  | { type: 'refresh'; init: PixelMapInit };

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
  flags?: string[];
  /** With a noise baseline: the pixel's `target`, `target_err`, `gain`, `gain_err` (pixel_fits.csv's trailing columns). */
  gain?: Record<string, number | null>;
}

export interface DiagnosticsState { outputDir: string; row: number; col: number }

export interface DiagnosticsInit { outputDir: string; title: string; rows: number; cols: number; asic: CurveSpec | null; curve: PixelCurve }

export type DiagnosticsApi = {
  ready: [DiagnosticsState, DiagnosticsInit];
  /** `pin`: add to the overlay instead of showing it. */
  pixel: [{ row: number; col: number; pin: boolean }, PixelCurve];
  openInMap: [{ row: number; col: number }, null];
};

/** The map selected another pixel (maybe of another scan: then `init` replaces the panel's content), or a live
 *  watch published the folder anew (`refresh`: the same pixel and pins, redrawn in place). */
export type DiagnosticsPush = { type: 'show'; init: DiagnosticsInit } | { type: 'refresh'; init: DiagnosticsInit };

export interface OverviewState { outputDir: string }

export interface OverviewData {
  title: string; folder: string; thresholds: number[]; flux: Array<number | null>; fluxError: Array<number | null>;
  allBad: number[]; fit: CurveSpec | null; chi2: number | null; ndf: number | null;
  conclusions: string[]; keyNumbers: Array<[string, string]>;
  /** The fit of the ASIC curve of ok pixels only (newer results). */
  asicGood?: CurveSpec | null;
  /** With a noise baseline: the gain numbers (empty without), and the fit of the baseline-aligned ASIC curve
   *  (flux per pixel vs threshold − baseline). */
  gainNumbers?: Array<[string, string]>; aligned?: CurveSpec | null;
  live: LiveSnapshotState | null;
}

/** A live watch published the folder anew: redraw in place. */
export type OverviewPush = { type: 'refresh'; data: OverviewData };

export type OverviewApi = {
  ready: [OverviewState, OverviewData];
};

// ---- Compare panel: B against A (velo-calib compare) ------------------------------------------------------------

/** What a compare panel shows; saved by the webview and handed back after a reload. */
export interface CompareState {
  compareDir: string; quantity?: ComparedQuantity; show?: 'delta' | 'significance';
}

/** One scan of a comparison: A or B. */
export interface CompareSide { scan: string; label: string; folder: string }

/** The compare.json numbers of one quantity's Δ = B − A over the pixels ok in both. */
export interface DeltaSummary {
  n: number; mean: number; error: number; median: number; spread: number;
  mean_unchanged: number; error_unchanged: number; slope: number; slope_error: number; r: number; changed: number;
}

export interface CompareInit {
  title: string; a: CompareSide; b: CompareSide; rows: number; cols: number; okBoth: number; statusNames: string[];
  /** The quantities both scans have (gain only with a baseline). */
  quantities: ComparedQuantity[]; quantity: ComparedQuantity;
  deltas: Partial<Record<ComparedQuantity, DeltaSummary>>;
  /** compare.json's plain-language conclusions (untrusted text: shown with textContent). */
  conclusions: string[];
}

/** One quantity of both scans as typed arrays: Δ and its significance (the engine's maps), A and B with errors. */
export interface CompareMapData {
  quantity: ComparedQuantity; delta: Float64Array; significance: Float64Array;
  a: Float64Array; aErr: Float64Array; b: Float64Array; bErr: Float64Array; statusA: Uint8Array; statusB: Uint8Array;
}

export type CompareApi = {
  ready: [CompareState, CompareInit];
  map: [{ quantity: ComparedQuantity }, CompareMapData];
  /** Opens compare.md in the Markdown preview. */
  openReport: [null, null];
};

/** What a Campaign panel shows: the campaign.json under `root` (written by `velo-calib collect`). */
export interface CampaignState { root: string; quantity?: string; module?: string; condition?: string; sort?: [string, 'asc' | 'desc'] }

export interface CampaignData {
  root: string; created: string;
  /** One row per analysed scan, as in campaign.json (`folder`: the result folder relative to root). */
  rows: Array<Record<string, string | number | null>>;
  skipped: Array<{ folder: string; reason: string }>;
}

export type CampaignApi = {
  ready: [CampaignState, CampaignData];
  /** Runs `collect` again (in the engine process) and answers with the new table. */
  refresh: [null, CampaignData];
  /** Opens the pixel map of the scan whose result folder (relative to root) is `folder`. */
  openScan: [{ folder: string }, null];
};

/** The campaign was collected again (command run while the panel is open): the new table. */
export type CampaignPush = { type: 'data'; data: CampaignData };
