// The one message vocabulary shared by the engine (CLI / child process), the extension host and the webviews.

export type AnalysisPhase = 'discover' | 'flux' | 'fit' | 'write';

/** Child process (engine) → extension host; also the lines printed by `velo-calib analyse --json`. */
export type EngineEvent =
  | { type: 'progress'; phase: AnalysisPhase; done: number; total: number; scan?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'result'; scan: string; outputDir: string; summaryFile: string }
  | { type: 'done'; outputDirs: string[] }
  | { type: 'error'; message: string };

/** Extension host → child process. */
export type EngineCommand = { type: 'cancel' };

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
  | { type: 'drawn'; quantity: MapQuantity; milliseconds: number };
