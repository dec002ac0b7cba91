// UI checks of campaigns: a module of twelve small ASIC scans is generated into the workspace; the VELO Scans tree
// groups it by ASIC; it is analysed from the Explorer (the notification names scan n/12 and its ASIC); the
// Explorer's "Collect Campaign…" opens the Campaign panel: twelve tiles, the table equal to campaign.csv, sorting
// by a column, colouring by another quantity, a tile opening that ASIC's pixel map. Screenshot: campaign.png.
import fs from 'fs';
import path from 'path';
import { generateModuleScans } from '../workspace.mjs';

const MODULE = 'module-scan';

/** campaign.csv as rows of cells (no quoted cells in a generated module's table). */
function readCampaignCsv(file) {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n').map(l => l.split(','));
  return lines.map(cells => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

export async function campaignChecks({ page, ws, check, shot, log, findFrame, analyseFromExplorer, valueAndError, sameWithinRounding }) {
  const data = generateModuleScans(ws, MODULE);
  // The tree follows new files: the module's scans appear grouped by ASIC (VP0-0 first; the view shows what fits).
  const groupRows = page.locator('.pane-body .monaco-list-row', { hasText: /ASIC · \d+ scans?/ });
  await groupRows.first().waitFor({ timeout: 30000 }).catch(() => {});
  const groups = (await groupRows.allInnerTexts().catch(() => [])).map(t => t.replace(/\s+/g, ' ').trim());
  check(groups.length >= 2 && groups[0].startsWith('VP0-0') && groups.some(g => /^VP0-1 ?ASIC · \d+ scans/.test(g)),
    `the VELO Scans tree groups the scans by ASIC, VP0-0 first (${groups.slice(0, 3).join(' | ')})`);
  await shot('campaign-tree');

  // Analyse the module folder; watch the notification while it runs.
  check(await analyseFromExplorer(MODULE), 'the module folder is analysed from the context menu');
  const running = page.locator('.notification-toast', { hasText: `analysing ${MODULE}` });
  const done = page.locator('.notification-toast', { hasText: `analysis of ${MODULE} finished` });
  const progressTexts = new Set(), rowStates = new Set();
  for (const end = Date.now() + 300000; Date.now() < end && !(await done.isVisible().catch(() => false)); await page.waitForTimeout(100)) {
    const t = await running.first().innerText({ timeout: 500 }).catch(() => '');
    const m = /scan \d+\/12 · VP\d-\d · [a-z ]+/.exec(t);
    if (m) progressTexts.add(m[0]);
    for (const r of await page.locator('.pane-body .monaco-list-row .label-description').allInnerTexts().catch(() => [])) {
      const s = / · ((?:flux|fitting|writing) \d+ %|written)$/.exec(r);
      if (s) rowStates.add(s[1]);
    }
  }
  check(await done.isVisible().catch(() => false), 'the module analysis finishes with a notification');
  check(progressTexts.size > 0, `the notification names the scan and its ASIC while the module analyses (${[...progressTexts].slice(0, 3).join(' | ')})`);
  log(`scan rows of the tree seen while analysing: ${[...rowStates].slice(0, 8).join(', ') || '(none caught)'}`);
  await page.keyboard.press('Escape');

  // Explorer → Collect Campaign… on the module folder: collect runs, the panel opens.
  const folderRow = page.locator('.explorer-folders-view .monaco-list-row', { hasText: MODULE }).first();
  await folderRow.click({ button: 'right' });
  const entry = page.locator('.monaco-menu .action-item', { hasText: 'Collect Campaign' });
  await entry.waitFor({ timeout: 15000 }).catch(() => {});
  check(await entry.isVisible().catch(() => false), 'the folder context menu offers "Collect Campaign…"');
  await page.waitForTimeout(600); // the menu fades in; clicks during the fade are ignored
  await entry.click().catch(() => {});
  const frame = await findFrame(page, 'body[data-ready="true"] #moduleLayout .tile', 60000);
  check(!!frame, 'the Campaign panel opens');
  if (!frame) return;
  const csvFile = path.join(data, 'campaign.csv');
  check(fs.existsSync(csvFile), 'campaign.csv is written in the chosen folder');
  const csv = fs.existsSync(csvFile) ? readCampaignCsv(csvFile) : [];

  // Twelve tiles VP0-0 … VP3-2, each with its scan.
  const tiles = await frame.locator('.tile').evaluateAll(ts => ts.map(t => ({ asic: t.dataset.asic, scan: t.dataset.scan ?? '' })));
  const expected = [0, 1, 2, 3].flatMap(i => [0, 1, 2].map(j => `VP${i}-${j}`));
  check(tiles.length === 12 && tiles.every((t, i) => t.asic === expected[i] && t.scan.includes(`_${t.asic}_`)),
    `the module layout has the 12 ASIC tiles, each with its scan (${tiles.filter(t => t.scan).length} with a scan)`);

  // The table: one row per line of campaign.csv, in its order, the numbers rounded to their errors.
  const tableRows = () => frame.locator('#scans tbody tr').evaluateAll(rs => rs.map(r => ({
    scan: r.dataset.scan, mu: r.querySelector('td[data-column="asic_mu"]').textContent, sigma: r.querySelector('td[data-column="asic_sigma"]').textContent,
  })));
  const shown = await tableRows();
  const sameRows = shown.length === csv.length && shown.every((r, i) => r.scan === csv[i].scan);
  const sameNumbers = shown.every((r, i) => {
    if (csv[i].asic_mu === '') return r.mu === '';
    const [v, e] = valueAndError(r.mu);
    return sameWithinRounding(v, e, Number(csv[i].asic_mu));
  });
  check(sameRows && sameNumbers, `the table rows equal campaign.csv (${shown.length} rows, ASIC μ as "${shown[0]?.mu}")`);

  // Sort by ASIC σ: ascending, then descending on a second click.
  const sigmas = async () => (await tableRows()).map(r => valueAndError(r.sigma)[0]).filter(Number.isFinite);
  await frame.locator('#scans th[data-column="asic_sigma"]').click();
  await frame.locator('#scans[data-sort="asic_sigma:asc"]').waitFor({ timeout: 5000 }).catch(() => {});
  const up = await sigmas();
  await frame.locator('#scans th[data-column="asic_sigma"]').click();
  await frame.locator('#scans[data-sort="asic_sigma:desc"]').waitFor({ timeout: 5000 }).catch(() => {});
  const down = await sigmas();
  const ordered = (a, sign) => a.length > 1 && a.every((v, i) => i === 0 || sign * (v - a[i - 1]) >= 0);
  check(ordered(up, 1) && ordered(down, -1) && new Set(up).size > 1, `a header click sorts the table by ASIC σ, again reverses it (${up.slice(0, 3).join(', ')} …)`);

  // Colour by another quantity: the tiles and the colour bar follow, with its unit.
  await frame.locator('#quantity').selectOption('pixel_sigma_median');
  await frame.locator('#moduleLayout[data-quantity="pixel_sigma_median"]').waitFor({ timeout: 5000 }).catch(() => {});
  const unit = await frame.locator('#tileBarTicks .unit').innerText().catch(() => '');
  const colours = await frame.locator('.tile[data-scan]').evaluateAll(ts => new Set(ts.map(t => t.style.background)).size);
  check(unit === 'DAC' && colours > 1, `tiles coloured by pixel σ median (${colours} colours, colour bar in ${unit})`);
  await frame.locator('#tableBox').evaluate(box => { box.scrollLeft = 0; }); // the header clicks scrolled it sideways
  await shot('campaign');

  // Refresh collects again through the engine: campaign.json is rewritten, the table comes back whole.
  const jsonFile = path.join(data, 'campaign.json');
  const collectedAt = () => JSON.parse(fs.readFileSync(jsonFile, 'utf8')).created;
  const before = collectedAt();
  await frame.locator('#refresh').click();
  for (let i = 0; i < 100 && collectedAt() === before; i++) await page.waitForTimeout(100);
  await frame.locator('body[data-ready="true"]').waitFor({ timeout: 15000 }).catch(() => {});
  check(collectedAt() !== before && (await frame.locator('#scans tbody tr').count()) === csv.length, `Refresh collects the campaign again (${before} → ${collectedAt()})`);

  // A tile opens that ASIC scan's pixel map.
  const target = tiles.find(t => t.asic === 'VP0-2');
  await frame.locator('.tile[data-asic="VP0-2"]').click();
  const map = await findFrame(page, `#title:has-text("${target?.scan}")`, 30000);
  const drawn = map && await map.locator('#map[data-quantity]').waitFor({ timeout: 15000 }).then(() => true, () => false);
  check(!!target?.scan && drawn, `a click on tile VP0-2 opens the pixel map of ${target?.scan}`);
  await shot('campaign-tile-map');

  // Close this section's two tabs by a middle click on each (not the active editor: a webview may hold the focus).
  for (const title of [`Pixel Map · ${target?.scan}`, `Campaign · ${MODULE}`]) {
    const tab = page.locator('.tabs-container .tab', { hasText: title }).first();
    if (!(await tab.count())) { log(`no tab "${title}" to close`); continue; }
    await tab.click({ button: 'middle' }).catch(e => log(`closing "${title}": ${e.message}`)); // a middle click closes a tab
    await tab.waitFor({ state: 'detached', timeout: 10000 }).catch(() => log(`the tab "${title}" did not close`));
  }
}
