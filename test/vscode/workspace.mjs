// The workspace every real-VS-Code suite opens: scans made by the project's own generator (a small and a full-size
// scan, a folder holding two scans of one module with different shutter times, and a scan with its noise baseline).
import { spawnSync } from 'child_process';
import path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A VELO module of twelve small ASIC scans (32×32 pixels, each with its own mask) in `<ws>/<name>`, by the
 *  project's generator; the UI suite adds it when it comes to campaigns (the other suites' tree stays as it was). */
export function generateModuleScans(ws, name) {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'generate-module', path.join(ws, name), '--thresholds', '1320:1600:20',
    '--nacq', '3', '--size', '32', '--seed', '21'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`generate-module ${name}: ${r.stderr}`);
  return path.join(ws, name);
}

export function prepareWorkspace(base) {
  const ws = path.join(base, 'workspace');
  const gen = (dir, ...args) => {
    const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'generate', path.join(ws, dir), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`generate ${dir}: ${r.stderr}`);
  };
  gen('small-scan', '--thresholds', '1320:1600:10', '--nacq', '5', '--seed', '4', '--size', '32');
  gen('big-scan', '--thresholds', '1320:1600:5', '--nacq', '10', '--seed', '5', '--size', '256', '--no-variants');
  gen('multi-scan', '--thresholds', '1320:1600:20', '--nacq', '3', '--seed', '6', '--size', '16', '--shutter-ms', '1000');
  gen('multi-scan', '--thresholds', '1320:1600:20', '--nacq', '3', '--seed', '7', '--size', '16', '--shutter-ms', '2000');
  gen('scan-with-baseline', '--thresholds', '1320:1600:10', '--nacq', '5', '--seed', '8', '--size', '32', '--baseline');
  return ws;
}
