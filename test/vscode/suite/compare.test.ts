// "Compare With…" in a real extension host: two generated scans with a known threshold shift, analysed through
// the extension, compared by the command (velo-calib compare in a child process), the Compare panel opened.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { VeloCalibApi } from '../../../src/extension/extension';

const EXTENSION_ID = 'velo-calib.velo-calib';
const SHIFT = 6;
const tabLabels = () => vscode.window.tabGroups.all.flatMap(g => g.tabs.map(t => t.label));

describe('velo-calib in a real extension host: Compare With…', () => {
  let root: string, warm: string, cold: string, tiny: string;
  const analyse = async (folder: string) => (await vscode.commands.executeCommand<string[]>('veloCalib.analyseFolder', folder))[0];

  before(async () => {
    const ext = vscode.extensions.getExtension<VeloCalibApi>(EXTENSION_ID)!;
    await ext.activate();
    const cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    // Outside the workspace: the scans tree of the other suites stays as it is.
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'velo-compare-'));
    [warm, cold, tiny] = ['compare-warm', 'compare-cold', 'compare-tiny'].map(n => path.join(root, n));
    const generate = (dir: string, ...extra: string[]) => execFileSync(process.execPath,
      [cli, 'generate', dir, '--thresholds', '1320:1600:10', '--nacq', '20', '--seed', '12', '--shutter-ms', '1250', '--no-variants', ...extra],
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'ignore' });
    generate(warm, '--size', '16');
    generate(cold, '--size', '16', '--noise-seed', '77', '--threshold-shift', String(SHIFT));
    generate(tiny, '--size', '8');
  });

  after(() => { fs.rmSync(root, { recursive: true, force: true }); });

  it('two selected scans: compare runs in a child process, compare.json beside A\'s results, the Compare panel opens', async () => {
    const [a, b] = [await analyse(warm), await analyse(cold)];
    assert.strictEqual(a, path.join(warm, 'velo-calib'));
    const scan = JSON.parse(fs.readFileSync(path.join(a, 'summary.json'), 'utf8')).scan.id;
    // As the tree calls it with two scans selected: (clicked, selection).
    const out = await vscode.commands.executeCommand<string>('veloCalib.compareWith', a, [a, b]);
    assert.strictEqual(out, path.join(warm, 'velo-calib-compare', `${scan}_vs_compare-cold_${scan}`));
    const c = JSON.parse(fs.readFileSync(path.join(out, 'compare.json'), 'utf8'));
    assert.deepStrictEqual([c.a.dir, c.b.dir, c.a.label, c.b.label], [a, b, 'warm', 'cold']);
    const mu = c.delta.mu;
    assert.ok(Math.abs(mu.mean - SHIFT) < 4 * mu.error, `Δμ = ${mu.mean} ± ${mu.error}, generated with a shift of ${SHIFT}`);
    for (const f of ['map_delta_mu.csv', 'map_delta_mu_significance.csv', 'compare.md']) assert.ok(fs.existsSync(path.join(out, f)), f);
    assert.ok(tabLabels().includes('Compare · cold − warm'), tabLabels().join(', '));
    // The data folders are untouched but for the result and comparison folders.
    assert.deepStrictEqual(fs.readdirSync(warm).filter(n => !n.endsWith('.csv')).sort(),
      ['.velo-calib.runs', 'truth', 'velo-calib', 'velo-calib-compare'].sort());
  });

  it('scans that cannot be compared: the engine\'s reason is the error, no panel opens', async () => {
    const a = await analyse(warm), t = await analyse(tiny);
    const before = tabLabels().length;
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('veloCalib.compareWith', t, [t, a])), /8×8 .* 16×16: not comparable/);
    assert.strictEqual(tabLabels().length, before);
  });

  it('a scan not analysed yet is not compared', async () => {
    const node = { kind: 'scan', folder: root, scan: { id: 'not-analysed' } };
    assert.strictEqual(await vscode.commands.executeCommand('veloCalib.compareWith', node, [node]), undefined);
  });
});
