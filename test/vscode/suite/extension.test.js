// Runs inside a real VS Code extension host with the real `vscode` API: commands, tree, runner, panels.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const EXTENSION_ID = 'velo-calib.velo-calib';
const COMMANDS = ['analyseFolder', 'analyseScanFolder', 'openPixelMap', 'showPixel', 'openAsicOverview', 'generateDemo',
  'exportReport', 'cancelAnalysis', 'refresh', 'openAcquisition', 'openThresholdMap'].map(c => `veloCalib.${c}`);

const ws = () => vscode.workspace.workspaceFolders[0].uri.fsPath;
const small = () => path.join(ws(), 'small-scan');
const big = () => path.join(ws(), 'big-scan');
let api;

/** The hidden result store beside an output link, and its run folders (published or not). */
const storeOf = out => path.join(path.dirname(out), `.${path.basename(out)}.runs`);
const runFolders = out => (fs.existsSync(storeOf(out)) ? fs.readdirSync(storeOf(out)).filter(n => /^\d{8}T\d{6}Z-/.test(n)) : []);
/** A run has written its flux outputs (it is fitting now). */
const inFitPhase = out => runFolders(out).some(r => fs.readdirSync(path.join(storeOf(out), r)).some(n => n.startsWith('Fluxperpixel_')));

async function waitFor(predicate, what, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await predicate()) return; await new Promise(r => setTimeout(r, 100)); }
  throw new Error(`timed out waiting for ${what}`);
}

describe('velo-calib in a real extension host', () => {
  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension is installed');
    api = await ext.activate();
  });

  it('registers every command', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of COMMANDS) assert.ok(all.includes(c), c);
  });

  it('the VELO Scans tree lists data folders, scans and a generated scan\'s thresholds', async () => {
    const folders = await api.tree.getChildren();
    assert.deepStrictEqual(folders.map(f => path.basename(f.folder)).sort(), ['big-scan', 'small-scan']);
    const smallNode = folders.find(f => f.folder === small());
    const [scan] = await api.tree.getChildren(smallNode);
    assert.strictEqual(scan.scan.id, 'Module0_VP0-1_ECS_data_ST_1s310ms');
    const item = api.tree.getTreeItem(scan);
    assert.match(item.description, /29 thresholds · 145 acquisitions · not analysed/);
    const thresholds = await api.tree.getChildren(scan);
    assert.deepStrictEqual(thresholds.map(t => t.thresholds.threshold), Array.from({ length: 29 }, (_, i) => 1320 + 10 * i));
    const acquisitions = await api.tree.getChildren(thresholds[0]);
    assert.strictEqual(acquisitions.length, 5);
    assert.strictEqual(api.tree.getTreeItem(acquisitions[0]).command.command, 'vscode.open');
  });

  it('Analyse Folder runs the engine in a child process end to end and writes the outputs', async () => {
    const dirs = await vscode.commands.executeCommand('veloCalib.analyseFolder', vscode.Uri.file(small()));
    assert.deepStrictEqual(dirs, [path.join(small(), 'velo-calib')]);
    const summary = JSON.parse(fs.readFileSync(path.join(dirs[0], 'summary.json'), 'utf8'));
    const truth = JSON.parse(fs.readFileSync(path.join(small(), 'truth', 'truth.json'), 'utf8'));
    assert.deepStrictEqual(summary.bad_acquisitions.map(([t, a]) => `${t},${a}`).sort(), truth.badAcquisitions.map(String).sort());
    for (const f of ['pixel_fits.csv', 'asic_fit.json', 'report.md', 'map_mu.csv']) assert.ok(fs.existsSync(path.join(dirs[0], f)), f);
    api.tree.refresh();
    const [folder] = (await api.tree.getChildren()).filter(f => f.folder === small());
    const [scan] = await api.tree.getChildren(folder);
    assert.match(api.tree.getTreeItem(scan).description, /analysed$/);
    const thresholds = await api.tree.getChildren(scan);
    const allBad = thresholds.find(t => t.thresholds.threshold === truth.allBadThreshold);
    const allBadItem = api.tree.getTreeItem(allBad);
    assert.strictEqual(allBadItem.iconPath.id, 'warning');
    assert.match(api.tree.getTreeItem(thresholds[0]).description, /good \/ \d+ bad · [\d.e+-]+ Hz/);
  });

  it('reuses results while the inputs are unchanged and offers a re-run when they change', async () => {
    const summaryFile = path.join(small(), 'velo-calib', 'summary.json');
    const before = fs.statSync(summaryFile).mtimeMs;
    const dirs = await vscode.commands.executeCommand('veloCalib.analyseFolder', vscode.Uri.file(small()));
    assert.deepStrictEqual(dirs, [path.join(small(), 'velo-calib')]);
    assert.strictEqual(fs.statSync(summaryFile).mtimeMs, before, 'not recomputed');
    const file = fs.readdirSync(small()).find(n => n.includes('_THR_1320_0.csv'));
    const future = new Date(Date.now() + 60000);
    fs.utimesSync(path.join(small(), file), future, future); // same data, new mtime: inputs changed
    const again = await vscode.commands.executeCommand('veloCalib.analyseFolder', vscode.Uri.file(small()));
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
    api.runner.runs.find(r => r.folder === big()).child.kill('SIGKILL');
    await assert.rejects(run, /killed by SIGKILL[\s\S]*Last engine output:[\s\S]*scan Module0_VP0-1_ECS_data_ST_1s310ms/);
    assert.ok(!api.runner.isRunning(big()));
    assert.ok(!fs.existsSync(out), 'a killed run publishes nothing');
  });

  it('opens the pixel map for an analysed scan and shows a pixel\'s fit', async () => {
    const dir = path.join(small(), 'velo-calib');
    const panel = await vscode.commands.executeCommand('veloCalib.showPixel', dir, 3, 7);
    assert.ok(panel.panel.visible);
    assert.match(panel.panel.webview.html, /Content-Security-Policy/);
    const fit = panel.output.pixelFit(3, 7);
    const line = fs.readFileSync(path.join(dir, 'pixel_fits.csv'), 'utf8').split('\n')[1 + 3 * 32 + 7].split(',');
    assert.strictEqual(fit.status, line[2]);
    assert.strictEqual(fit.values.mu, Number(line[3]));
    await waitFor(() => panel.lastDrawMs.mu !== undefined, 'the webview to draw the μ map');
    assert.strictEqual(await vscode.commands.executeCommand('veloCalib.showPixel', dir, 32, 0), undefined, 'row 32 is outside a 32×32 matrix');
  });

  it('a threshold in the tree opens its flux map (the item command)', async () => {
    const folder = (await api.tree.getChildren()).find(f => f.folder === small());
    const [scan] = await api.tree.getChildren(folder);
    const [, second] = await api.tree.getChildren(scan);
    const item = api.tree.getTreeItem(second);
    assert.strictEqual(item.command.command, 'veloCalib.openThresholdMap');
    const panel = await vscode.commands.executeCommand(item.command.command, ...item.command.arguments);
    await waitFor(() => panel.lastDrawMs.flux !== undefined, 'the flux map to be drawn');
    assert.deepStrictEqual(item.command.arguments.slice(1), [scan.scan.id, 1330]);
    // The map the panel sends (from the binary counts) is exactly the written flux CSV.
    const csv = fs.readFileSync(path.join(small(), 'velo-calib', `Fluxperpixel_${scan.scan.id}_THR_1330.csv`), 'utf8')
      .trim().split('\n').flatMap(l => l.split(',')).map(v => (v === 'nan' ? NaN : Number(v)));
    assert.deepStrictEqual(Array.from(panel.output.fluxMap(1330).values), csv);
    const muCsv = fs.readFileSync(path.join(small(), 'velo-calib', 'map_mu.csv'), 'utf8').trim().split('\n').flatMap(l => l.split(',')).map(v => (v === 'nan' ? NaN : Number(v)));
    assert.deepStrictEqual(Array.from(panel.output.map('mu')), muCsv);
  });

  it('fit diagnostics show the pixel\'s counts from pixel_counts.f32 and step to neighbours', async () => {
    const dir = path.join(small(), 'velo-calib');
    const map = await vscode.commands.executeCommand('veloCalib.showPixel', dir, 10, 12);
    await waitFor(() => vscode.window.tabGroups.all.some(g => g.tabs.some(t => /^Fit · pixel \(10, 12\)$/.test(t.label))), 'the diagnostics tab');
    const curve = map.output.pixelCurve(10, 12);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const j = 3, thr = summary.thresholds[j];
    const flux = fs.readFileSync(path.join(dir, `Fluxperpixel_${summary.scan.id}_THR_${thr}.csv`), 'utf8').trim().split('\n')[10].split(',')[12];
    assert.strictEqual(curve.counts[j] / curve.exposure[j], Number(flux), 'counts/T equals the written pixel flux');
    assert.strictEqual(curve.fit.curve.params[0], map.output.pixelFit(10, 12).values.mu);
  });

  it('the ASIC overview shows the ASIC fit and the conclusions', async () => {
    const dir = path.join(small(), 'velo-calib');
    const overview = await vscode.commands.executeCommand('veloCalib.openAsicOverview', dir);
    const asic = JSON.parse(fs.readFileSync(path.join(dir, 'asic_fit.json'), 'utf8'));
    assert.strictEqual(overview.lastMessage.fit.params[0], asic.params.mu);
    assert.ok(overview.lastMessage.conclusions.length >= 5);
    assert.ok(overview.lastMessage.allBad.length === 1, 'the all-bad threshold is listed');
  });

  it('exports the report through the given target', async () => {
    const target = vscode.Uri.file(path.join(ws(), 'exported-report.md'));
    const written = await vscode.commands.executeCommand('veloCalib.exportReport', path.join(small(), 'velo-calib'), target);
    assert.strictEqual(written, target.fsPath);
    assert.match(fs.readFileSync(target.fsPath, 'utf8'), /# VELO threshold scan report/);
  });

  it('a re-run replaces the results in one step; an open map is reopened on the new run, never mixed', async () => {
    const dir = path.join(small(), 'velo-calib');
    const before = await vscode.commands.executeCommand('veloCalib.openPixelMap', dir);
    const runBefore = fs.realpathSync(dir);
    await api.runner.run(small(), ['analyse', small(), '--workers', '1'], () => {});
    assert.notStrictEqual(fs.realpathSync(dir), runBefore, 'the link shows the new run');
    assert.ok(!fs.existsSync(runBefore), 'the replaced run folder is removed');
    assert.ok(!before.output.current);
    const after = await vscode.commands.executeCommand('veloCalib.openPixelMap', dir);
    assert.notStrictEqual(after, before, 'a new panel on the new run');
    assert.ok(after.output.current);
    assert.strictEqual(after.output.pixelFit(3, 7).values.mu, Number(fs.readFileSync(path.join(dir, 'pixel_fits.csv'), 'utf8').split('\n')[1 + 3 * 32 + 7].split(',')[3]));
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
    const config = vscode.workspace.getConfiguration('veloCalib');
    api.tree.refresh();
    const scanItem = async () => {
      const folder = (await api.tree.getChildren()).find(f => f.folder === small());
      const [scan] = await api.tree.getChildren(folder);
      return api.tree.getTreeItem(scan).description;
    };
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
      const folder = (await api.tree.getChildren()).find(f => f.folder === small());
      const [scan] = await api.tree.getChildren(folder);
      return (await api.tree.getChildren(scan)).map(t => t.thresholds.threshold);
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
      const folder = (await api.tree.getChildren()).find(f => f.folder === evil);
      const [scan] = await api.tree.getChildren(folder);
      const tooltip = api.tree.getTreeItem(scan).tooltip;
      assert.ok(!tooltip.isTrusted);
      assert.ok(!tooltip.value.includes('[run](command:'), tooltip.value);
      assert.ok(!tooltip.supportHtml, 'raw HTML in a name is never rendered');
    } finally {
      fs.rmSync(evil, { recursive: true, force: true });
      api.tree.refresh();
    }
  });
});
