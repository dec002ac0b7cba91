// Shared by the batch tests (local pool here, real Slurm in test/slurm/): the built CLI, a generated campaign of
// tiny scans laid out like a detector (module/ASIC folders), a scan broken and repaired, result files to compare.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { generateScan } from '../../src/engine/generate';

export const CLI = path.resolve(__dirname, '../../../dist/cli.js');

export function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface CampaignScan { folder: string; scan: string }

/** `count` tiny scans (16×16, 8 thresholds × 3 acquisitions), one per `<root>/ModuleMM/VPa-b` folder. */
export function generateCampaign(root: string, count: number): CampaignScan[] {
  const scans: CampaignScan[] = [];
  for (let k = 0; k < count; k++) {
    const module = `Module${String(Math.floor(k / 4)).padStart(2, '0')}`, asic = `VP${Math.floor((k % 4) / 2)}-${k % 2}`;
    const folder = path.join(root, module, asic), prefix = `${module}_${asic}_ECS_data_ST_`;
    const truth = generateScan({ dir: folder, prefix, thresholds: [1320, 1360, 1400, 1440, 1480, 1520, 1560, 1600], nacq: 3,
      seed: 11 + k, rows: 16, cols: 16, formatVariants: false });
    scans.push({ folder, scan: prefix + truth.shutterText });
  }
  return scans;
}

/**
 * Makes every acquisition of a scan unreadable (no shape can be read: the analysis of this scan fails) and returns
 * the repair, which puts the original files back (renamed: contents and modification times as generated).
 */
export function breakScan(folder: string, stash: string): () => void {
  fs.mkdirSync(stash, { recursive: true });
  const names = fs.readdirSync(folder).filter(n => /_THR_\d+_\d+\.csv$/.test(n));
  for (const n of names) {
    fs.renameSync(path.join(folder, n), path.join(stash, n));
    fs.writeFileSync(path.join(folder, n), 'not a hit-count matrix\n');
  }
  return () => { for (const n of names) fs.renameSync(path.join(stash, n), path.join(folder, n)); };
}

/** Whether `velo-calib collect` exists in this build (it arrives with the campaign work, issue 11). */
export function collectAvailable(): boolean {
  return !/unknown command "collect"/.test(cli(['collect']).stderr);
}

/**
 * The outputs of every scan under a batch's results folder that must not depend on how the scan was run:
 * summary.json without its creation time, the pixel fits and the ASIC flux, by path relative to `results`.
 */
export function comparableResults(results: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name), rel = path.relative(results, full);
      if (e.name.startsWith('.')) continue; // result stores (.<out>.runs/): their published run is seen through the link
      if (e.isDirectory() || (e.isSymbolicLink() && fs.statSync(full).isDirectory())) { walk(full); continue; }
      if (e.name === 'summary.json') {
        const summary = JSON.parse(fs.readFileSync(full, 'utf8'));
        delete summary.created;
        delete summary.run;
        out.set(rel, JSON.stringify(summary));
      } else if (e.name === 'pixel_fits.csv' || e.name.startsWith('FluxperASIC_')) {
        out.set(rel, fs.readFileSync(full, 'utf8'));
      }
    }
  };
  walk(results);
  return out;
}

export interface StatusJson {
  tasks: Array<{ index: number; folder: string; scan: string; out: string; state: string; detail: string; job?: string }>;
  collect: { state: string; detail: string; job?: string };
  counts: Record<string, number>;
}

export function batchStatusJson(dir: string, env?: NodeJS.ProcessEnv): StatusJson {
  const r = cli(['batch', 'status', dir, '--json'], env);
  if (r.code !== 0) throw new Error(`batch status failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
