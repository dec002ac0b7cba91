// Pixel-map front end: the matrix drawn as one ImageData on a canvas (not 65,536 chart elements), colorbar,
// histogram with the ASIC value, hover readout, zoom and pan, selection, export.
import type { FromPixelMapMessage, MapQuantity, ToPixelMapMessage } from '../src/protocol';
import { applyTheme, Chart, PALETTE } from './charts';
import { colormapTable } from './colormaps';
import { $, connect, fmt, setText, tableRows } from './vscodeApi';

const canvas = $<HTMLCanvasElement>('map'), bar = $<HTMLCanvasElement>('bar');
const quantitySelect = $<HTMLSelectElement>('quantity'), thresholdSelect = $<HTMLSelectElement>('threshold');
const scaleSelect = $<HTMLSelectElement>('scale'), rangeMode = $<HTMLSelectElement>('rangeMode');
const rangeMin = $<HTMLInputElement>('rangeMin'), rangeMax = $<HTMLInputElement>('rangeMax');
const readout = $('readout');

const LABELS: Record<MapQuantity, string> = {
  flux: 'flux (Hz)', mu: 'μ (DAC)', sigma: 'σ (DAC)', amplitude: 'amplitude (Hz)', slope: 'slope (Hz/DAC)',
  chi2_ndf: 'deviance/ndf', pvalue: 'p-value', status: 'fit status', delta_deviance: 'Δdeviance vs ASIC',
};
/** Residual-like quantities get the diverging colormap. */
const DIVERGING = new Set<MapQuantity>(['delta_deviance', 'slope']);

let rows = 0, cols = 0, statusNames: string[] = [];
let current: Extract<ToPixelMapMessage, { type: 'map' }> | undefined;
let selected: [number, number] | undefined;
let zoom = 1, panX = 0, panY = 0;
/** When the user asked for another map: the switch time (request → drawn) is reported with the draw time. */
let switchStarted: number | undefined;

applyTheme();
const histogram = new Chart($<HTMLCanvasElement>('histogram'), {
  type: 'line', data: { datasets: [] },
  options: { responsive: false, scales: { x: { type: 'linear' }, y: { beginAtZero: true, title: { display: true, text: 'pixels' } } },
    plugins: { legend: { display: true, labels: { boxWidth: 10 } } } },
});

const post = connect<FromPixelMapMessage, ToPixelMapMessage>(m => {
  switch (m.type) {
    case 'init':
      rows = m.rows; cols = m.cols; statusNames = m.statusNames;
      setText($('title'), m.title);
      quantitySelect.replaceChildren(...m.quantities.map(q => new Option(LABELS[q], q)));
      thresholdSelect.replaceChildren(...m.thresholds.map(t => new Option(String(t), String(t))));
      quantitySelect.value = m.initial.quantity;
      if (m.initial.threshold !== undefined) thresholdSelect.value = String(m.initial.threshold);
      $('thresholdLabel').hidden = m.initial.quantity !== 'flux';
      if (m.initial.pixel) selected = m.initial.pixel;
      break;
    case 'map':
      current = m;
      quantitySelect.value = m.quantity;
      $('thresholdLabel').hidden = m.quantity !== 'flux';
      if (m.threshold !== undefined) thresholdSelect.value = String(m.threshold);
      draw();
      break;
    case 'pixel': {
      selected = [m.row, m.col];
      draw();
      const f = m.fit;
      const table = $<HTMLTableElement>('pixelTable');
      tableRows(table, f ? ['mu', 'sigma', 'amplitude', 'slope', 'background'].map(n => [n, `${fmt(f.values[n])} ± ${fmt(f.values[`${n}_err`])}`] as [string, string])
        .concat([['deviance / ndf', `${fmt(f.values.chi2)} / ${f.values.ndf ?? 'n/a'}`]]) : [], `pixel (${m.row}, ${m.col}) · ${f?.status ?? 'no fit'}`);
      table.dataset.pixel = `${m.row},${m.col}`;
      break;
    }
  }
});

/** The finite values of the current map, sorted (for percentiles and the histogram); kept until the map or scale changes. */
let sortedCache: { values: Float64Array; positiveOnly: boolean; sorted: Float64Array } | undefined;
function sortedFinite(values: Float64Array, positiveOnly: boolean): Float64Array {
  if (sortedCache?.values !== values || sortedCache.positiveOnly !== positiveOnly) {
    sortedCache = { values, positiveOnly, sorted: values.filter(v => Number.isFinite(v) && (!positiveOnly || v > 0)).sort() };
  }
  return sortedCache.sorted;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] : NaN;
}

function colorRange(m: NonNullable<typeof current>, sorted: Float64Array): [number, number] {
  if (m.quantity === 'status') return [0, statusNames.length - 1];
  if (rangeMode.value === 'manual' && Number.isFinite(rangeMin.valueAsNumber) && Number.isFinite(rangeMax.valueAsNumber)) {
    return [rangeMin.valueAsNumber, rangeMax.valueAsNumber];
  }
  let lo = percentile(sorted, 0.01), hi = percentile(sorted, 0.99);
  if (DIVERGING.has(m.quantity)) { const a = Math.max(Math.abs(lo), Math.abs(hi)); lo = m.quantity === 'delta_deviance' ? 0 : -a; hi = a; }
  if (!(hi > lo)) hi = lo + 1;
  rangeMin.value = String(lo); rangeMax.value = String(hi);
  return [lo, hi];
}

function draw(): void {
  if (!current) return;
  const t0 = performance.now();
  const m = current, log = scaleSelect.value === 'log';
  const sorted = sortedFinite(m.values, log);
  const table = colormapTable(DIVERGING.has(m.quantity) ? 'diverging' : 'viridis');
  const [lo, hi] = colorRange(m, sorted);
  const useLog = log && lo > 0;
  const a = useLog ? Math.log(lo) : lo, b = useLog ? Math.log(hi) : hi;
  canvas.width = cols; canvas.height = rows;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(cols, rows);
  const px = image.data;
  for (let p = 0; p < rows * cols; p++) {
    const v = m.values[p], o = p * 4, st = m.status?.[p];
    px[o + 3] = 255;
    if (st === 1) { px[o] = px[o + 1] = px[o + 2] = 110; continue; } // masked: grey
    if (st === 2) { px[o] = px[o + 1] = px[o + 2] = 0; continue; } // dead: black
    if (!Number.isFinite(v)) { px[o + 3] = 0; continue; } // no value: transparent (editor background)
    const x = ((useLog ? Math.log(Math.max(v, lo)) : v) - a) / (b - a);
    const k = Math.max(0, Math.min(255, Math.round(x * 255))) * 3;
    px[o] = table[k]; px[o + 1] = table[k + 1]; px[o + 2] = table[k + 2];
  }
  ctx.putImageData(image, 0, 0);
  if (selected) { ctx.strokeStyle = '#ff00ff'; ctx.lineWidth = Math.max(rows, cols) / 200; ctx.strokeRect(selected[1], selected[0], 1, 1); }
  const bctx = bar.getContext('2d')!;
  for (let y = 0; y < bar.height; y++) {
    const k = Math.round((1 - y / (bar.height - 1)) * 255) * 3;
    bctx.fillStyle = `rgb(${table[k]},${table[k + 1]},${table[k + 2]})`;
    bctx.fillRect(0, y, bar.width, 1);
  }
  setText($('barMax'), m.quantity === 'status' ? statusNames[statusNames.length - 1] : fmt(hi));
  setText($('barMin'), m.quantity === 'status' ? statusNames[0] : fmt(lo));
  setText($('asic'), m.asicValue === null ? '' : `ASIC: ${LABELS[m.quantity]} = ${fmt(m.asicValue)}`);
  const ms = performance.now() - t0;
  canvas.dataset.drawMs = ms.toFixed(1);
  if (switchStarted !== undefined) { canvas.dataset.switchMs = (performance.now() - switchStarted).toFixed(1); switchStarted = undefined; }
  canvas.dataset.quantity = m.quantity;
  post({ type: 'drawn', quantity: m.quantity, milliseconds: ms });
  drawHistogram(m, sorted, lo, hi);
}

function drawHistogram(m: NonNullable<typeof current>, sorted: Float64Array, lo: number, hi: number): void {
  const nBins = m.quantity === 'status' ? statusNames.length : 50;
  const counts = new Array(nBins).fill(0);
  const width = m.quantity === 'status' ? 1 : (hi - lo) / nBins;
  const start = m.quantity === 'status' ? -0.5 : lo;
  for (const v of sorted) {
    const k = Math.floor((v - start) / width);
    if (k >= 0 && k < nBins) counts[k]++;
  }
  const data = counts.map((c, k) => ({ x: start + (k + 0.5) * width, y: c }));
  const datasets: object[] = [{ label: LABELS[m.quantity], data, stepped: 'middle', borderColor: PALETTE[0], backgroundColor: 'rgba(78,155,214,0.3)', fill: true, pointRadius: 0 }];
  if (m.asicValue !== null && Number.isFinite(m.asicValue)) {
    const top = Math.max(...counts, 1);
    datasets.push({ label: 'ASIC', data: [{ x: m.asicValue, y: 0 }, { x: m.asicValue, y: top }], borderColor: PALETTE[1], pointRadius: 0, borderWidth: 2 });
  }
  histogram.data.datasets = datasets as never;
  histogram.update();
}

function pixelAt(ev: MouseEvent): [number, number] | undefined {
  const r = canvas.getBoundingClientRect();
  const col = Math.floor(((ev.clientX - r.left) / r.width) * cols), row = Math.floor(((ev.clientY - r.top) / r.height) * rows);
  return row >= 0 && row < rows && col >= 0 && col < cols ? [row, col] : undefined;
}

function describePixel(row: number, col: number): string {
  if (!current) return '';
  const p = row * cols + col, v = current.values[p], e = current.errors?.[p];
  const st = current.status ? statusNames[current.status[p]] ?? '?' : undefined;
  const value = current.quantity === 'status' ? statusNames[v] ?? 'n/a' : `${fmt(v)}${e !== undefined && Number.isFinite(e) ? ` ± ${fmt(e)}` : ''}`;
  return `row ${row}, col ${col}: ${LABELS[current.quantity]} = ${value}${st ? ` · ${st}` : ''}`;
}

function requestMap(): void {
  switchStarted = performance.now();
  const quantity = quantitySelect.value as MapQuantity;
  post({ type: 'requestMap', quantity, threshold: quantity === 'flux' ? Number(thresholdSelect.value) : undefined });
}

function applyTransform(): void {
  canvas.style.transform = `translate(${panX}px, ${panY}px) scale(${zoom})`;
}

function select(p: [number, number]): void {
  selected = p;
  draw();
  post({ type: 'selectPixel', row: p[0], col: p[1] });
}

let drag: { x: number; y: number; moved: boolean } | undefined;
canvas.addEventListener('mousedown', ev => { drag = { x: ev.clientX, y: ev.clientY, moved: false }; });
window.addEventListener('mouseup', () => { setTimeout(() => { drag = undefined; }, 0); });
canvas.addEventListener('mousemove', ev => {
  if (drag && (ev.buttons & 1) && zoom > 1) {
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) { drag.moved = true; panX += dx; panY += dy; drag.x = ev.clientX; drag.y = ev.clientY; applyTransform(); }
  }
  const p = pixelAt(ev);
  setText(readout, p ? describePixel(p[0], p[1]) : '');
});
canvas.addEventListener('click', ev => { if (drag?.moved) return; const p = pixelAt(ev); if (p) select(p); });
canvas.addEventListener('wheel', ev => {
  ev.preventDefault();
  zoom = Math.max(1, Math.min(32, zoom * (ev.deltaY < 0 ? 1.25 : 0.8)));
  if (zoom === 1) { panX = 0; panY = 0; }
  applyTransform();
}, { passive: false });
$('resetZoom').addEventListener('click', () => { zoom = 1; panX = 0; panY = 0; applyTransform(); });
document.addEventListener('keydown', ev => {
  if (!selected || (ev.target as HTMLElement).tagName === 'INPUT' || (ev.target as HTMLElement).tagName === 'SELECT') return;
  const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const d = moves[ev.key];
  if (!d) return;
  ev.preventDefault();
  select([Math.max(0, Math.min(rows - 1, selected[0] + d[0])), Math.max(0, Math.min(cols - 1, selected[1] + d[1]))]);
});
quantitySelect.addEventListener('change', () => { rangeMode.value = 'auto'; rangeMin.hidden = rangeMax.hidden = true; requestMap(); });
thresholdSelect.addEventListener('change', requestMap);
scaleSelect.addEventListener('change', draw);
rangeMode.addEventListener('change', () => { rangeMin.hidden = rangeMax.hidden = rangeMode.value !== 'manual'; draw(); });
rangeMin.addEventListener('change', draw);
rangeMax.addEventListener('change', draw);
$('exportPng').addEventListener('click', () => {
  if (!current) return;
  const scale = Math.max(1, Math.floor(1024 / Math.max(rows, cols)));
  const out = document.createElement('canvas');
  out.width = cols * scale; out.height = rows * scale;
  const ctx = out.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(canvas, 0, 0, out.width, out.height);
  post({ type: 'export', format: 'png', quantity: current.quantity, data: out.toDataURL('image/png') });
});
$('exportCsv').addEventListener('click', () => {
  if (!current) return;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    lines.push(Array.from(current.values.subarray(r * cols, (r + 1) * cols), v => (Number.isFinite(v) ? String(v) : 'nan')).join(','));
  }
  post({ type: 'export', format: 'csv', quantity: current.quantity, data: lines.join('\n') + '\n' });
});
