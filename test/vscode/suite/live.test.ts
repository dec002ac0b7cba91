// The live watch in a real extension host: a writer process drops a generated scan into a folder over time while
// "VELO: Watch Scan (Live)" runs; the pixel map and ASIC overview opened on the first snapshot are refreshed in place
// (the same panels, their titles and runs follow each publication); Stop publishes what `analyse` publishes. A watched
// folder's scan rows are `scanLive` (inline stop button): Stop Live Watch on a row stops that folder's watch, from
// the palette it asks which one when several run.
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { AsicOverviewPanel } from '../../../src/extension/asicOverviewPanel';
import type { VeloCalibApi } from '../../../src/extension/extension';
import type { PixelMapPanel } from '../../../src/extension/pixelMapPanel';
import type { ScanTreeNode } from '../../../src/extension/scanTree';
import { analyseOptionsFromSettings, cliArguments } from '../../../src/extension/settings';
import type { WritePlan } from '../../engine/liveWriter';

const EXTENSION_ID = 'velo-calib.velo-calib';
const WRITER = path.resolve(__dirname, '../../engine/liveWriter.js');
const ACQUISITION = /_THR_(\d+)_(\d+)\.csv$/;

async function waitFor(predicate: () => unknown, what: string, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await predicate()) return; await new Promise(r => setTimeout(r, 100)); }
  throw new Error(`timed out waiting for ${what}`);
}

/** Numbers of two CSV files equal within 1e-6 relative (nan and words equal as text). */
function assertNumbersClose(a: string, b: string, what: string): void {
  const x = fs.readFileSync(a, 'utf8').split(/[,\n]/), y = fs.readFileSync(b, 'utf8').split(/[,\n]/);
  assert.strictEqual(x.length, y.length, what);
  for (let i = 0; i < x.length; i++) {
    const u = Number(x[i]), v = Number(y[i]);
    if (Number.isFinite(u) && Number.isFinite(v)) assert.ok(Math.abs(u - v) <= 1e-6 * Math.max(Math.abs(u), Math.abs(v)), `${what}: ${x[i]} vs ${y[i]}`);
    else assert.strictEqual(x[i], y[i], what);
  }
}

type ScanRow = Extract<ScanTreeNode, { kind: 'scan' }>;

/** The scan rows of `folder` in the VELO Scans tree, wherever the module/ASIC grouping puts them. */
async function scanRows(api: VeloCalibApi, folder: string): Promise<ScanRow[]> {
  const rows: ScanRow[] = [];
  const walk = async (node?: ScanTreeNode): Promise<void> => {
    for (const c of await api.tree.getChildren(node)) {
      if (c.kind === 'scan') { if (path.resolve(c.folder) === path.resolve(folder)) rows.push(c); } else if (c.kind === 'group' || c.kind === 'folder') await walk(c);
    }
  };
  await walk();
  return rows;
}

/** The row of data folder `folder` in the VELO Scans tree. */
async function folderRow(api: VeloCalibApi, folder: string): Promise<ScanTreeNode | undefined> {
  const walk = async (node?: ScanTreeNode): Promise<ScanTreeNode | undefined> => {
    for (const c of await api.tree.getChildren(node)) {
      if (c.kind === 'folder' && path.resolve(c.folder) === path.resolve(folder)) return c;
      if (c.kind === 'group' || c.kind === 'folder') { const found = await walk(c); if (found) return found; }
    }
    return undefined;
  };
  return walk();
}

/** The contextValue of every scan row of `folder` (the menus and inline buttons a user gets), once it has some. */
async function rowContexts(api: VeloCalibApi, folder: string): Promise<string[]> {
  return (await scanRows(api, folder)).map(r => String(api.tree.getTreeItem(r).contextValue));
}

describe('live watch: panels follow a scan being taken', () => {
  let api: VeloCalibApi;
  let scratch: string;
  before(async () => {
    const ext = vscode.extensions.getExtension<VeloCalibApi>(EXTENSION_ID)!;
    api = await ext.activate();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'velo-live-ext-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('an open pixel map and ASIC overview are refreshed in place as files arrive; Stop publishes the batch result', async function () {
    this.timeout(180000);
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const source = path.join(scratch, 'source');
    const gen = spawnSync(process.execPath, [cli, 'generate', source, '--thresholds', '1320:1600:20', '--nacq', '4', '--seed', '21', '--size', '16',
      '--no-variants'], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.strictEqual(gen.status, 0, gen.stderr);
    const names = fs.readdirSync(source).filter(n => ACQUISITION.test(n)).sort((a, b) => {
      const [, ta, aa] = ACQUISITION.exec(a)!.map(Number), [, tb, ab] = ACQUISITION.exec(b)!.map(Number);
      return ta - tb || aa - ab;
    });
    const target = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'live-ext-scan');
    const out = path.join(target, 'velo-calib');
    fs.mkdirSync(target, { recursive: true });
    // The mask and the first three thresholds are there when the watch starts; a writer process brings the rest.
    for (const n of [...fs.readdirSync(source).filter(n => /Mask\.csv$/.test(n)), ...names.slice(0, 12)]) fs.copyFileSync(path.join(source, n), path.join(target, n));
    const summary = () => { try { return JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')); } catch { return undefined; } };
    const watching = vscode.commands.executeCommand<string[] | undefined>('veloCalib.watchScan', target);
    await waitFor(() => summary()?.live, 'the first live snapshot');

    const map = await vscode.commands.executeCommand<PixelMapPanel>('veloCalib.openPixelMap', out);
    const overview = await vscode.commands.executeCommand<AsicOverviewPanel>('veloCalib.openAsicOverview', out);
    const firstRun = map.output.runDir, firstCount: number = map.output.summary.live!.files_counted;
    assert.match(map.panel.title, /^Pixel Map · .* \(live, \d+ files\)$/);
    assert.ok(firstCount >= 12 && firstCount < names.length, `${firstCount} files in the first snapshot`);

    const plan: WritePlan = { source, target, steps: names.slice(12).map(name => ({ name, how: 'rename', delayMs: 120 })) };
    const planFile = path.join(scratch, 'plan.json');
    fs.writeFileSync(planFile, JSON.stringify(plan));
    const writer = spawn(process.execPath, [WRITER, planFile], { stdio: 'ignore', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    const written = new Promise<number | null>(resolve => writer.on('exit', code => resolve(code)));

    // A snapshot with more files: the same panel now reads the new run, and its title says how far the watch is.
    await waitFor(() => map.output.runDir !== firstRun && map.output.summary.live, 'the map to follow a later snapshot', 60000);
    assert.ok(!map.isDisposed, 'the same map panel, refreshed in place');
    assert.ok(map.output.current, 'it reads the run the folder shows');
    assert.strictEqual(await vscode.commands.executeCommand('veloCalib.openPixelMap', out), map, 'opening the map again reuses the refreshed panel');
    assert.strictEqual(await written, 0);
    await waitFor(() => map.output.summary.live?.files_counted === names.length, 'a snapshot of every file in the open map', 60000);
    assert.strictEqual(map.panel.title, `Pixel Map · ${map.output.summary.scan.id} (live, ${names.length} files)`);
    const shownFlux = map.mapData('flux', 1600).values;
    const fluxFile = path.join(map.output.runDir, `Fluxperpixel_${map.output.summary.scan.id}_THR_1600.csv`);
    assert.deepStrictEqual(Array.from(shownFlux), fs.readFileSync(fluxFile, 'utf8').trim().split(/[,\n]/).map(v => (v === 'nan' ? NaN : Number(v))),
      'the map shows the snapshot\'s flux at the last threshold');
    await waitFor(() => overview.output.summary.live?.files_counted === names.length, 'the overview to follow', 30000);
    assert.ok(!overview.isDisposed && /\(live, \d+ files\)$/.test(overview.panel.title), overview.panel.title);

    // Stop from the scan's row in the VELO Scans tree (its inline stop button passes the row, and the selection):
    // the final publication is the batch one, the open panels show it (no "live" left in their titles), and the
    // row is a plain scan row again.
    const [row] = await scanRows(api, target);
    const live = api.tree.getTreeItem(row);
    assert.strictEqual(live.contextValue, 'scanLive', 'a watched scan\'s row carries the stop button');
    assert.match(String(live.description), / · live: /);
    assert.strictEqual(await vscode.commands.executeCommand('veloCalib.stopWatch', row, [row]), 1);
    assert.deepStrictEqual(await watching, [out]);
    await waitFor(async () => (await rowContexts(api, target)).join() === 'scan', 'the row to be a plain scan row again');
    assert.doesNotMatch(String(api.tree.getTreeItem((await scanRows(api, target))[0]).description), /live/);
    await waitFor(() => !map.output.summary.live && map.panel.title === `Pixel Map · ${map.output.summary.scan.id}`, 'the map to show the final result');
    await waitFor(() => !overview.output.summary.live, 'the overview to show the final result');
    assert.ok(!map.isDisposed && map.output.hasFits);

    const batchOut = path.join(scratch, 'batch');
    await api.runner.run(target, [...cliArguments(analyseOptionsFromSettings(target)), '--out', batchOut], () => {});
    for (const name of fs.readdirSync(batchOut)) {
      const live = path.join(out, name), batch = path.join(batchOut, name);
      assert.ok(fs.existsSync(live), `the watch published ${name}`);
      if (/^(Uncertainty)?Fluxper/.test(name) || name === 'pixel_counts.f32') assert.ok(fs.readFileSync(live).equals(fs.readFileSync(batch)), `${name} byte-identical`);
      else if (name === 'pixel_fits.csv' || /^map_.*\.csv$/.test(name)) assertNumbersClose(live, batch, name);
    }
    for (const p of [map, overview]) p.panel.dispose();
    fs.rmSync(target, { recursive: true, force: true });
  });

  it('Stop Live Watch: a row stops its own folder\'s watch; the palette asks which of several, and stops the last one without asking', async function () {
    this.timeout(180000);
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const folders = ['live-stop-a', 'live-stop-b', 'live-stop-c'].map(n => path.join(root, n));
    for (const [i, f] of folders.entries()) {
      const gen = spawnSync(process.execPath, [cli, 'generate', f, '--thresholds', '1320:1600:40', '--nacq', '2', '--seed', String(30 + i), '--size', '8',
        '--no-variants'], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      assert.strictEqual(gen.status, 0, gen.stderr);
    }
    const summary = (f: string) => { try { return JSON.parse(fs.readFileSync(path.join(f, 'velo-calib', 'summary.json'), 'utf8')); } catch { return undefined; } };
    // Each watch's promise, and whether it has ended.
    const watches = folders.map(f => {
      const w = { ended: false, result: vscode.commands.executeCommand<string[] | undefined>('veloCalib.watchScan', f) };
      void w.result.then(() => { w.ended = true; });
      return w;
    });
    for (const f of folders) await waitFor(() => summary(f)?.live, `a live snapshot of ${path.basename(f)}`, 60000);
    for (const f of folders) await waitFor(async () => (await rowContexts(api, f)).join() === 'scanLive', `${path.basename(f)}'s row to be live`);
    const contexts = async () => (await Promise.all(folders.map(f => rowContexts(api, f)))).map(c => c.join());

    // The stop button of b's row stops b's watch only.
    const [rowB] = await scanRows(api, folders[1]);
    assert.strictEqual(await vscode.commands.executeCommand('veloCalib.stopWatch', rowB, [rowB]), 1);
    assert.deepStrictEqual(await watches[1].result, [path.join(folders[1], 'velo-calib')]);
    assert.ok(!summary(folders[1]).live, 'b published its final result');
    await waitFor(async () => (await contexts()).join(' ') === 'scanLive scan scanLive', 'b\'s row back to a plain scan row, a and c still live');
    assert.ok(!watches[0].ended && !watches[2].ended, 'a and c still watched');

    // From the palette with two running: a quick pick of the running watches (a first: the order they started); its
    // first item is taken, as a user pressing Enter would.
    const stopping = vscode.commands.executeCommand<number>('veloCalib.stopWatch');
    let answered = false;
    void stopping.then(() => { answered = true; });
    await waitFor(async () => { if (!answered) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'); return answered; },
      'the pick of the watch to stop');
    assert.strictEqual(await stopping, 1, 'one watch stopped, not every one');
    assert.deepStrictEqual(await watches[0].result, [path.join(folders[0], 'velo-calib')]);
    await waitFor(async () => (await contexts()).join(' ') === 'scan scan scanLive', 'a back to a plain row, c still live');
    assert.ok(!watches[2].ended, 'c still watched');

    // One left: the palette command stops it without asking.
    assert.strictEqual(await vscode.commands.executeCommand('veloCalib.stopWatch'), 1);
    assert.deepStrictEqual(await watches[2].result, [path.join(folders[2], 'velo-calib')]);
    await waitFor(async () => (await contexts()).join(' ') === 'scan scan scan', 'every row back to a plain scan row');
    assert.ok(folders.every(f => summary(f) && !summary(f).live && summary(f).fit), 'three final results with fits');
    assert.strictEqual(await vscode.commands.executeCommand('veloCalib.stopWatch'), 0, 'none left to stop');
    for (const f of folders) fs.rmSync(f, { recursive: true, force: true });
  });

  it('a data folder\'s row: Watch starts the watch of the folder, the row then carries Stop, which publishes the final result', async function () {
    this.timeout(120000);
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const folder = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'live-folder-row');
    const gen = spawnSync(process.execPath, [cli, 'generate', folder, '--thresholds', '1320:1600:40', '--nacq', '2', '--seed', '41', '--size', '8',
      '--no-variants'], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.strictEqual(gen.status, 0, gen.stderr);
    const summary = () => { try { return JSON.parse(fs.readFileSync(path.join(folder, 'velo-calib', 'summary.json'), 'utf8')); } catch { return undefined; } };
    const folderContext = async () => { const row = await folderRow(api, folder); return row && String(api.tree.getTreeItem(row).contextValue); };
    await waitFor(async () => (await folderContext()) === 'dataFolder', 'the folder\'s row (Watch in its menu)');
    const row = (await folderRow(api, folder))!;
    // the row's menu passes the row itself
    const watching = vscode.commands.executeCommand<string[] | undefined>('veloCalib.watchScan', row);
    await waitFor(() => summary()?.live, 'a live snapshot of the folder');
    await waitFor(async () => (await folderContext()) === 'dataFolderLive', 'the folder\'s row to carry Stop');
    assert.deepStrictEqual(await rowContexts(api, folder), ['scanLive'], 'its scan\'s row is live too');
    const liveRow = (await folderRow(api, folder))!;
    assert.strictEqual(await vscode.commands.executeCommand('veloCalib.stopWatch', liveRow, [liveRow]), 1);
    assert.deepStrictEqual(await watching, [path.join(folder, 'velo-calib')]);
    assert.ok(summary() && !summary().live && summary().fit, 'the final result, with fits');
    await waitFor(async () => (await folderContext()) === 'dataFolder' && (await rowContexts(api, folder)).join() === 'scan', 'plain rows again');
    fs.rmSync(folder, { recursive: true, force: true });
  });
});
