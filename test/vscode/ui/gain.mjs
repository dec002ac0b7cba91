// Browser UI checks of the gain calibration (called from uiSuite in ../ui.mjs): the workspace's scan-with-baseline (generated
// with its noise baseline) analysed from the Explorer; its pixel map switched to gain K shows map_gain.csv's values
// with their errors and unit, the colour bar's unit and the median ± robust spread of summary.json; a clicked pixel's
// diagnostics table shows its K; the ASIC overview shows the ASIC K of summary.json. Screenshots 9-*.png.
import fs from 'fs';
import path from 'path';

export async function gainChecks({ page, ws, check, shot, log, analyseFromExplorer, finished, findFrame, palette, pickScan,
  valueAndError, sameWithinRounding, readMatrix }) {
  const out = path.join(ws, 'scan-with-baseline', 'velo-calib');
  check(await analyseFromExplorer('scan-with-baseline'), 'the scan-with-baseline folder (with its noise baseline) is analysed from the context menu');
  const toast = finished('scan-with-baseline');
  await toast.waitFor({ timeout: 120000 }).catch(() => {});
  check(await toast.isVisible(), 'the analysis of the scan with a baseline finishes');
  if (!fs.existsSync(path.join(out, 'summary.json'))) return check(false, 'scan-with-baseline results written');
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  const { rows, cols } = summary.shape;
  const closeEnough = (shown, truth) => Math.abs(shown - truth) <= 0.06 * Math.abs(truth); // an error shown with 2 digits

  await toast.locator('.monaco-button', { hasText: 'Open Pixel Map' }).first().click().catch(() => {});
  const frame = await findFrame(page, '#title:has-text("scan-with-baseline")', 30000);
  check(!!frame, 'the pixel map of the scan with a baseline opens');
  if (!frame) return undefined;
  await frame.locator('#map[data-quantity]').waitFor({ timeout: 15000 }).catch(() => {});
  const options = await frame.locator('#quantity option').allInnerTexts();
  check(options.includes('target (DAC)') && options.includes('gain K (e⁻/DAC)'), `the quantity list has target and gain with units (${options.join(', ')})`);
  const t0 = Date.now();
  await frame.locator('#quantity').selectOption('gain');
  await frame.locator('#map[data-quantity="gain"]').waitFor({ timeout: 10000 }).catch(() => {});
  log(`quantity switch → gain: ${Date.now() - t0} ms as Playwright sees it`);

  // A pixel with a K, from pixel_fits.csv (an ok pixel near the middle).
  const lines = fs.readFileSync(path.join(out, 'pixel_fits.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(','), gainColumn = header.indexOf('gain');
  const cells = lines.slice(1).map(l => l.split(',')).filter(c => c[2] === 'ok' && c[gainColumn] !== 'nan');
  const [r, c] = cells[Math.floor(cells.length / 2)].slice(0, 2).map(Number);
  const gain = readMatrix(path.join(out, 'map_gain.csv')), gainErr = readMatrix(path.join(out, 'map_gain_err.csv'));
  const map = frame.locator('#map');
  const box = await map.boundingBox();
  const at = { x: (c + 0.5) * box.width / cols, y: (r + 0.5) * box.height / rows };
  await map.hover({ position: at });
  const readout = await frame.locator('#readout').innerText();
  const [shown, err] = valueAndError(readout.split('=')[1]);
  check(readout.startsWith(`row ${r}, col ${c}: gain K = `) && readout.includes(' e⁻/DAC') && sameWithinRounding(shown, err, gain[r][c]) &&
    closeEnough(err, gainErr[r][c]), `hover shows K ± error of pixel (${r}, ${c}) in e⁻/DAC: "${readout}" vs ${gain[r][c]} ± ${gainErr[r][c]}`);
  const ticks = await frame.locator('#barTicks').innerText();
  check(ticks.includes('gain K (e⁻/DAC)'), `the colour bar carries the unit (${ticks.replace(/\n/g, ' ')})`);
  const spread = await frame.locator('#spread').innerText().catch(() => '');
  const [median, robust] = valueAndError(spread.split('=')[1]);
  const p = summary.gain.pixels;
  check(sameWithinRounding(median, robust, p.gain_median) && closeEnough(robust, p.gain_spread) && spread.includes(`over ${p.count} ok pixels`),
    `under the histogram: median ± robust spread as summary.json (${spread} vs ${p.gain_median} ± ${p.gain_spread}, ${p.count} pixels)`);
  const asic = await frame.locator('#asic').innerText();
  const [asicK, asicErr] = valueAndError(asic.split('=')[1]);
  check(asic.startsWith('ASIC K') && sameWithinRounding(asicK, asicErr, summary.gain.asic.gain), `the map states the ASIC K ("${asic}")`);
  await shot('9-gain-map');

  await map.click({ position: at });
  const diag = await findFrame(page, `body[data-pixel="${r},${c}"] #params`, 20000);
  const fitK = Number(cells[Math.floor(cells.length / 2)][gainColumn]);
  if (diag) {
    const params = await diag.locator('#params').innerText();
    const [k, kErr] = valueAndError(/gain K\s+(.*)/.exec(params)?.[1]);
    check(sameWithinRounding(k, kErr, fitK) && /gain K\s+.* e⁻\/DAC/.test(params) && /target\s+.* DAC/.test(params),
      `the fit diagnostics table shows the pixel's target and K (${k} ± ${kErr} vs ${fitK})`);
    await shot('9b-gain-diagnostics');
  } else check(false, 'a click on the gain map opens the fit diagnostics');

  await palette('VELO: Open ASIC Overview');
  await pickScan('scan-with-baseline');
  const overview = await findFrame(page, 'body[data-ready="true"] #gainNumbers tr', 20000);
  if (overview) {
    const row = await overview.locator('#gainNumbers tr', { hasText: 'ASIC K (baseline-aligned curve)' }).innerText();
    const [k, kErr] = valueAndError(row.split('\t').pop());
    check(sameWithinRounding(k, kErr, summary.gain.asic.gain) && closeEnough(kErr, summary.gain.asic.gain_error) && row.includes('e⁻/DAC'),
      `the ASIC overview shows the ASIC K of summary.json ("${row.replace(/\s+/g, ' ')}" vs ${summary.gain.asic.gain} ± ${summary.gain.asic.gain_error})`);
    const scale = await overview.locator('#gainNumbers tr', { hasText: 'n_eh' }).innerText();
    check(/common to every K/.test(scale), `the n_eh scale uncertainty is stated once ("${scale.replace(/\s+/g, ' ')}")`);
    await overview.locator('#gain').scrollIntoViewIfNeeded().catch(() => {}); // the gain table in the screenshot
    await shot('9c-gain-overview');
  } else check(false, 'the ASIC overview of the scan with a baseline shows its gain numbers');
  return undefined;
}
