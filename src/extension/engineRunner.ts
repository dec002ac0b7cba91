// Runs the engine in child processes (the bundled CLI): analyses over the typed IPC protocol, and the demo
// generator. Every child is tracked, cancellable, and killed when the extension is disposed; no parsing or
// fitting ever happens in the extension host.
import { ChildProcess, fork } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import { ENGINE_IPC_ENV, EngineCommand, EngineEvent } from '../protocol';

export class AnalysisCancelled extends Error {
  constructor() { super('analysis cancelled'); this.name = 'AnalysisCancelled'; }
}

export interface EngineRun {
  folder: string;
  child: ChildProcess;
  cancel(): void;
}

const LAST_LOG_LINES = 15;
/** How long a cancelled engine may take to discard its staging folder before it is killed. */
const CANCEL_GRACE_MS = 10000;

export class EngineRunner implements vscode.Disposable {
  private readonly running = new Map<string, EngineRun>();

  constructor(private readonly cliPath: string, private readonly log: vscode.LogOutputChannel) {}

  isRunning(folder: string): boolean {
    return this.running.has(path.resolve(folder));
  }

  /** Every live child (analyses and generators). */
  private readonly children = new Set<ChildProcess>();

  private fork(args: string[], ipc: boolean): ChildProcess {
    const child = fork(this.cliPath, args, {
      env: { ...process.env, ...(ipc ? { [ENGINE_IPC_ENV]: '1' } : {}), ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
    });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs `velo-calib generate <dir>` (the demo scan); cancellable, killed on dispose. */
  generate(dir: string, token?: vscode.CancellationToken): Promise<void> {
    return this.runCommand(['generate', dir], token);
  }

  /**
   * Runs a one-shot `velo-calib <args>` (generate, compare) without IPC; cancellable, killed on dispose. Rejects
   * with AnalysisCancelled on cancel, or with the command's own error message (its stderr) when it fails.
   */
  runCommand(args: string[], token?: vscode.CancellationToken): Promise<void> {
    this.log.info(`engine: velo-calib ${args.join(' ')}`);
    const child = this.fork(args, false);
    let err = '';
    child.stderr?.on('data', d => { err += d; });
    const listener = token?.onCancellationRequested(() => child.kill('SIGTERM'));
    return new Promise((resolve, reject) => child.on('exit', (code, signal) => {
      listener?.dispose();
      if (code === 0) resolve();
      else {
        reject(token?.isCancellationRequested ? new AnalysisCancelled()
          : new Error(`${args[0]} failed (${signal ?? `exit code ${code}`}): ${err.trim().replace(/^velo-calib: /, '')}`));
      }
    }));
  }

  /**
   * Runs `velo-calib <args>` for `folder` (one run per folder at a time). Resolves with the output folders;
   * rejects with AnalysisCancelled on cancel, or with an error carrying the child's last log lines on a crash.
   */
  run(folder: string, args: string[], onEvent: (e: EngineEvent) => void, token?: vscode.CancellationToken): Promise<string[]> {
    const key = path.resolve(folder);
    if (this.running.has(key)) return Promise.reject(new Error(`an analysis of ${folder} is already running`));
    this.log.info(`engine: velo-calib ${args.join(' ')}`);
    const child = this.fork(args, true);
    const lastLines: string[] = [];
    const remember = (line: string) => { lastLines.push(line); if (lastLines.length > LAST_LOG_LINES) lastLines.shift(); };
    const onOutput = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) { remember(line); this.log.trace(`engine: ${line}`); }
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    let cancelled = false;
    const cancel = () => {
      if (cancelled) return;
      cancelled = true;
      this.log.warn(`engine: cancelling the analysis of ${folder}`);
      if (child.connected) child.send({ type: 'cancel' } satisfies EngineCommand);
      // The engine discards its staging folder on cancel; if it does not exit promptly, kill it.
      setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, CANCEL_GRACE_MS).unref();
    };
    const run: EngineRun = { folder: key, child, cancel };
    this.running.set(key, run);
    const tokenListener = token?.onCancellationRequested(cancel);

    return new Promise<string[]>((resolve, reject) => {
      let outputDirs: string[] | undefined;
      let engineError: string | undefined;
      child.on('message', (e: EngineEvent) => {
        switch (e.type) {
          case 'log': remember(e.message); this.log[e.level](e.message); break;
          case 'error': engineError = e.message; remember(e.message); this.log.error(e.message); break;
          case 'done': outputDirs = e.outputDirs; break;
          default: break;
        }
        onEvent(e);
      });
      child.on('error', err => { engineError ??= err.message; });
      child.on('exit', (code, signal) => {
        this.running.delete(key);
        tokenListener?.dispose();
        if (cancelled) return reject(new AnalysisCancelled());
        if (code === 0 && outputDirs) return resolve(outputDirs);
        const why = engineError ?? `the engine process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`;
        const tail = lastLines.length ? `\nLast engine output:\n${lastLines.join('\n')}` : '';
        reject(new Error(`${why}${engineError ? '' : tail}`));
      });
    });
  }

  /** Asks the run of `folder` to finish what it has (a live watch then publishes); unlike a cancel, the run resolves. */
  requestFinish(folder: string): boolean {
    const run = this.running.get(path.resolve(folder));
    if (!run?.child.connected) return false;
    run.child.send({ type: 'cancel' } satisfies EngineCommand);
    return true;
  }

  cancelAll(): number {
    const runs = [...this.running.values()];
    for (const r of runs) r.cancel();
    return runs.length;
  }

  dispose(): void {
    for (const child of this.children) child.kill('SIGKILL');
    this.children.clear();
    this.running.clear();
  }
}
