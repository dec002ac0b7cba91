// Browser UI suite: the packaged .vsix installed into code-server and used as a physicist would, through the
// Explorer context menu, the VELO Scans view, notifications, the command palette and the pixel-map webview.
// Screenshots go to test-artifacts/ui/ (kept by CI). Timings (map draw, quantity switch) are printed, not asserted.
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

/** The webview frame (webviews are nested iframes) holding `selector`, or undefined after `timeoutMs`. */
async function findFrame(page, selector, timeoutMs) {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await page.waitForTimeout(250)) {
    for (const f of page.frames()) {
      if (await f.locator(selector).count().catch(() => 0)) return f;
    }
  }
  return undefined;
}

function readMatrix(file) {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map(l => l.split(',').map(v => (v === 'nan' ? NaN : Number(v))));
}

export async function uiSuite({ run, ws, root, startCodeServer, launchBrowser, log }) {
  const shots = path.join(root, 'test-artifacts', 'ui');
  fs.mkdirSync(shots, { recursive: true });
  const vsce = path.join(root, 'test/vscode/node_modules/.bin/vsce');
  const vsix = path.join(run, 'velo-calib.vsix');
  const pack = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--baseImagesUrl', 'https://example.invalid/velo-calib/', '-o', vsix], { cwd: root, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`vsce package failed: ${pack.stderr}${pack.stdout}`);
  log(`packaged ${path.basename(vsix)} (${(fs.statSync(vsix).size / 1024).toFixed(0)} KB)`);

  const results = [];
  const check = (ok, name) => { results.push(ok); log(ok ? 'PASS' : 'FAIL', name); };
  const listed = spawnSync(vsce, ['ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' }).stdout.trim().split('\n');
  const needed = ['dist/extension.js', 'dist/cli.js', 'dist/fluxWorker.js', 'dist/fitWorker.js', 'dist/parseKernel.wasm', 'dist/webview/pixelMap.js'];
  check(needed.every(f => listed.includes(f)) && !listed.some(f => /^(src|test|node_modules)\/|\.map$|\.ts$/.test(f)),
    `.vscodeignore keeps the .vsix to the bundles (${listed.length} files)`);
  const server = await startCodeServer(run, ws, []);
  const install = spawnSync(path.join(root, 'test/vscode/node_modules/.bin/code-server'), [...server.common, '--install-extension', vsix],
    { env: server.env, encoding: 'utf8' });
  check(install.status === 0, `vsix installs into code-server ${install.status === 0 ? '' : install.stderr}`);
  const ctx = await launchBrowser(run);
  const page = ctx.pages()[0] ?? await ctx.newPage();
  page.on('pageerror', e => log('pageerror', e.message));
  const shot = name => page.screenshot({ path: path.join(shots, `${name}.png`) });
  try {
    await page.goto(`http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    const header = page.locator('.pane-header', { hasText: 'VELO Scans' });
    await header.waitFor({ timeout: 90000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const treeRow = name => page.locator('.monaco-list-row', { hasText: name });
    await treeRow('Module0_VP0-1_ECS_data_ST').first().waitFor({ timeout: 30000 }).catch(() => {});
    check(await page.locator('.pane-body .monaco-list-row', { hasText: 'small-scan' }).count() > 0, 'VELO Scans view lists the small-scan data folder');
    await shot('1-scans-view');

    // Explorer: right-click the data folder → Analyse VELO Scan.
    const folderRow = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'small-scan' });
    await folderRow.waitFor({ timeout: 30000 });
    await folderRow.click({ button: 'right' });
    const entry = page.locator('.monaco-menu .action-item', { hasText: 'Analyse VELO Scan' });
    await entry.waitFor({ timeout: 15000 }).catch(() => {});
    check(await entry.isVisible(), 'folder context menu offers "Analyse VELO Scan"');
    await page.waitForTimeout(600); // the menu fades in; clicks during the fade are ignored
    await shot('2-context-menu');
    await entry.click();
    const toast = page.locator('.notification-toast', { hasText: 'analysis of small-scan finished' });
    await toast.waitFor({ timeout: 90000 }).catch(() => {});
    check(await toast.isVisible(), 'analysis finishes with a notification');
    await shot('3-analysis-done');
    const out = path.join(ws, 'small-scan', 'velo-calib');
    check(fs.existsSync(path.join(out, 'summary.json')) && fs.existsSync(path.join(out, 'pixel_fits.csv')), 'outputs written next to the data');

    // Open the pixel map from the notification and find the webview frame.
    await toast.locator('a.monaco-button, .monaco-button', { hasText: 'Open Pixel Map' }).first().click();
    const frame = await findFrame(page, '#map[data-quantity]', 30000);
    check(!!frame, 'pixel map webview opens and draws');
    if (frame) {
      const map = frame.locator('#map');
      const drawMs = Number(await map.getAttribute('data-draw-ms'));
      log(`map draw: ${drawMs.toFixed(1)} ms (target ≤ 50 ms)`);
      const mu = readMatrix(path.join(out, 'map_mu.csv'));
      const [row, col] = [5, 9];
      const box = await map.boundingBox();
      const cols = mu[0].length, rows = mu.length;
      const position = { x: (col + 0.5) * box.width / cols, y: (row + 0.5) * box.height / rows };
      await map.hover({ position });
      const readout = await frame.locator('#readout').innerText();
      const shown = Number(/= ([-\d.e+]+)/.exec(readout)?.[1]);
      check(readout.startsWith(`row ${row}, col ${col}: μ (DAC)`) && Math.abs(shown - mu[row][col]) <= 1e-4 * Math.abs(mu[row][col]),
        `hover shows μ of pixel (${row}, ${col}): "${readout}" vs ${mu[row][col]}`);
      await map.click({ position });
      await frame.locator('#pixelTable[data-pixel="5,9"]').waitFor({ timeout: 10000 }).catch(() => {});
      const table = await frame.locator('#pixelTable').innerText();
      const fitLine = fs.readFileSync(path.join(out, 'pixel_fits.csv'), 'utf8').split('\n')[1 + row * cols + col].split(',');
      const tableMu = Number(/mu\s+([-\d.e+]+)/.exec(table)?.[1]);
      check(table.includes(`pixel (${row}, ${col}) · ${fitLine[2]}`) && Math.abs(tableMu - Number(fitLine[3])) <= 1e-4 * Math.abs(Number(fitLine[3])),
        `clicking the pixel shows its fit parameters (μ ${tableMu} vs ${fitLine[3]})`);
      await shot('4-pixel-map');
      // The click opened the fit diagnostics beside the map.
      const diag = await findFrame(page, `body[data-pixel="${row},${col}"] #params`, 20000);
      check(!!diag, 'clicking a pixel opens its fit diagnostics');
      if (diag) {
        const params = await diag.locator('#params').innerText();
        const shownMu = Number(/mu\s+([-\d.e+]+)/.exec(params)?.[1]);
        check(Math.abs(shownMu - Number(fitLine[3])) <= 1e-4 * Math.abs(Number(fitLine[3])), `diagnostics table shows the fitted μ (${shownMu})`);
        await diag.locator('body').press('ArrowRight');
        await diag.locator(`body[data-pixel="${row},${col + 1}"]`).waitFor({ timeout: 10000 }).catch(() => {});
        check(await diag.locator(`body[data-pixel="${row},${col + 1}"]`).count() === 1, 'arrow key steps to the neighbouring pixel');
        await shot('4b-fit-diagnostics');
      }
      const t0 = Date.now();
      await frame.locator('#quantity').selectOption('sigma');
      await frame.locator('#map[data-quantity="sigma"]').waitFor({ timeout: 10000 });
      log(`quantity switch μ → σ: ${Date.now() - t0} ms round trip, draw ${await map.getAttribute('data-draw-ms')} ms (target ≤ 100 ms)`);
      check(true, 'quantity switch redraws the map');
      await shot('5-sigma-map');
    }

    // The full-size 256×256 map: draw and quantity-switch times (reported, not asserted).
    const bigRow = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'big-scan' });
    await bigRow.click({ button: 'right' });
    await entry.waitFor({ timeout: 15000 });
    await page.waitForTimeout(600);
    await entry.click();
    const bigToast = page.locator('.notification-toast', { hasText: 'analysis of big-scan finished' });
    await bigToast.waitFor({ timeout: 120000 }).catch(() => {});
    check(await bigToast.isVisible(), 'the 256×256 scan is analysed from the context menu');
    await bigToast.locator('.monaco-button', { hasText: 'Open Pixel Map' }).first().click().catch(() => {});
    const big = await findFrame(page, '#map[width="256"][data-quantity]', 30000);
    check(!!big, '256×256 pixel map opens');
    if (big) {
      const map = big.locator('#map');
      log(`256×256 map draw: ${await map.getAttribute('data-draw-ms')} ms (target ≤ 50 ms)`);
      for (const q of ['sigma', 'amplitude', 'flux']) {
        const t0 = Date.now();
        await big.locator('#quantity').selectOption(q);
        await big.locator(`#map[data-quantity="${q}"]`).waitFor({ timeout: 10000 });
        log(`256×256 quantity switch → ${q}: ${await map.getAttribute('data-switch-ms')} ms in the webview from request to drawn map (target ≤ 100 ms; ` +
          `draw ${await map.getAttribute('data-draw-ms')} ms, ${Date.now() - t0} ms as Playwright sees it)`);
      }
      await shot('5b-big-map');

      // Zoom with the wheel, then export the shown map as CSV through the save dialog.
      await map.hover();
      await page.mouse.wheel(0, -300);
      await page.waitForTimeout(200);
      const transform = await map.evaluate(el => el.style.transform);
      check(/scale\((?!1\))[\d.]+\)/.test(transform), `wheel zooms the map (${transform})`);
      await big.locator('#resetZoom').click();
      const exported = path.join(ws, 'exported-flux.csv');
      await big.locator('#exportCsv').click();
      // code-server's save dialog is a quick input prefilled with the suggested path.
      const dialogInput = page.locator('.quick-input-widget input[type="text"]:visible');
      await dialogInput.waitFor({ state: 'visible', timeout: 15000 }).catch(() => {});
      for (let i = 0; i < 40 && !(await dialogInput.inputValue().catch(() => '')).endsWith('.csv'); i++) await page.waitForTimeout(250);
      await dialogInput.fill(exported);
      await page.waitForTimeout(300);
      await page.keyboard.press('Enter');
      for (let i = 0; i < 40 && !fs.existsSync(exported); i++) await page.waitForTimeout(250);
      const lines = fs.existsSync(exported) ? fs.readFileSync(exported, 'utf8').trim().split('\n') : [];
      const fluxFile = fs.readdirSync(path.join(ws, 'big-scan', 'velo-calib')).find(n => /^Fluxperpixel_.*_THR_1320\.csv$/.test(n));
      const expected = fs.readFileSync(path.join(ws, 'big-scan', 'velo-calib', fluxFile), 'utf8').trim().split('\n');
      check(lines.length === 256 && lines.every((l, r) => l === expected[r]),
        `Export CSV writes the shown map (flux at 1320) through the save dialog, equal to ${fluxFile} (${lines.length} lines)`);
      await shot('5c-after-export');
    }

    // Command palette: the VELO commands are there.
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>VELO: ');
    const rowsText = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
    check(['Analyse Folder', 'Open Pixel Map', 'Cancel Analysis'].every(t => rowsText.some(r => r.includes(t))), 'command palette lists the VELO commands');
    await shot('6-palette');
    await page.keyboard.press('Escape');

    // ASIC overview through the palette.
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>VELO: Open ASIC Overview');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open ASIC Overview' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    const overview = await findFrame(page, 'body[data-ready="true"] #conclusions li', 20000);
    const conclusions = overview ? await overview.locator('#conclusions li').allInnerTexts() : [];
    check(conclusions.some(c => c.startsWith('Threshold dispersion')), `ASIC overview lists the conclusions (${conclusions.length})`);
    await shot('6b-asic-overview');

    // Reload the window (in the light theme): the panels come back through their WebviewPanelSerializer.
    const settingsFile = path.join(run, 'ud', 'User', 'settings.json');
    fs.writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(settingsFile, 'utf8')), 'workbench.colorTheme': 'Default Light Modern' }));
    await page.waitForTimeout(1000);
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>Developer: Reload Window');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Reload Window' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    const restored = await findFrame(page, '#map[data-quantity]', 30000);
    check(!!restored, 'the pixel map comes back after a window reload');
    const bodyClass = restored ? await restored.locator('body').getAttribute('class') : '';
    check(/vscode-light/.test(bodyClass ?? ''), `the webview follows the light theme (body class "${bodyClass}")`);
    await shot('7-after-reload');
  } catch (e) {
    check(false, `UI run: ${e.stack ?? e}`);
    await shot('error').catch(() => {});
  } finally {
    await ctx.close().catch(() => {});
    server.stop();
  }
  const pass = results.filter(Boolean).length, fail = results.length - pass;
  console.log(`# pass ${pass}\n# fail ${fail}`);
  return fail ? 1 : 0;
}
