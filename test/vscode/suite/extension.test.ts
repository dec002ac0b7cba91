// Runs inside a real VS Code extension host with the real `vscode` API: commands, tree, runner, panels.
// Compiled by tsc to out/test/vscode/suite (test/vscode/run.mjs exthost, npm run test:desktop).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { overviewData } from '../../../src/extension/asicOverviewPanel';
import type { VeloCalibApi } from '../../../src/extension/extension';
import type { PixelMapPanel } from '../../../src/extension/pixelMapPanel';
import type { ScanTreeNode } from '../../../src/extension/scanTree';

const EXTENSION_ID = 'velo-calib.velo-calib';
const COMMANDS = ['analyseFolder', 'analyseScanFolder', 'analyseScan', 'openPixelMap', 'showPixel', 'openAsicOverview', 'generateDemo',
  'exportReport', 'cancelAnalysis', 'refresh', 'openAcquisition', 'openThresholdMap'].map(c => `veloCalib.${c}`);

const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const small = () => path.join(ws(), 'small-scan');
const big = () => path.join(ws(), 'big-scan');
let api: VeloCalibApi;

/** The hidden result store beside an output link, and its run folders (published or not). */
const storeOf = (out: string) => path.join(path.dirname(out), `.${path.basename(out)}.runs`);
const runFolders = (out: string) => (fs.existsSync(storeOf(out)) ? fs.readdirSync(storeOf(out)).filter(n => /^\d{8}T\d{6}Z-/.test(n)) : []);
/** A run has written its flux outputs (it is fitting now). */
const inFitPhase = (out: string) => runFolders(out).some(r => fs.readdirSync(path.join(storeOf(out), r)).some(n => n.startsWith('Fluxperpixel_')));

async function waitFor(predicate: () => unknown, what: string, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await predicate()) return; await new Promise(r => setTimeout(r, 100)); }
  throw new Error(`timed out waiting for ${what}`);
}

type Node<K extends ScanTreeNode['kind']> = Extract<ScanTreeNode, { kind: K }>;
const children = async <K extends ScanTreeNode['kind']>(node?: ScanTreeNode) => (await api.tree.getChildren(node)) as Node<K>[];
const item = (node: ScanTreeNode) => api.tree.getTreeItem(node);
const folderNode = async (folder: string) => (await children<'folder'>()).find(f => f.folder === folder)!;
const tabLabels = () => vscode.window.tabGroups.all.flatMap(g => g.tabs.map(t => t.label));

describe('velo-calib in a real extension host', () => {
  before(async () => {
    const ext = vscode.extensions.getExtension<VeloCalibApi>(EXTENSION_ID);
    assert.ok(ext, 'extension is installed');
    api = await ext.activate();
  });

  it('registers every command', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of COMMANDS) assert.ok(all.includes(c), c);
  });

  it('the VELO Scans tree lists data folders, scans and a generated scan\'s thresholds', async () => {
    const folders = await children<'folder'>();
    assert.deepStrictEqual(folders.map(f => path.basename(f.folder)).sort(), ['big-scan', 'multi-scan', 'scan-with-baseline', 'small-scan']);
    const [scan] = await children<'scan'>(await folderNode(small()));
    assert.strictEqual(scan.scan.id, 'Module0_VP0-1_ECS_data_ST_1s310ms');
    assert.match(String(item(scan).description), /29 thresholds · 145 acquisitions · not analysed/);
    const thresholds = await children<'threshold'>(scan);
    assert.deepStrictEqual(thresholds.map(t => t.thresholds.threshold), Array.from({ length: 29 }, (_, i) => 1320 + 10 * i));
    const acquisitions = await children<'acquisition'>(thresholds[0]);
    assert.strictEqual(acquisitions.length, 5);
    assert.strictEqual(item(acquisitions[0]).command!.command, 'vscode.open');
  });

  it('Analyse Folder runs the engine in a child process end to end; skipped files are marked in the tree', async () => {
    const dirs = await vscode.commands.executeCommand<string[]>('veloCalib.analyseFolder', vscode.Uri.file(small()));
    assert.deepStrictEqual(dirs, [path.join(small(), 'velo-calib')]);
    const summary = JSON.parse(fs.readFileSync(path.join(dirs[0], 'summary.json'), 'utf8'));
    const truth = JSON.parse(fs.readFileSync(path.join(small(), 'truth', 'truth.json'), 'utf8'));
    assert.deepStrictEqual(summary.bad_acquisitions.map((b: number[]) => String(b.slice(0, 2))).sort(), truth.badAcquisitions.map(String).sort());
    for (const f of ['pixel_fits.csv', 'asic_fit.json', 'report.md', 'map_mu.csv']) assert.ok(fs.existsSync(path.join(dirs[0], f)), f);
    api.tree.refresh();
    const [scan] = await children<'scan'>(await folderNode(small()));
    assert.match(String(item(scan).description), /analysed$/);
    const thresholds = await children<'threshold'>(scan);
    const allBad = thresholds.find(t => t.thresholds.threshold === truth.allBadThreshold)!;
    assert.strictEqual((item(allBad).iconPath as vscode.ThemeIcon).id, 'warning');
    // A threshold with one bad acquisition (not all): warning icon, and the file's row says why.
    const [badThr, badAcq] = truth.badAcquisitions.find(([t]: number[]) => t !== truth.allBadThreshold);
    const withBad = thresholds.find(t => t.thresholds.threshold === badThr)!;
    assert.strictEqual((item(withBad).iconPath as vscode.ThemeIcon).id, 'warning');
    assert.match(String(item(withBad).tooltip), new RegExp(`#${badAcq} bad: noisy last columns`));
    const acq = (await children<'acquisition'>(withBad)).find(a => a.acquisition === badAcq)!;
    assert.strictEqual((item(acq).iconPath as vscode.ThemeIcon).id, 'warning');
    assert.match(String(item(acq).description), /^bad: noisy last columns · /);
    const good = (await children<'acquisition'>(withBad)).find(a => a.acquisition !== badAcq)!;
    assert.strictEqual(item(good).iconPath, vscode.ThemeIcon.File);
    assert.match(String(item(thresholds[0]).description), /good \/ \d+ bad · ASIC [\d.e+-]+ Hz/);
  });

  it('reuses results while the inputs are unchanged and re-runs when they change', async () => {
    const summaryFile = path.join(small(), 'velo-calib', 'summary.json');
    const before = fs.statSync(summaryFile).mtimeMs;
    const dirs = await vscode.commands.executeCommand<string[]>('veloCalib.analyseFolder', vscode.Uri.file(small()));
    assert.deepStrictEqual(dirs, [path.join(small(), 'velo-calib')]);
    assert.strictEqual(fs.statSync(summaryFile).mtimeMs, before, 'not recomputed');
    const file = fs.readdirSync(small()).find(n => n.includes('_THR_1320_0.csv'))!;
    const future = new Date(Date.now() + 60000);
    fs.utimesSync(path.join(small(), file), future, future); // same data, new mtime: inputs changed
    const again = await vscode.commands.executeCommand<string[]>('veloCalib.analyseFolder', vscode.Uri.file(small()));
    assert.deepStrictEqual(again, dirs);
    assert.ok(fs.statSync(summaryFile).mtimeMs > before, 'recomputed after the inputs changed');
  });

  it('Cancel Analysis kills the child and leaves no partial output', async () => {
    const out = path.join(big(), 'velo-calib');
    const running = vscode.commands.executeCommand('veloCalib.analyseFolder', vscode.Uri.file(big()));
    await waitFor(() => api.runner.isRunning(big()), 'the run to start');
    await waitFor(() => inFitPhase(out), 'the fit phase (flux outputs in the run folder)');
    const cancelled = await vscode.commands.executeCommand('veloCalib.cancelAnalysis');
    assert.strictEqual(cancelled, 1);
    assert.strictEqual(await running, undefined);
    assert.ok(!api.runner.isRunning(big()));
    assert.ok(!fs.existsSync(out), 'nothing published');
    assert.deepStrictEqual(runFolders(out), [], 'the cancelled run folder is removed');
  });

  it('a failing engine gives a clear error with its message, never a hang', async () => {
    const missing = path.join(ws(), 'no-such-folder');
    await assert.rejects(api.runner.run(missing, ['analyse', missing], () => {}), /not a folder/);
    await assert.rejects(api.runner.run(ws(), ['analyse', ws(), '--bad-cut', 'x'], () => {}), /exited with code 2[\s\S]*--bad-cut "x"/);
  });

  it('one run per folder; a crashed engine is reported with its last output lines', async () => {
    const out = path.join(ws(), 'crash-out');
    const run = api.runner.run(big(), ['analyse', big(), '--out', out], () => {});
    await waitFor(() => api.runner.isRunning(big()), 'the run to start');
    await assert.rejects(api.runner.run(big(), ['analyse', big()], () => {}), /already running/);
    await waitFor(() => inFitPhase(out), 'the fit phase (flux outputs in the run folder)');
    // Kill the engine as the OS would (found by its command line, as a user would with ps).
    const pid = Number(execFileSync('pgrep', ['-f', out], { encoding: 'utf8' }).trim().split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await assert.rejects(run, /killed by SIGKILL[\s\S]*Last engine output:[\s\S]*scan Module0_VP0-1_ECS_data_ST_1s310ms/);
    assert.ok(!api.runner.isRunning(big()));
    assert.ok(!fs.existsSync(out), 'a killed run publishes nothing');
  });

  it('opens the pixel map of an analysed scan; Show Pixel shows the fit diagnostics', async () => {
    const dir = path.join(small(), 'velo-calib');
    const map = await vscode.commands.executeCommand<PixelMapPanel>('veloCalib.openPixelMap', dir);
    assert.ok(map.panel.visible);
    assert.match(map.panel.webview.html, /Content-Security-Policy/);
    const fit = map.output.pixelFit(3, 7)!;
    const line = fs.readFileSync(path.join(dir, 'pixel_fits.csv'), 'utf8').split('\n')[1 + 3 * 32 + 7].split(',');
    assert.strictEqual(fit.status, line[2]);
    assert.strictEqual(fit.values.mu, Number(line[3]));
    await vscode.commands.executeCommand('veloCalib.showPixel', dir, 3, 7);
    await waitFor(() => tabLabels().includes('Fit · pixel (3, 7)'), 'the diagnostics tab');
    assert.strictEqual(await vscode.commands.executeCommand('veloCalib.showPixel', dir, 32, 0), undefined, 'row 32 is outside a 32×32 matrix');
    // One diagnostics panel, one map panel per scan: asking again reuses them.
    await vscode.commands.executeCommand('veloCalib.showPixel', dir, 4, 7);
    await vscode.commands.executeCommand('veloCalib.openPixelMap', dir);
    await waitFor(() => tabLabels().includes('Fit · pixel (4, 7)'), 'the diagnostics to follow');
    assert.strictEqual(tabLabels().filter(l => l.startsWith('Fit · pixel')).length, 1);
    assert.strictEqual(tabLabels().filter(l => l.startsWith('Pixel Map · ')).length, 1);
  });

  it('a threshold in the tree opens its flux map (the item command), equal to the written CSV', async () => {
    const [scan] = await children<'scan'>(await folderNode(small()));
    const [, second] = await children<'threshold'>(scan);
    const command = item(second).command!;
    assert.strictEqual(command.command, 'veloCalib.openThresholdMap');
    assert.deepStrictEqual(command.arguments!.slice(1), [scan.scan.id, 1330]);
    const panel = await vscode.commands.executeCommand<PixelMapPanel>(command.command, ...command.arguments!);
    const read = (f: string) => fs.readFileSync(path.join(small(), 'velo-calib', f), 'utf8').trim().split('\n').flatMap(l => l.split(','))
      .map(v => (v === 'nan' ? NaN : Number(v)));
    assert.deepStrictEqual(Array.from(panel.mapData('flux', 1330).values), read(`Fluxperpixel_${scan.scan.id}_THR_1330.csv`));
    assert.deepStrictEqual(Array.from(panel.mapData('mu').values), read('map_mu.csv'));
    assert.strictEqual(panel.mapData('flux', 1330).asicLabel, 'ASIC flux / pixel', 'the map names the ASIC value per pixel');
  });

  it('the ASIC overview shows the ASIC fit and the conclusions', async () => {
    const dir = path.join(small(), 'velo-calib');
    const overview = await vscode.commands.executeCommand<{ output: PixelMapPanel['output'] }>('veloCalib.openAsicOverview', dir);
    const asic = JSON.parse(fs.readFileSync(path.join(dir, 'asic_fit.json'), 'utf8'));
    const data = overviewData(overview.output);
    assert.strictEqual(data.fit!.params[0], asic.params.mu);
    assert.ok(data.conclusions.length >= 5);
    assert.ok(data.allBad.length === 1, 'the all-bad threshold is listed');
    assert.ok(data.keyNumbers.some(([k, v]) => k === 'ASIC μ' && / ± .* DAC$/.test(v)), 'value ± error with its unit');
  });

  it('exports the report through the given target; the report names its scan and folder', async () => {
    const target = vscode.Uri.file(path.join(ws(), 'exported-report.md'));
    const written = await vscode.commands.executeCommand('veloCalib.exportReport', path.join(small(), 'velo-calib'), target);
    assert.strictEqual(written, target.fsPath);
    const text = fs.readFileSync(target.fsPath, 'utf8');
    assert.match(text, /# VELO threshold scan report/);
    assert.ok(text.includes('Module0_VP0-1_ECS_data_ST_1s310ms'), 'names its scan');
  });

  it('a re-run replaces the results in one step; an open map is reopened on the new run, never mixed', async () => {
    const dir = path.join(small(), 'velo-calib');
    const before = await vscode.commands.executeCommand<PixelMapPanel>('veloCalib.openPixelMap', dir);
    const runBefore = fs.realpathSync(dir);
    await api.runner.run(small(), ['analyse', small(), '--workers', '1'], () => {});
    assert.notStrictEqual(fs.realpathSync(dir), runBefore, 'the link shows the new run');
    assert.ok(!fs.existsSync(runBefore), 'the replaced run folder is removed');
    assert.ok(!before.output.current);
    const after = await vscode.commands.executeCommand<PixelMapPanel>('veloCalib.openPixelMap', dir);
    assert.notStrictEqual(after, before, 'a new panel on the new run');
    assert.ok(after.output.current);
    const line = fs.readFileSync(path.join(dir, 'pixel_fits.csv'), 'utf8').split('\n')[1 + 3 * 32 + 7].split(',');
    assert.strictEqual(after.output.pixelFit(3, 7)?.values.mu, Number(line[3]));
  });

  it('Generate Demo Scan writes a full-size scan with its truth into the given folder', async () => {
    const target = path.join(ws(), 'demo-generated');
    const dir = await vscode.commands.executeCommand('veloCalib.generateDemo', target);
    assert.strictEqual(dir, target);
    const files = fs.readdirSync(target).filter(n => /_THR_\d+_\d+\.csv$/.test(n));
    assert.strictEqual(files.length, 57 * 10);
    assert.ok(fs.existsSync(path.join(target, 'truth', 'truth.json')));
    const firstLine = fs.readFileSync(path.join(target, files[0]), 'utf8').split(/\r?\n/)[0].replace(/^\ufeff/, '');
    assert.strictEqual(firstLine.split(',').length, 256);
    fs.rmSync(target, { recursive: true, force: true });
  });

  it('a changed setting makes stored results stale (fingerprint includes the settings)', async () => {
    const dir = path.join(small(), 'velo-calib');
    const config = vscode.workspace.getConfiguration('veloCalib', vscode.Uri.file(small()));
    api.tree.refresh();
    const scanItem = async () => String(item((await children<'scan'>(await folderNode(small())))[0]).description);
    assert.match(await scanItem(), /· analysed$/);
    await config.update('badCut', 3, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor(async () => /analysis out of date$/.test(await scanItem()), 'the scan to show stale results');
    } finally {
      await config.update('badCut', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.match(await scanItem(), /· analysed$/);
    assert.ok(fs.existsSync(path.join(dir, 'summary.json')));
  });

  it('follows a scan being taken: a new threshold file appears in the tree (watcher, debounced)', async () => {
    const id = 'Module0_VP0-1_ECS_data_ST_1s310ms';
    const added = path.join(small(), `${id}_THR_1610_0.csv`);
    const thresholdsNow = async () => {
      const [scan] = await children<'scan'>(await folderNode(small()));
      return (await children<'threshold'>(scan)).map(t => t.thresholds.threshold);
    };
    assert.strictEqual((await thresholdsNow()).length, 29);
    fs.copyFileSync(path.join(small(), `${id}_THR_1600_0.csv`), added);
    try {
      await waitFor(async () => (await thresholdsNow()).includes(1610), 'the new threshold in the tree', 15000);
    } finally {
      fs.rmSync(added);
    }
    await waitFor(async () => !(await thresholdsNow()).includes(1610), 'the removed threshold to leave the tree', 15000);
  });

  it('untrusted file names reach the tree tooltip as text, not markdown', async () => {
    const evil = path.join(ws(), 'evil-names');
    fs.mkdirSync(evil, { recursive: true });
    const name = 'X[run](command:workbench.action.quit)<img src=x onerror=alert(1)>_1s_THR_5_0.csv';
    fs.writeFileSync(path.join(evil, name), '0,1\n2,3\n');
    try {
      api.tree.refresh();
      const [scan] = await children<'scan'>(await folderNode(evil));
      const tooltip = item(scan).tooltip as vscode.MarkdownString;
      assert.ok(!tooltip.isTrusted);
      assert.ok(!tooltip.value.includes('[run](command:'), tooltip.value);
      assert.ok(!tooltip.supportHtml, 'raw HTML in a name is never rendered');
    } finally {
      fs.rmSync(evil, { recursive: true, force: true });
      api.tree.refresh();
    }
  });
  it('Watch Scan (Live) follows a folder being filled; Stop Live Watch publishes the batch result', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['veloCalib.watchScan', 'veloCalib.stopWatch']) assert.ok(all.includes(c), c);
    const live = path.join(ws(), 'live-scan');
    const out = path.join(live, 'velo-calib');
    fs.mkdirSync(live, { recursive: true });
    const acquisitions = fs.readdirSync(small()).filter(n => /_THR_\d+_\d+\.csv$/.test(n)).sort();
    const copy = (names: string[]) => { for (const n of names) fs.copyFileSync(path.join(small(), n), path.join(live, n)); };
    copy(fs.readdirSync(small()).filter(n => /Mask\.csv$/.test(n)));
    copy(acquisitions.slice(0, 40));
    const liveSummary = () => { try { return JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')); } catch { return undefined; } };
    const watching = vscode.commands.executeCommand('veloCalib.watchScan', live);
    await waitFor(() => liveSummary()?.live, 'a live snapshot');
    copy(acquisitions.slice(40));
    await waitFor(() => liveSummary()?.live?.files_counted === acquisitions.length, 'every file counted in a live snapshot', 60000);
    assert.strictEqual(await vscode.commands.executeCommand('veloCalib.stopWatch'), 1);
    assert.deepStrictEqual(await watching, [out]);
    const summary = liveSummary();
    assert.strictEqual(summary.live, undefined, 'the final summary is the batch one');
    assert.strictEqual(summary.acquisitions.total, acquisitions.length);
    const flux = `Fluxperpixel_${summary.scan.id}_THR_1330.csv`;
    assert.ok(fs.readFileSync(path.join(out, flux)).equals(fs.readFileSync(path.join(small(), 'velo-calib', flux))), 'the flux file of analyse');
    fs.rmSync(live, { recursive: true, force: true });
  });
});
