// Fit diagnostics of one pixel: flux vs threshold with error bars, fitted curve, ASIC curve scaled to the pixel,
// pulls, parameter table (value ± error rounded to the error; target and gain K with a baseline); arrow keys step
// to neighbours (every press counts, from the pixel last asked for), P pins the pixel for overlay. Follows the maps: the host pushes the pixel to show.
import { formatNumber, formatWithError } from '../src/contract/format';
import { GAIN_QUANTITIES, PARAMETER_NAMES, PARAMETER_UNITS, QUANTITY_INFO } from '../src/contract/quantities';
import type { DiagnosticsApi, DiagnosticsInit, DiagnosticsPush, DiagnosticsState, PixelCurve } from '../src/protocol';
import { amplitudeOnlyFit } from '../src/engine/fit/deviance';
import { chi2Survival } from '../src/engine/statistics';
import { curvePoints, errorBarPlugin, evaluateCurve, PALETTE, themedChart } from './charts';
import { $, connect, setText, tableRows } from './vscodeApi';

let init: DiagnosticsInit | undefined, current: PixelCurve | undefined;
/** The pixel last asked for (arrow keys step from here, not from the last one drawn). */
let target: [number, number] | undefined;
const pinned: PixelCurve[] = [];

const channel = connect<DiagnosticsApi, DiagnosticsPush, DiagnosticsState>(push => {
  if (push.type === 'show') show(push.init);
  if (push.type === 'refresh') void refresh(push.init);
});

const curveChart = themedChart($<HTMLCanvasElement>('curve'), {
  type: 'scatter', data: { datasets: [] }, plugins: [errorBarPlugin],
  options: { responsive: true, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'threshold (DAC)' } },
    y: { title: { display: true, text: 'flux (Hz)' } } }, plugins: { legend: { position: 'top' } } },
});
const pullChart = themedChart($<HTMLCanvasElement>('pulls'), {
  type: 'bar', data: { labels: [], datasets: [] },
  options: { responsive: true, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'threshold (DAC)' } },
    y: { title: { display: true, text: 'pull (n − ν)/√ν' } } }, plugins: { legend: { display: false } } },
});

function show(next: DiagnosticsInit): void {
  if (init && init.outputDir !== next.outputDir) pinned.length = 0;
  init = next;
  setText($('title'), next.title);
  target = [next.curve.row, next.curve.col];
  current = next.curve;
  channel.saveState({ outputDir: next.outputDir, row: next.curve.row, col: next.curve.col });
  render();
}

/**
 * A live watch published the scan anew: the pixel asked for last and the pinned ones are taken from the new run and
 * redrawn in place (no animation, the pins kept).
 */
async function refresh(next: DiagnosticsInit): Promise<void> {
  if (init && init.outputDir !== next.outputDir) return; // another scan is shown now
  init = next;
  const [row, col] = target ?? [next.curve.row, next.curve.col];
  const curve = row === next.curve.row && col === next.curve.col ? next.curve : await channel.request('pixel', { row, col, pin: false });
  const pins = await Promise.all(pinned.map(p => channel.request('pixel', { row: p.row, col: p.col, pin: true })));
  if (target && (target[0] !== curve.row || target[1] !== curve.col)) return; // a later press is on its way
  pinned.splice(0, pinned.length, ...pins);
  current = curve;
  render('none');
}

function points(c: PixelCurve) {
  const idx = c.thresholds.map((_, j) => j).filter(j => c.exposure[j] > 0);
  return {
    data: idx.map(j => ({ x: c.thresholds[j], y: c.counts[j] / c.exposure[j] })),
    errors: idx.map(j => Math.sqrt(c.counts[j]) / c.exposure[j]),
  };
}

/** The ASIC shape scaled to the pixel by the amplitude-only maximum-likelihood fit: k = Σn / Σ(T·F_ASIC). */
function asicScale(c: PixelCurve): number {
  const asic = init?.asic;
  if (!asic) return NaN;
  const shape = c.thresholds.map(t => evaluateCurve(asic, t));
  return amplitudeOnlyFit(c.counts, c.exposure, shape, c.thresholds.length).scale;
}

function render(mode?: 'none'): void {
  if (!current || !init) return;
  const c = current, asic = init.asic, t0 = c.thresholds[0], t1 = c.thresholds[c.thresholds.length - 1];
  const label = (p: PixelCurve) => `pixel (${p.row}, ${p.col})`;
  const own = points(c);
  const datasets: object[] = [{ label: `${label(c)} flux`, data: own.data, errors: own.errors, borderColor: PALETTE[0], backgroundColor: PALETTE[0], pointRadius: 2.5 }];
  if (c.fit) datasets.push({ type: 'line', label: `${label(c)} fit`, data: curvePoints(c.fit.curve, t0, t1), borderColor: PALETTE[0], pointRadius: 0, borderWidth: 1.5 });
  const k = asicScale(c);
  if (asic && Number.isFinite(k)) {
    datasets.push({ type: 'line', label: 'ASIC curve scaled to pixel', data: curvePoints(asic, t0, t1, k), borderColor: PALETTE[1], borderDash: [5, 4], pointRadius: 0, borderWidth: 1.5 });
  }
  pinned.filter(p => p.row !== c.row || p.col !== c.col).forEach((p, i) => {
    const color = PALETTE[(i + 2) % PALETTE.length], pts = points(p);
    datasets.push({ label: `${label(p)} (pinned)`, data: pts.data, errors: pts.errors, borderColor: color, backgroundColor: color, pointRadius: 2 });
    if (p.fit) datasets.push({ type: 'line', label: `${label(p)} fit`, data: curvePoints(p.fit.curve, t0, t1), borderColor: color, pointRadius: 0, borderWidth: 1 });
  });
  curveChart.data.datasets = datasets as never;
  curveChart.update(mode);

  const pulls = c.thresholds.map((t, j) => {
    if (!c.fit || !(c.exposure[j] > 0)) return NaN;
    const nu = c.exposure[j] * evaluateCurve(c.fit.curve, t);
    return nu > 0 ? (c.counts[j] - nu) / Math.sqrt(nu) : NaN;
  });
  pullChart.data.labels = c.thresholds.map(String) as never;
  pullChart.data.datasets = [{ data: pulls, backgroundColor: pulls.map(p => (Math.abs(p) > 3 ? PALETTE[3] : PALETTE[0])) }];
  pullChart.update(mode);

  const rowsOut: Array<[string, string]> = [['status', c.status]];
  if (c.flags?.length) rowsOut.push(['flags', c.flags.join(', ')]);
  if (c.fit) {
    const fit = c.fit;
    PARAMETER_NAMES.forEach((n, i) => rowsOut.push([n, formatWithError(fit.curve.params[i], fit.errors[i], PARAMETER_UNITS[n])]));
    const p = fit.chi2 !== null && fit.ndf !== null ? chi2Survival(fit.chi2, fit.ndf) : NaN;
    rowsOut.push(['deviance / ndf', `${formatNumber(fit.chi2)} / ${fit.ndf ?? 'n/a'}`], ['p-value', formatNumber(p, 3)]);
  }
  const gain = c.gain;
  if (gain) for (const q of GAIN_QUANTITIES) rowsOut.push([QUANTITY_INFO[q].label, formatWithError(gain[q], gain[`${q}_err`], QUANTITY_INFO[q].unit)]);
  if (Number.isFinite(k)) rowsOut.push(['ASIC-shape scale k', formatNumber(k)]);
  rowsOut.push(['total counts', String(c.counts.reduce((s, v) => s + v, 0))]);
  tableRows($<HTMLTableElement>('params'), rowsOut, `${label(c)}${pinned.length ? ` · ${pinned.length} pinned` : ''}`);
  document.body.dataset.pixel = `${c.row},${c.col}`;
}

async function showPixel(row: number, col: number): Promise<void> {
  target = [row, col];
  channel.saveState({ row, col });
  const curve = await channel.request('pixel', { row, col, pin: false });
  if (target[0] !== curve.row || target[1] !== curve.col) return; // a later press is on its way
  current = curve;
  render();
}

async function pin(): Promise<void> {
  if (!current) return;
  const curve = await channel.request('pixel', { row: current.row, col: current.col, pin: true });
  if (!pinned.some(p => p.row === curve.row && p.col === curve.col)) pinned.push(curve);
  render();
}
function clearPins(): void { pinned.length = 0; render(); }
$('pin').addEventListener('click', () => void pin());
$('clearPins').addEventListener('click', clearPins);
$('openInMap').addEventListener('click', () => { if (current) void channel.request('openInMap', { row: current.row, col: current.col }); });
const MOVES: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
document.addEventListener('keydown', ev => {
  if (!target || !init) return;
  const d = MOVES[ev.key];
  if (d) {
    ev.preventDefault();
    void showPixel(Math.max(0, Math.min(init.rows - 1, target[0] + d[0])), Math.max(0, Math.min(init.cols - 1, target[1] + d[1])));
  } else if (ev.key === 'p' || ev.key === 'P') void pin();
  else if (ev.key === 'c' || ev.key === 'C') clearPins();
});

void channel.request('ready', channel.state).then(show);
