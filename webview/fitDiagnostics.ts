// Fit diagnostics of one pixel: flux vs threshold with error bars, fitted curve, ASIC curve scaled to the pixel,
// pulls, parameter table; arrow keys step to neighbours, P pins the pixel for overlay.
import type { CurveSpec, FromDiagnosticsMessage, PixelCurve, ToDiagnosticsMessage } from '../src/protocol';
import { amplitudeOnlyFit } from '../src/engine/poissonFit';
import { chi2Survival } from '../src/engine/statistics';
import { applyTheme, Chart, curvePoints, errorBarPlugin, evaluateCurve, PALETTE } from './charts';
import { $, connect, fmt, setText, tableRows } from './vscodeApi';

let rows = 0, cols = 0, asic: CurveSpec | null = null, current: PixelCurve | undefined;
const pinned: PixelCurve[] = [];
applyTheme();

const post = connect<FromDiagnosticsMessage, ToDiagnosticsMessage>(m => {
  if (m.type === 'init') { rows = m.rows; cols = m.cols; asic = m.asic; setText($('title'), m.title); return; }
  if (m.pin) { if (!pinned.some(p => p.row === m.curve.row && p.col === m.curve.col)) pinned.push(m.curve); } else current = m.curve;
  render();
});

const curveChart = new Chart($<HTMLCanvasElement>('curve'), {
  type: 'scatter', data: { datasets: [] }, plugins: [errorBarPlugin],
  options: { responsive: true, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'threshold (DAC)' } },
    y: { title: { display: true, text: 'flux (Hz)' } } }, plugins: { legend: { position: 'top' } } },
});
const pullChart = new Chart($<HTMLCanvasElement>('pulls'), {
  type: 'bar', data: { labels: [], datasets: [] },
  options: { responsive: true, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'threshold (DAC)' } },
    y: { title: { display: true, text: 'pull (n − ν)/√ν' } } }, plugins: { legend: { display: false } } },
});

function points(c: PixelCurve) {
  const idx = c.thresholds.map((_, j) => j).filter(j => c.exposure[j] > 0);
  return {
    data: idx.map(j => ({ x: c.thresholds[j], y: c.counts[j] / c.exposure[j] })),
    errors: idx.map(j => Math.sqrt(c.counts[j]) / c.exposure[j]),
  };
}

/** The ASIC shape scaled to the pixel by the amplitude-only maximum-likelihood fit: k = Σn / Σ(T·F_ASIC). */
function asicScale(c: PixelCurve): number {
  if (!asic) return NaN;
  const shape = c.thresholds.map(t => evaluateCurve(asic!, t));
  return amplitudeOnlyFit(c.counts, c.exposure, shape, c.thresholds.length).scale;
}

function render(): void {
  if (!current) return;
  const c = current, t0 = c.thresholds[0], t1 = c.thresholds[c.thresholds.length - 1];
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
  curveChart.update();

  const pulls = c.thresholds.map((t, j) => {
    if (!c.fit || !(c.exposure[j] > 0)) return NaN;
    const nu = c.exposure[j] * evaluateCurve(c.fit.curve, t);
    return nu > 0 ? (c.counts[j] - nu) / Math.sqrt(nu) : NaN;
  });
  pullChart.data.labels = c.thresholds.map(String) as never;
  pullChart.data.datasets = [{ data: pulls, backgroundColor: pulls.map(p => (Math.abs(p) > 3 ? PALETTE[3] : PALETTE[0])) }];
  pullChart.update();

  const names = ['mu', 'sigma', 'amplitude', 'slope', 'background'];
  const rowsOut: Array<[string, string]> = [['status', c.status]];
  if (c.fit) {
    names.forEach((n, i) => rowsOut.push([n, `${fmt(c.fit!.curve.params[i])} ± ${fmt(c.fit!.errors[i])}`]));
    const p = c.fit.chi2 !== null && c.fit.ndf !== null ? chi2Survival(c.fit.chi2, c.fit.ndf) : NaN;
    rowsOut.push(['deviance / ndf', `${fmt(c.fit.chi2)} / ${c.fit.ndf ?? 'n/a'}`], ['p-value', fmt(p)]);
  }
  if (Number.isFinite(k)) rowsOut.push(['ASIC-shape scale k', fmt(k)]);
  rowsOut.push(['total counts', String(c.counts.reduce((s, v) => s + v, 0))]);
  tableRows($<HTMLTableElement>('params'), rowsOut, `${label(c)}${pinned.length ? ` · ${pinned.length} pinned` : ''}`);
  document.body.dataset.pixel = `${c.row},${c.col}`;
}

function pin(): void { if (current) post({ type: 'requestPixel', row: current.row, col: current.col, pin: true }); }
function clearPins(): void { pinned.length = 0; render(); }
$('pin').addEventListener('click', pin);
$('clearPins').addEventListener('click', clearPins);
document.addEventListener('keydown', ev => {
  if (!current) return;
  const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const d = moves[ev.key];
  if (d) {
    ev.preventDefault();
    const row = Math.max(0, Math.min(rows - 1, current.row + d[0])), col = Math.max(0, Math.min(cols - 1, current.col + d[1]));
    post({ type: 'requestPixel', row, col, pin: false });
  } else if (ev.key === 'p' || ev.key === 'P') pin();
  else if (ev.key === 'c' || ev.key === 'C') clearPins();
});
