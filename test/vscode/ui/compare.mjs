// UI checks of "Compare With…" and the Compare panel: two scans generated with a known threshold shift are analysed
// from the Explorer, compared from the VELO Scans tree (context menu, then the pick of the other analysed scans),
// and the panel is checked against compare.json and the Δ maps the engine wrote. Called from ui.mjs.
/* global document -- functions passed to frame.evaluate run in the webview */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

export const COMPARE_SHIFT = 6;
const SIZE = 16;

function readMatrix(file) {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map(l => l.split(',').map(v => (v === 'nan' ? NaN : Number(v))));
}

/** The comparison written last under the two data folders (A is whichever scan the tree offered first). */
function latestComparison(ws) {
  const found = ['compare-warm', 'compare-cold'].flatMap(f => {
    const dir = path.join(ws, f, 'velo-calib-compare');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter(n => !n.startsWith('.')).map(n => path.join(dir, n)) : [];
  }).filter(d => fs.existsSync(path.join(d, 'compare.json')));
  return found.sort((x, y) => fs.statSync(path.join(y, 'compare.json')).mtimeMs - fs.statSync(path.join(x, 'compare.json')).mtimeMs)[0];
}

export async function compareUi({ page, ws, root, check, shot, log, findFrame, analyseFromExplorer, finished, treeRow, pickScan,
  valueAndError, sameWithinRounding }) {
  const generate = (dir, ...extra) => spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'generate', path.join(ws, dir), '--thresholds', '1320:1600:10',
    '--nacq', '20', '--seed', '12', '--size', String(SIZE), '--shutter-ms', '1250', '--no-variants', ...extra], { encoding: 'utf8' });
  const made = [generate('compare-warm'), generate('compare-cold', '--noise-seed', '77', '--threshold-shift', String(COMPARE_SHIFT))];
  check(made.every(r => r.status === 0), `two scans generated with a threshold shift of ${COMPARE_SHIFT} DAC ${made.map(r => r.stderr).join(' ')}`);
  for (const folder of ['compare-warm', 'compare-cold']) {
    await analyseFromExplorer(folder);
    await finished(folder).waitFor({ timeout: 90000 }).catch(() => {});
  }
  check(['compare-warm', 'compare-cold'].every(f => fs.existsSync(path.join(ws, f, 'velo-calib', 'summary.json'))), 'both compare scans are analysed');

  // The VELO Scans tree: right-click a scan → Compare With… → the pick of the other analysed scans.
  const scanRow = treeRow('1s250ms ·').first(); // the shutter time opens the row's description
  const openCompare = async () => {
    await scanRow.waitFor({ timeout: 30000 });
    await scanRow.click({ button: 'right' });
    const entry = page.locator('.monaco-menu .action-item', { hasText: 'Compare With…' });
    const offered = await entry.waitFor({ timeout: 15000 }).then(() => true, () => false);
    await page.waitForTimeout(600); // the menu fades in; clicks during the fade are ignored
    await entry.click().catch(() => {});
    return offered;
  };
  check(await openCompare(), 'a scan\'s context menu in the VELO Scans tree offers "Compare With…"');
  const { rows, heading } = await pickScan('compare-', openCompare);
  check(rows.length >= 2 && rows.filter(r => r.includes('compare-')).length === 1 && /Compare .* with/.test(heading),
    `"Compare With…" asks for the other scan among the other analysed ones: "${heading}" (${rows.length} scans, one of the compare pair)`);
  const frame = await findFrame(page, 'body[data-compare="ready"] #deltaMap[data-quantity="mu"]', 60000);
  check(!!frame, 'the Compare panel opens on the Δμ map');
  const out = latestComparison(ws);
  check(!!out, `compare.json written beside A's results (${out})`);
  if (!frame || !out) return;
  const c = JSON.parse(fs.readFileSync(path.join(out, 'compare.json'), 'utf8'));
  const mu = c.delta.mu;
  check(Math.abs(Math.abs(mu.mean) - COMPARE_SHIFT) < 4 * mu.error, `compare.json recovers the shift: Δμ = ${mu.mean} ± ${mu.error} (generated ${COMPARE_SHIFT})`);

  // The numbers: the mean Δμ shown equals compare.json within rounding.
  const numbers = await frame.locator('#numbers').innerText();
  const [shown, err] = valueAndError(/mean Δμ\s+(.*)/.exec(numbers)?.[1]);
  check(sameWithinRounding(shown, err, mu.mean) && Math.abs(err - mu.error) <= 0.1 * mu.error + 1e-9,
    `the panel shows mean Δμ = ${shown} ± ${err}, compare.json ${mu.mean} ± ${mu.error}`);
  const conclusions = await frame.locator('#compareConclusions li').allInnerTexts();
  check(conclusions.length === c.conclusions.length && conclusions[1] === c.conclusions[1], `the conclusions of compare.json are shown (${conclusions.length})`);

  // Δσ (no change made): colours are centred on 0 — the pixel with the smallest |Δσ| is the neutral colour,
  // the largest positive Δσ red, the most negative blue.
  await frame.locator('#quantity').selectOption('sigma');
  await frame.locator('#deltaMap[data-quantity="sigma"]').waitFor({ timeout: 10000 });
  const dSigma = readMatrix(path.join(out, 'map_delta_sigma.csv')).flat();
  const finite = dSigma.map((v, p) => [v, p]).filter(([v]) => Number.isFinite(v));
  const nearest = finite.reduce((b, e) => (Math.abs(e[0]) < Math.abs(b[0]) ? e : b));
  const highest = finite.reduce((b, e) => (e[0] > b[0] ? e : b)), lowest = finite.reduce((b, e) => (e[0] < b[0] ? e : b));
  const colours = await frame.evaluate(ps => {
    const ctx = document.querySelector('#deltaMap').getContext('2d');
    return ps.map(([r, col]) => Array.from(ctx.getImageData(col, r, 1, 1).data.slice(0, 3)));
  }, [nearest, highest, lowest].map(([, p]) => [Math.floor(p / SIZE), p % SIZE]));
  const [neutral, red, blue] = colours;
  check(neutral.every(v => Math.abs(v - 242) <= 10) && red[0] > red[2] + 60 && blue[2] > blue[0] + 60,
    `the Δ map uses a diverging colormap centred on 0: Δσ ${nearest[0].toFixed(3)} → rgb(${neutral}), ` +
    `${highest[0].toFixed(2)} → rgb(${red}), ${lowest[0].toFixed(2)} → rgb(${blue})`);
  const map = frame.locator('#deltaMap');
  const box = await map.boundingBox();
  // Hover the largest Δσ whose errors are both known (σ may be only an upper limit in some pixels).
  const [errA, errB] = [c.a.dir, c.b.dir].map(d => readMatrix(path.join(d, 'map_sigma_err.csv')).flat());
  const target = finite.filter(([, p]) => Number.isFinite(errA[p]) && Number.isFinite(errB[p])).reduce((b, e) => (e[0] > b[0] ? e : b));
  const [row, col] = [Math.floor(target[1] / SIZE), target[1] % SIZE];
  await map.hover({ position: { x: (col + 0.5) * box.width / SIZE, y: (row + 0.5) * box.height / SIZE } });
  const readout = await frame.locator('#readout').innerText();
  const [dShown, dErr] = valueAndError(readout.split('=')[1]);
  check(readout.startsWith(`row ${row}, col ${col}: Δσ = `) && /DAC \(A .*, B .*\)/.test(readout) && sameWithinRounding(dShown, dErr, target[0]),
    `hover reads out Δσ ± error with A and B: "${readout}" vs ${target[0]}`);

  // The density scatter (one cell per A, B bin) and the overlaid histograms are drawn.
  const points = Number(await frame.locator('#scatter').getAttribute('data-points'));
  const sigma = c.delta.sigma;
  const cells = await frame.evaluate(() => {
    const s = document.querySelector('#scatter'), d = s.getContext('2d').getImageData(0, 0, s.width, s.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] === 255) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    return seen.size;
  });
  check(points >= 0.95 * sigma.n && points <= sigma.n && cells >= 3,
    `the density scatter of B against A bins ${points} of ${sigma.n} pixels (${cells} colours drawn)`);
  check(await frame.locator('#histogram[data-series="2"]').count() === 1, 'the histograms of A and B are overlaid');
  await shot('compare');
  log(`compare panel: ${out}`);
}
