// UI check of the live watch, as a physicist uses it: a folder is being filled with a small scan (32×32); the watch is
// started from the folder's Explorer context menu; the pixel map opened on a live snapshot, zoomed in on a threshold
// still being taken, changes as files arrive while its zoom, quantity and threshold stay; the status bar shows the
// live status and stops the watch; the map then shows the final result. Then the scan's row in the VELO Scans tree
// starts the watch again (its context menu), the last file arrives, and the row's inline stop button ends it: the
// status bar item and the row's live status go away. Screenshots: test-artifacts/ui/live.png, live-row-stop.png.
/* global document -- functions passed to frame.evaluate run in the webview */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

const ACQUISITION = /_THR_(\d+)_(\d+)\.csv$/;

/** A hash of the map canvas's pixels (changes when the drawn map changes). */
const canvasHash = frame => frame.evaluate(() => {
  const c = document.getElementById('map');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + d[i]) | 0;
  return h;
});

export async function liveWatchChecks({ page, ws, run, root, check, shot, log, findFrame, palette, pickScan }) {
  const source = path.join(run, 'live-source');
  const gen = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'generate', source, '--thresholds', '1320:1600:20', '--nacq', '3',
    '--seed', '12', '--size', '32', '--no-variants'], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`generate: ${gen.stderr}`);
  const key = n => { const [, t, a] = ACQUISITION.exec(n).map(Number); return t * 1000 + a; };
  const names = fs.readdirSync(source).filter(n => ACQUISITION.test(n)).sort((a, b) => key(a) - key(b));
  const folder = path.join(ws, 'live-ui-scan'), out = path.join(folder, 'velo-calib');
  fs.mkdirSync(folder, { recursive: true });
  const place = n => { fs.copyFileSync(path.join(source, n), path.join(folder, `.${n}.part`)); fs.renameSync(path.join(folder, `.${n}.part`), path.join(folder, n)); };
  // Three thresholds and the first acquisition of the fourth (1380) are there when the watch starts; the last file
  // arrives during the second watch.
  for (const n of fs.readdirSync(source).filter(n => /Mask\.csv$/.test(n))) fs.copyFileSync(path.join(source, n), path.join(folder, n));
  const prefilled = 10;
  names.slice(0, prefilled).forEach(place);

  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'live-ui-scan' }).first();
  await row.waitFor({ timeout: 30000 });
  await row.click({ button: 'right' });
  const entry = page.locator('.monaco-menu .action-item', { hasText: 'Watch Scan (Live)' });
  const offered = await entry.waitFor({ timeout: 15000 }).then(() => true, () => false);
  check(offered, 'the folder context menu offers "Watch Scan (Live)"');
  await page.waitForTimeout(600); // the menu fades in; clicks during the fade are ignored
  await entry.click();
  const liveSummary = () => { try { return JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')); } catch { return undefined; } };
  for (let i = 0; i < 120 && !liveSummary()?.live; i++) await page.waitForTimeout(250);
  check(!!liveSummary()?.live, `the watch publishes a live snapshot (${liveSummary()?.live?.files_counted} files)`);
  const status = page.locator('.statusbar-item', { hasText: 'VELO:' }).first();
  const statusText = await status.innerText().catch(() => '');
  check(/\d+ files \([\d.]+\/s\), \d+\/\d+ thresholds, [\d.]+ % bad/.test(statusText), `the status bar shows the live status ("${statusText}")`);

  await palette('VELO: Open Pixel Map');
  await pickScan('live-ui-scan');
  const frame = await findFrame(page, 'body[data-live] #title:has-text("live-ui-scan")', 30000);
  check(!!frame, 'the pixel map of the live snapshot opens');
  if (!frame) return;
  await frame.locator('#map[data-quantity]').waitFor({ timeout: 10000 });
  if (await frame.locator('#quantity').inputValue() !== 'flux') await frame.locator('#quantity').selectOption('flux');
  await frame.locator('#threshold').selectOption('1380');
  await frame.locator('#map[data-quantity="flux"]').waitFor({ timeout: 10000 });
  const map = frame.locator('#map');
  await map.hover();
  await page.mouse.wheel(0, -300);
  await page.waitForTimeout(300);
  const zoomed = await map.evaluate(el => el.style.transform);
  const liveBefore = await frame.locator('body').getAttribute('data-live');
  const before = await canvasHash(frame);
  const titleBefore = await frame.locator('#title').innerText();
  log(`live map before: ${titleBefore} · zoom ${zoomed}`);

  // The rest of the scan arrives, one file every 150 ms, renamed into place as a DAQ writes.
  for (const n of names.slice(prefilled, -1)) { place(n); await page.waitForTimeout(150); }
  const changed = await frame.locator(`body[data-live]:not([data-live="${liveBefore}"])`).waitFor({ timeout: 30000 }).then(() => true, () => false);
  const after = await canvasHash(frame);
  const titleAfter = await frame.locator('#title').innerText();
  check(changed && after !== before, `the open map is redrawn as files arrive (${liveBefore} → ${await frame.locator('body').getAttribute('data-live')} files; "${titleAfter}")`);
  const kept = await map.evaluate(el => el.style.transform);
  check(/scale\((?!1\))[\d.]+\)/.test(zoomed) && kept === zoomed && await frame.locator('#threshold').inputValue() === '1380' &&
    await frame.locator('#quantity').inputValue() === 'flux', `zoom (${kept}), quantity and threshold stay through the refresh`);
  await shot('live');

  // Stop from the status bar: the final result is published and the map shows it.
  await page.locator('.statusbar-item', { hasText: 'VELO:' }).first().click();
  const finished = page.locator('.notification-toast', { hasText: 'live watch of live-ui-scan finished' });
  check(await finished.waitFor({ timeout: 60000 }).then(() => true, () => false), 'a click on the status bar stops the watch; the final result is published');
  const final = await frame.locator('body[data-live="complete"]').waitFor({ timeout: 30000 }).then(() => true, () => false);
  check(final && !liveSummary()?.live && liveSummary()?.acquisitions.total === names.length - 1, 'the open map shows the final result of every file so far');
  await page.keyboard.press('Escape');

  await rowStopChecks({ page, check, shot, log, folder: 'live-ui-scan', lastFile: () => place(names[names.length - 1]),
    finalTotal: () => liveSummary()?.live ? undefined : liveSummary()?.acquisitions.total, expectedTotal: names.length });
}

/** The VELO Scans rows matching `text`, the view scrolled until one is shown (the tree draws only the rows in view). */
async function revealTreeRow(page, text) {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'VELO Scans' }) });
  const rows = pane.locator('.monaco-list-row', { hasText: text });
  await pane.locator('.pane-body').hover();
  await page.mouse.wheel(0, -100000);
  for (let i = 0; i < 60 && !(await rows.first().isVisible().catch(() => false)); i++) { await page.mouse.wheel(0, 88); await page.waitForTimeout(100); }
  return { pane, rows };
}

/** Waits for `predicate` (async), polling; false after `ms`. */
async function until(page, predicate, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await page.waitForTimeout(200)) if (await predicate()) return true;
  return false;
}

/** The scan's row in the VELO Scans tree: Watch Scan (Live) from its context menu, then its inline stop button. */
async function rowStopChecks({ page, check, shot, log, folder, lastFile, finalTotal, expectedTotal }) {
  const { pane, rows: folderRows } = await revealTreeRow(page, folder);
  const index = Number(await folderRows.first().getAttribute('data-index').catch(() => NaN));
  // The folder row is expanded: its scan is the next row.
  const scanRow = pane.locator(`.monaco-list-row[data-index="${index + 1}"]`);
  await scanRow.click({ button: 'right' }).catch(() => {});
  const watchEntry = page.locator('.monaco-menu .action-item', { hasText: 'Watch Scan (Live)' });
  check(await watchEntry.waitFor({ timeout: 15000 }).then(() => true, () => false), `the scan row's context menu offers "Watch Scan (Live)" (row ${index + 1}: "${await scanRow.innerText().catch(() => '')}")`);
  await page.waitForTimeout(600); // the menu fades in; clicks during the fade are ignored
  await watchEntry.click().catch(() => {});

  const status = page.locator('.statusbar-item', { hasText: 'VELO:' });
  const liveRow = pane.locator('.monaco-list-row', { hasText: '· live:' });
  check(await liveRow.first().waitFor({ timeout: 20000 }).then(() => true, () => false) && await status.count() > 0,
    `the watched scan's row shows its live status ("${await liveRow.first().innerText().catch(() => '')}") and the status bar its item`);
  // The last file arrives: the resumed watch counts it (the engine is following the folder when the row is stopped).
  lastFile();
  check(await until(page, async () => /live: \d+ files/.test(await liveRow.first().innerText().catch(() => '')), 30000),
    `the row follows the new file ("${await liveRow.first().innerText().catch(() => '')}")`);

  // Right-click: Stop Live Watch is there, starting another watch or an analysis of it is not.
  await liveRow.first().click({ button: 'right' }).catch(() => {});
  await page.locator('.monaco-menu .action-item').first().waitFor({ timeout: 10000 }).catch(() => {});
  const menu = await page.locator('.monaco-menu .action-item').allInnerTexts().catch(() => []);
  await page.keyboard.press('Escape');
  check(menu.some(t => t.includes('Stop Live Watch')) && !menu.some(t => /Watch Scan \(Live\)|Analyse This Scan/.test(t)) && menu.some(t => t.includes('Open Pixel Map')),
    `the live row's context menu: Stop Live Watch, no second watch or analysis (${menu.map(t => t.trim()).join(' | ')})`);

  await liveRow.first().hover();
  const stop = liveRow.first().locator('.action-label[aria-label="Stop Live Watch"]');
  const stopShown = await stop.waitFor({ timeout: 10000 }).then(() => true, () => false);
  const analyseShown = await liveRow.first().locator('.action-label[aria-label="Analyse This Scan"]').isVisible().catch(() => false);
  check(stopShown && !analyseShown, 'hovering the live row shows its inline "Stop Live Watch" button (and no "Analyse This Scan")');
  await shot('live-row-stop');
  const t0 = Date.now();
  await stop.click().catch(() => {});
  const ended = await until(page, async () => await status.count() === 0 && await liveRow.count() === 0, 60000);
  log(`inline stop → status bar item and live row status gone in ${Date.now() - t0} ms`);
  check(ended, 'a click on the row\'s stop button ends the watch: the status bar item and the row\'s live status go away');
  check(await until(page, () => finalTotal() === expectedTotal, 30000), `the final result counts every file (${finalTotal()} of ${expectedTotal})`);
  const back = pane.locator(`.monaco-list-row[data-index="${index + 1}"]`);
  await back.hover().catch(() => {});
  check(!(await back.locator('.action-label[aria-label="Stop Live Watch"]').isVisible().catch(() => false)) &&
    await back.locator('.action-label[aria-label="Analyse This Scan"]').isVisible().catch(() => false),
  `the row is a plain scan row again: no stop button, "Analyse This Scan" back ("${await back.innerText().catch(() => '')}")`);
}
