// Compare front end: the Δ = B − A map (or its significance) on a colormap centred on 0, hover readout with both
// scans' values; B against A as a density plot (a 2-D histogram drawn as one ImageData, log colour, y = x line:
// 65k pixels cost one pass); overlaid histograms of A and B (chart.js); the numbers and conclusions of compare.json.
import { COMPARED_QUANTITIES, ComparedQuantity } from '../src/contract/compareFiles';
import { formatNumber, formatWithError } from '../src/contract/format';
import { percentile } from '../src/contract/quantities';
import type { CompareApi, CompareInit, CompareMapData, CompareState } from '../src/protocol';
import { PALETTE, themedChart } from './charts';
import { colormapTable } from './colormaps';
import { drawAxes, drawColorbar, paintMatrix, pixelAt, symmetricRange } from './heatmap';
import { histogram } from './mapScale';
import { $, connect, onThemeChange, setText, tableRows, themeColor } from './vscodeApi';

const canvas = $<HTMLCanvasElement>('deltaMap'), scatter = $<HTMLCanvasElement>('scatter');
const quantitySelect = $<HTMLSelectElement>('quantity'), showSelect = $<HTMLSelectElement>('show');
const readout = $('readout');
const HIST_BINS = 50;
/** Bins per axis of the density plot. */
const DENSITY_BINS = 100;
const BALANCE = colormapTable('balance'), VIRIDIS = colormapTable('viridis');

const channel = connect<CompareApi, never, CompareState>(() => {});
let init: CompareInit | undefined;
let current: CompareMapData | undefined;
/** The pixel under the mouse: its readout follows a change of quantity or view. */
let hovered: [number, number] | undefined;

const info = (q: ComparedQuantity) => COMPARED_QUANTITIES.find(c => c.name === q)!;

const histChart = themedChart($<HTMLCanvasElement>('histogram'), {
  type: 'line', data: { datasets: [] },
  options: { responsive: true, maintainAspectRatio: false, animation: false, parsing: false,
    scales: { x: { type: 'linear', title: { display: true, text: '' } }, y: { type: 'linear', beginAtZero: true, title: { display: true, text: 'pixels' } } },
    plugins: { legend: { display: true, position: 'top' }, tooltip: { enabled: true } } },
});

async function start(): Promise<void> {
  init = await channel.request('ready', channel.state);
  setText($('title'), `B: ${init.b.label} (${init.b.scan}) against A: ${init.a.label} (${init.a.scan})`);
  quantitySelect.replaceChildren(...init.quantities.map(q => new Option(`Δ${info(q).symbol} (${info(q).unit})`, q)));
  showSelect.value = channel.state.show ?? 'delta';
  $('compareConclusions').replaceChildren(...init.conclusions.map(c => { const li = document.createElement('li'); setText(li, c); return li; }));
  layout();
  await showQuantity(init.quantity);
  document.body.dataset.compare = 'ready';
}

async function showQuantity(quantity: ComparedQuantity): Promise<void> {
  current = await channel.request('map', { quantity });
  quantitySelect.value = quantity;
  channel.saveState({ quantity });
  draw();
}

/** The values of pixels compared (ok in both, finite Δ) of one array, sorted. */
function comparedSorted(values: Float64Array, m: CompareMapData): Float64Array {
  return values.filter((v, p) => Number.isFinite(m.delta[p]) && Number.isFinite(v)).sort();
}

function draw(): void {
  if (!init || !current) return;
  const m = current, q = info(m.quantity), significance = showSelect.value === 'significance';
  const values = significance ? m.significance : m.delta;
  const [lo, hi] = symmetricRange(values.filter(Number.isFinite).sort());
  canvas.width = init.cols; canvas.height = init.rows;
  canvas.getContext('2d')!.putImageData(paintMatrix(values, init.rows, init.cols, BALANCE, lo, hi, false), 0, 0);
  canvas.dataset.quantity = m.quantity;
  canvas.dataset.show = showSelect.value;
  canvas.dataset.range = `${lo},${hi}`;
  drawColorbar($<HTMLCanvasElement>('bar'), $('barTicks'), BALANCE, lo, hi, false, significance ? `Δ${q.symbol} / σ_Δ` : `Δ${q.symbol} (${q.unit})`);
  showNumbers();
  setText(readout, hovered ? describePixel(hovered[0], hovered[1]) : 'hover a pixel');
  const a = comparedSorted(m.a, m), b = comparedSorted(m.b, m);
  drawDensity(m, a, b);
  drawHistograms(a, b);
}

function showNumbers(): void {
  const d = init!.deltas[current!.quantity], q = info(current!.quantity);
  if (!d) { tableRows($<HTMLTableElement>('numbers'), []); return; }
  tableRows($<HTMLTableElement>('numbers'), [
    ['pixels ok in both', String(d.n)],
    [`mean Δ${q.symbol}`, formatWithError(d.mean, d.error, q.unit)],
    ['without changed pixels', formatWithError(d.mean_unchanged, d.error_unchanged, q.unit)],
    [`median Δ${q.symbol}`, `${formatNumber(d.median)} ${q.unit}`],
    ['robust spread', `${formatNumber(d.spread, 3)} ${q.unit}`],
    ['changed beyond 5σ', String(d.changed)],
    ['slope B vs A', formatWithError(d.slope, d.slope_error)],
    ['correlation r', formatNumber(d.r, 3)],
  ], `Δ${q.symbol} = B − A`);
}

/** Common axis range of A and B (0.5–99.5 % quantiles of both), so that y = x is the diagonal. */
function commonRange(a: Float64Array, b: Float64Array): [number, number] {
  const lo = Math.min(percentile(a, 0.005), percentile(b, 0.005)), hi = Math.max(percentile(a, 0.995), percentile(b, 0.995));
  return Number.isFinite(lo) && hi > lo ? [lo, hi] : [lo - 1, lo + 1];
}

/** B against A as a 2-D histogram (log colour) with the y = x line and round ticks. */
function drawDensity(m: CompareMapData, a: Float64Array, b: Float64Array): void {
  const [lo, hi] = commonRange(a, b), n = DENSITY_BINS, counts = new Uint32Array(n * n);
  const bin = (v: number) => Math.floor(((v - lo) / (hi - lo)) * n);
  let points = 0, max = 0;
  for (let p = 0; p < m.delta.length; p++) {
    if (!Number.isFinite(m.delta[p])) continue;
    const i = bin(m.a[p]), j = bin(m.b[p]);
    if (i < 0 || i >= n || j < 0 || j >= n) continue;
    const k = (n - 1 - j) * n + i; // B upwards
    max = Math.max(max, ++counts[k]);
    points++;
  }
  const image = new ImageData(n, n);
  for (let k = 0; k < n * n; k++) {
    if (!counts[k]) continue;
    const c = Math.round((Math.log1p(counts[k]) / Math.log1p(max)) * 255) * 3;
    image.data.set([VIRIDIS[c], VIRIDIS[c + 1], VIRIDIS[c + 2], 255], k * 4);
  }
  const cells = document.createElement('canvas');
  cells.width = cells.height = n;
  cells.getContext('2d')!.putImageData(image, 0, 0);
  const size = scatter.clientWidth || 240, margin = 34, plot = size - margin - 8;
  scatter.width = scatter.height = size;
  const ctx = scatter.getContext('2d')!, text = themeColor('--vscode-editor-foreground', '#ccc');
  ctx.clearRect(0, 0, size, size);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(cells, margin, 6, plot, plot);
  ctx.strokeStyle = themeColor('--vscode-panel-border', '#888');
  ctx.strokeRect(margin, 6, plot, plot);
  ctx.strokeStyle = PALETTE[3]; ctx.setLineDash([4, 3]);
  ctx.beginPath(); ctx.moveTo(margin, 6 + plot); ctx.lineTo(margin + plot, 6); ctx.stroke(); // y = x
  ctx.setLineDash([]);
  ctx.fillStyle = text; ctx.font = `10px ${themeColor('--vscode-font-family', 'sans-serif')}`;
  for (const f of [0, 0.5, 1]) {
    const v = formatNumber(lo + f * (hi - lo), 4);
    ctx.textAlign = f === 0 ? 'left' : f === 1 ? 'right' : 'center';
    ctx.fillText(v, margin + f * plot, 6 + plot + 12);
    ctx.save(); ctx.translate(margin - 4, 6 + (1 - f) * plot); ctx.rotate(-Math.PI / 2); ctx.fillText(v, 0, 0); ctx.restore();
  }
  const q = info(m.quantity);
  scatter.dataset.points = String(points);
  scatter.dataset.quantity = m.quantity;
  setText($('scatterX'), `→ A ${init!.a.label}: ${q.symbol} (${q.unit}) · ↑ B ${init!.b.label} · dashed: B = A · colour: log(pixels per cell)`);
}

function drawHistograms(a: Float64Array, b: Float64Array): void {
  const [lo, hi] = commonRange(a, b), q = info(current!.quantity);
  const series = (sorted: Float64Array) => {
    const h = histogram(sorted, lo, hi, HIST_BINS, false);
    return h.counts.map((y, k) => ({ x: (h.edges[k] + h.edges[k + 1]) / 2, y }));
  };
  histChart.data.datasets = [
    { label: `A ${init!.a.label}`, data: series(a), borderColor: PALETTE[0], backgroundColor: PALETTE[0], stepped: 'middle', pointRadius: 0, borderWidth: 1.5 },
    { label: `B ${init!.b.label}`, data: series(b), borderColor: PALETTE[1], backgroundColor: PALETTE[1], stepped: 'middle', pointRadius: 0, borderWidth: 1.5 },
  ];
  (histChart.options.scales!.x as { title: { text: string } }).title.text = `${q.symbol} (${q.unit}), pixels ok in both`;
  histChart.update();
  $('histogram').dataset.series = String(histChart.data.datasets.length);
}

function describePixel(row: number, col: number): string {
  const m = current!, p = row * init!.cols + col, q = info(m.quantity);
  if (!Number.isFinite(m.delta[p])) {
    const name = (s: number) => init!.statusNames[s] ?? '?';
    return `row ${row}, col ${col}: not compared (A ${name(m.statusA[p])}, B ${name(m.statusB[p])})`;
  }
  const e = Math.hypot(m.aErr[p], m.bErr[p]);
  return `row ${row}, col ${col}: Δ${q.symbol} = ${formatWithError(m.delta[p], e, q.unit)} (A ${formatWithError(m.a[p], m.aErr[p])}, ` +
    `B ${formatWithError(m.b[p], m.bErr[p])}) · ${formatNumber(m.significance[p], 3)} σ`;
}

/** Map size: as large as fits beside the numbers and density plot, leaving room for the histograms below. */
function layout(): void {
  const W = document.documentElement.clientWidth - 24, H = window.innerHeight * 0.62;
  const size = Math.max(128, Math.floor(Math.min(W - 30 - 90 - 280, H)));
  document.body.style.setProperty('--map-size', `${size}px`);
  if (init) drawAxes($('colAxis'), $('rowAxis'), init.rows, init.cols, size);
  draw();
}

canvas.addEventListener('mousemove', ev => {
  hovered = init && current ? pixelAt(canvas, ev, init.rows, init.cols) : undefined;
  setText(readout, hovered ? describePixel(hovered[0], hovered[1]) : '');
});
quantitySelect.addEventListener('change', () => void showQuantity(quantitySelect.value as ComparedQuantity));
showSelect.addEventListener('change', () => { channel.saveState({ show: showSelect.value as CompareState['show'] }); draw(); });
$('openReport').addEventListener('click', () => void channel.request('openReport', null));
window.addEventListener('resize', layout);
onThemeChange(draw);
void start();
