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
