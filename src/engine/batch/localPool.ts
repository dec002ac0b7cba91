// `--scheduler local`: the batch's own job scripts run with bash on this machine, at most K at a time, each with
// its log in logs/ (stdout and stderr), then the collect script once every task succeeded (Slurm's afterok).
import { spawn } from 'child_process';
import * as fs from 'fs';
import { BatchConfig, BatchLayout, readExitMarker } from './batchLayout';

export interface LocalRunEvents {
  onTaskEnd?: (index: number, code: number) => void;
}

/** Runs one script as Slurm would, with its output in `log`; resolves to its exit code. */
function runScript(script: string, log: string, env: Record<string, string>, signal?: AbortSignal): Promise<number> {
  return new Promise(resolve => {
    const fd = fs.openSync(log, 'w');
    const child = spawn('bash', [script], { stdio: ['ignore', fd, fd], env: { ...process.env, ...env }, signal });
    fs.closeSync(fd);
    child.on('error', e => { if (e.name !== 'AbortError') fs.appendFileSync(log, `velo-calib batch: ${e.message}\n`); resolve(127); });
    child.on('close', code => resolve(code ?? 1));
  });
}

/** Runs the given tasks (bounded by config.maxParallel), then collect if all of them succeeded. */
export async function runLocal(layout: BatchLayout, config: BatchConfig, indices: number[], events: LocalRunEvents = {},
  signal?: AbortSignal): Promise<{ failed: number[]; collectCode: number | undefined }> {
  fs.mkdirSync(layout.logs, { recursive: true });
  fs.writeFileSync(layout.localRunner, `${process.pid}\n`);
  const failed: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < indices.length && !signal?.aborted) {
      const i = indices[next++];
      const code = await runScript(layout.arrayScript, layout.taskLog(i),
        { SLURM_ARRAY_TASK_ID: String(i), SLURM_CPUS_PER_TASK: String(config.cpusPerTask) }, signal);
      // the script's own marker is the record; a script killed before writing it counts as failed
      const recorded = readExitMarker(layout.taskMarker(i)) ?? code;
      if (recorded !== 0) failed.push(i);
      events.onTaskEnd?.(i, recorded);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(config.maxParallel, indices.length)) }, lane));
  let collectCode: number | undefined;
  if (failed.length === 0 && !signal?.aborted) {
    collectCode = await runScript(layout.collectScript, layout.collectLog, {}, signal);
  }
  return { failed: failed.sort((a, b) => a - b), collectCode };
}
