// Campaigns in a real extension host: a generated module of twelve small ASIC scans is analysed through the
// Analyse command, then "VELO: Collect Campaign…" runs collect in the engine process, writes campaign.csv and
// opens the Campaign panel. The module lives in a temporary folder (the workspace's tree stays as other suites expect).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CampaignPanel } from '../../../src/extension/campaignPanel';
import type { VeloCalibApi } from '../../../src/extension/extension';

const EXTENSION_ID = 'velo-calib.velo-calib';

describe('campaigns in a real extension host', function () {
  this.timeout(240000);
  let root: string, data: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<VeloCalibApi>(EXTENSION_ID)!;
    await ext.activate();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'velo-campaign-'));
    data = path.join(root, 'module0-warm');
    // the engine's own generator, as a user would run it (ELECTRON_RUN_AS_NODE: this host's binary runs as Node)
    execFileSync(process.execPath, [path.join(ext.extensionPath, 'dist', 'cli.js'), 'generate-module', data, '--thresholds', '1320:1600:40',
      '--nacq', '3', '--size', '16', '--seed', '11'], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'pipe' });
  });

  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('Collect Campaign on an analysed module writes campaign.csv (one row per ASIC scan) and opens the Campaign panel', async () => {
    const dirs = await vscode.commands.executeCommand<string[]>('veloCalib.analyseFolder', data);
    assert.strictEqual(dirs.length, 12, `every ASIC scan analysed (${dirs.length})`);
    const panel = await vscode.commands.executeCommand<CampaignPanel>('veloCalib.collectCampaign', vscode.Uri.file(root));
    assert.ok(panel, 'the command returns the panel');
    await panel.ready;
    const csv = fs.readFileSync(path.join(root, 'campaign.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(','), at = (c: string) => header.indexOf(c);
    const rows = csv.slice(1).map(l => l.split(','));
    const truth = JSON.parse(fs.readFileSync(path.join(data, 'truth', 'module.json'), 'utf8')) as { scans: Array<{ asic: string; scanId: string }> };
    assert.deepStrictEqual(rows.map(r => r[at('asic')]).sort(), truth.scans.map(s => s.asic).sort(), 'one row per ASIC of the module');
    assert.deepStrictEqual(rows.map(r => r[at('scan')]).sort(), truth.scans.map(s => s.scanId).sort());
    for (const r of rows) {
      const summary = JSON.parse(fs.readFileSync(path.join(root, r[at('folder')], 'summary.json'), 'utf8'));
      assert.strictEqual(summary.scan.id, r[at('scan')], 'each row points at its own result folder');
      assert.strictEqual(r[at('label')], 'warm', 'the warm token of the folder name is the condition');
    }
    assert.ok(vscode.window.tabGroups.all.flatMap(g => g.tabs.map(t => t.label)).includes(`Campaign · ${path.basename(root)}`), 'the Campaign panel is open');
    // Run again with the panel open: the same panel, the table collected anew.
    const before = fs.statSync(path.join(root, 'campaign.json')).mtimeMs;
    const again = await vscode.commands.executeCommand<CampaignPanel>('veloCalib.collectCampaign', root);
    assert.strictEqual(again, panel, 'the open panel is reused');
    assert.ok(fs.statSync(path.join(root, 'campaign.json')).mtimeMs >= before);
    panel.panel.dispose();
  });

  it('Collect Campaign on a folder without analysed scans opens an empty table, not an error', async () => {
    const empty = fs.mkdtempSync(path.join(root, 'empty-'));
    const panel = await vscode.commands.executeCommand<CampaignPanel>('veloCalib.collectCampaign', empty);
    await panel.ready;
    assert.strictEqual(fs.readFileSync(path.join(empty, 'campaign.csv'), 'utf8').trim().split('\n').length, 1, 'header only');
    panel.panel.dispose();
  });
});
