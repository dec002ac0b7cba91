// Gain in a real extension host: a scan with its noise baseline (the workspace's scan-with-baseline) shows the baseline in
// the tree, the gain map and the ASIC K; an ambiguous baseline is offered as a quick pick and the choice is used.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { formatWithError } from '../../../src/contract/format';
import { overviewData } from '../../../src/extension/asicOverviewPanel';
import type { VeloCalibApi } from '../../../src/extension/extension';
import type { PixelMapPanel } from '../../../src/extension/pixelMapPanel';
import type { ScanTreeNode } from '../../../src/extension/scanTree';

const EXTENSION_ID = 'velo-calib.velo-calib';
const gainScan = () => path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'scan-with-baseline');
let api: VeloCalibApi;

const matrix = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').flatMap(l => l.split(','))
  .map(v => (v === 'nan' ? NaN : Number(v)));

/** Runs `command` on the quick pick as soon as one is open (polled), until `settled` has settled. */
async function answerQuickPick<T>(settled: Thenable<T>, command: string): Promise<T> {
  let done = false;
  const result = Promise.resolve(settled).finally(() => { done = true; });
  result.catch(() => undefined);
  for (const end = Date.now() + 120000; !done && Date.now() < end;) {
    await vscode.commands.executeCommand(command);
    await new Promise(r => setTimeout(r, 200));
  }
  return result;
}

describe('gain: a scan with a noise baseline', () => {
  before(async () => {
    api = await vscode.extensions.getExtension<VeloCalibApi>(EXTENSION_ID)!.activate();
  });

  it('the tree names the scan\'s baseline; the map shows target and gain; the overview shows the ASIC K', async () => {
    const [dir] = await vscode.commands.executeCommand<string[]>('veloCalib.analyseFolder', vscode.Uri.file(gainScan()));
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const baseline = fs.readdirSync(gainScan()).find(n => /Noise.*\.csv$/.test(n))!;
    assert.strictEqual(summary.gain.baseline.file, path.join(gainScan(), baseline));

    api.tree.refresh();
    const [folder] = (await api.tree.getChildren()).filter(n => n.kind === 'folder' && n.folder === gainScan());
    const [scan] = await api.tree.getChildren(folder) as Array<Extract<ScanTreeNode, { kind: 'scan' }>>;
    const tooltip = api.tree.getTreeItem(scan).tooltip as vscode.MarkdownString;
    const text = tooltip.value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1'); // appendText escapes markdown and spaces
    assert.ok(text.includes(`baseline ${baseline} (found in the data folder)`), tooltip.value);

    const map = await vscode.commands.executeCommand<PixelMapPanel>('veloCalib.openPixelMap', dir);
    for (const q of ['target', 'gain'] as const) {
      const data = map.mapData(q);
      assert.deepStrictEqual(Array.from(data.values), matrix(path.join(dir, `map_${q}.csv`)), q);
      assert.deepStrictEqual(Array.from(data.errors!), matrix(path.join(dir, `map_${q}_err.csv`)), `${q}_err`);
      assert.strictEqual(data.asicValue, summary.gain.asic[q]);
    }

    const numbers = new Map(overviewData(map.output).gainNumbers);
    assert.strictEqual(numbers.get('ASIC K (baseline-aligned curve)'), formatWithError(summary.gain.asic.gain, summary.gain.asic.gain_error, 'e⁻/DAC'));
    assert.match(numbers.get('n_eh = E_line / w (scale of every K)')!, /^1628 ± 13 e⁻ .*±0\.83 % common to every K, not in the errors above/);
    assert.strictEqual(numbers.get(`pixel K median ± robust spread (${summary.gain.pixels.count} ok pixels)`),
      formatWithError(summary.gain.pixels.gain_median, summary.gain.pixels.gain_spread, 'e⁻/DAC'));
  });

  it('two baselines name the scan\'s ASIC: the quick pick offers them; dismissed, the analysis fails; chosen, it is used', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'velo-ambiguous-'));
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    execFileSync(process.execPath, [cli, 'generate', folder, '--thresholds', '1320:1600:40', '--nacq', '2', '--size', '8', '--baseline'],
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    const original = fs.readdirSync(folder).find(n => /Noise.*\.csv$/.test(n))!;
    fs.copyFileSync(path.join(folder, original), path.join(folder, 'Module0_VP0-1_Baseline_v2.csv'));
    const first = ['Module0_VP0-1_Baseline_v2.csv', original].sort()[0];
    try {
      const dismissed = answerQuickPick(vscode.commands.executeCommand('veloCalib.analyseFolder', folder), 'workbench.action.closeQuickOpen');
      await assert.rejects(dismissed, /several baseline files name its ASIC/);
      assert.ok(!fs.existsSync(path.join(folder, 'velo-calib', 'summary.json')), 'nothing published');

      const chosen = await answerQuickPick(vscode.commands.executeCommand<string[]>('veloCalib.analyseFolder', folder),
        'workbench.action.acceptSelectedQuickOpenItem');
      assert.deepStrictEqual(chosen, [path.join(folder, 'velo-calib')]);
      const summary = JSON.parse(fs.readFileSync(path.join(folder, 'velo-calib', 'summary.json'), 'utf8'));
      assert.strictEqual(summary.gain.baseline.file, path.join(folder, first), 'the first candidate (sorted) was picked');
      assert.strictEqual(summary.gain.baseline.source, 'option');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
