// Pixel-map front end: the matrix drawn as one ImageData on a canvas (not 65,536 chart elements), scaled to the
// panel with row/column axes; a colour bar with ticks and unit (a legend with counts for the fit status);
// histogram with under/overflow and log-y; hover readout as value ± error; zoom, pan, selection, arrow keys,
// export; the colour range can be locked for every map of the same quantity. Below the histogram: the median ± robust
// spread (1.4826·MAD) over the ok pixels, as the engine's statistics compute it, also marked in the histogram.
import { formatNumber, formatWithError } from '../src/contract/format';
import { liveSnapshotText } from '../src/contract/summary';
import {
  GAIN_QUANTITIES, matrixCsv, medianAndSpread, PARAMETER_NAMES, PARAMETER_UNITS, percentile, QUANTITY_INFO, quantityLabel, STATUS_DEAD, STATUS_MASKED,
} from '../src/contract/quantities';
import type { MapData, MapQuantity, PixelFitRow, PixelMapApi, PixelMapInit, PixelMapPush, PixelMapState } from '../src/protocol';
import { PALETTE, themedChart } from './charts';
import { colormapTable } from './colormaps';
import { drawAxes as drawMapAxes, drawColorbar as drawBar, paintMatrix, pixelAt as matrixPixelAt, symmetricRange } from './heatmap';
import { histogram as binValues, LIMIT_COLOR, STATUS_COLORS } from './mapScale';
import { $, connect, setText, tableRows } from './vscodeApi';

const canvas = $<HTMLCanvasElement>('map'), bar = $<HTMLCanvasElement>('bar');
const quantitySelect = $<HTMLSelectElement>('quantity'), thresholdSelect = $<HTMLSelectElement>('threshold');
const scaleSelect = $<HTMLSelectElement>('scale'), rangeMode = $<HTMLSelectElement>('rangeMode');
const rangeMin = $<HTMLInputElement>('rangeMin'), rangeMax = $<HTMLInputElement>('rangeMax');
const lockBox = $<HTMLInputElement>('lockRange'), logYBox = $<HTMLInputElement>('logY');
const readout = $('readout');
/** Residual-like quantities get the diverging colormap. */
const DIVERGING = new Set<MapQuantity>(['delta_deviance', 'slope']);
const HIST_BINS = 50;

let init: PixelMapInit | undefined;
let current: MapData | undefined;
let image: ImageData | undefined;
let selected: [number, number] | undefined;
let lockedRanges: Partial<Record<MapQuantity, [number, number]>> = {};
let zoom = 1, panX = 0, panY = 0;

const channel = connect<PixelMapApi, PixelMapPush, PixelMapState>(push => {
  if (push.type === 'pixel') { selected = [push.row, push.col]; channel.saveState({ pixel: selected }); drawMarker(); showFit(push.row, push.col, push.fit); }
  if (push.type === 'lockedRange') {
    if (push.range) lockedRanges[push.quantity] = push.range; else delete lockedRanges[push.quantity];
    if (current?.quantity === push.quantity) draw();
  }
  if (push.type === 'refresh') refresh(push.init);
});

const histChart = themedChart($<HTMLCanvasElement>('histogram'), {
  type: 'bar', data: { labels: [], datasets: [] },
  options: { responsive: true, maintainAspectRatio: false, animation: false,
    scales: { x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 } }, y: { type: 'linear', title: { display: true, text: 'pixels' } } },
    plugins: { legend: { display: false }, tooltip: { enabled: true } } },
  plugins: [{
    id: 'asicLine',
    afterDatasetsDraw(chart) {
      const { asicAt, spreadAt } = chart.options.plugins as { asicAt?: number; spreadAt?: [number, number, number] };
      const x = chart.scales.x, { top, bottom } = chart.chartArea, ctx = chart.ctx;
      const pixel = (at: number) => x.getPixelForValue(Math.floor(at)) + (at - Math.floor(at)) * (x.getPixelForValue(1) - x.getPixelForValue(0));
      ctx.save();
      if (spreadAt && spreadAt.every(Number.isFinite)) { // median ± robust spread: a band and a dashed line
        const [lo, mid, hi] = spreadAt.map(pixel);
        ctx.fillStyle = 'rgba(128,128,128,0.18)'; ctx.fillRect(lo, top, hi - lo, bottom - top);
        ctx.strokeStyle = PALETTE[2]; ctx.lineWidth = 1.5; ctx.setLineDash([4, 3]);
        ctx.beginPath(); ctx.moveTo(mid, top); ctx.lineTo(mid, bottom); ctx.stroke(); ctx.setLineDash([]);
      }
      if (asicAt !== undefined && Number.isFinite(asicAt)) {
        const px = pixel(asicAt);
        ctx.strokeStyle = PALETTE[1]; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(px, top); ctx.lineTo(px, bottom); ctx.stroke();
      }
      ctx.restore();
    },
  }],
});

/** The scan's name and folder, the choices it offers (quantities, thresholds), and how far a live watch is. */
function showInit(next: PixelMapInit): void {
  init = next;
  setText($('title'), `${next.title} · ${next.folder}${next.live ? ` · ${liveSnapshotText(next.live)}` : ''}`);
  document.body.dataset.live = next.live ? String(next.live.files_counted) : 'complete';
  quantitySelect.replaceChildren(...next.quantities.map(q => new Option(quantityLabel(q), q)));
  thresholdSelect.replaceChildren(...next.thresholds.map(t => new Option(String(t), String(t))));
}

async function start(): Promise<void> {
  const s = channel.state;
  const first = await channel.request('ready', s);
  lockedRanges = { ...first.lockedRanges };
  showInit(first);
  scaleSelect.value = s.scale ?? 'lin';
  logYBox.checked = !!s.logY;
  if (s.range) { rangeMode.value = 'manual'; rangeMin.value = String(s.range[0]); rangeMax.value = String(s.range[1]); }
  rangeMin.hidden = rangeMax.hidden = rangeMode.value !== 'manual';
  layout();
  await showMap(first.quantity, first.threshold);
  if (s.pixel) await selectPixel(s.pixel, false);
}

/**
 * A live watch published the scan anew: the same quantity, threshold and pixel are requested again and drawn into
 * the same canvas (zoom, pan, scale and a manual or locked range untouched: no flicker, nothing reset). Refreshes
 * arriving while one is drawn are folded into one.
 */
let refreshing = false, nextRefresh: PixelMapInit | undefined;
function refresh(next: PixelMapInit): void {
  nextRefresh = next;
  if (refreshing) return;
  refreshing = true;
  void (async () => {
    try {
      while (nextRefresh) {
        const n = nextRefresh;
        nextRefresh = undefined;
        const quantity = current && n.quantities.includes(current.quantity) ? current.quantity : n.quantity;
        const shownThreshold = current?.threshold ?? channel.state.threshold;
        const threshold = shownThreshold !== undefined && n.thresholds.includes(shownThreshold) ? shownThreshold : n.threshold;
        showInit(n);
        quantitySelect.value = quantity;
        thresholdSelect.value = String(threshold);
        await showMap(quantity, threshold);
        if (selected) { const [row, col] = selected; showFit(row, col, await channel.request('selectPixel', { row, col, open: false })); }
      }
    } finally {
      refreshing = false;
    }
  })();
}

async function showMap(quantity: MapQuantity, threshold?: number): Promise<void> {
  const m = await channel.request('map', { quantity, threshold });
  current = m;
  quantitySelect.value = m.quantity;
  $('thresholdLabel').hidden = m.quantity !== 'flux';
  if (m.threshold !== undefined) thresholdSelect.value = String(m.threshold);
  channel.saveState({ quantity: m.quantity, threshold: m.threshold ?? channel.state.threshold });
  draw();
}

/** The finite values of the current map, sorted (percentiles, histogram); kept until the map or scale changes. */
let sortedCache: { values: Float64Array; positiveOnly: boolean; sorted: Float64Array } | undefined;
function sortedFinite(values: Float64Array, positiveOnly: boolean): Float64Array {
  if (sortedCache?.values !== values || sortedCache.positiveOnly !== positiveOnly) {
    sortedCache = { values, positiveOnly, sorted: values.filter(v => Number.isFinite(v) && (!positiveOnly || v > 0)).sort() };
  }
  return sortedCache.sorted;
}

function colorRange(m: MapData, sorted: Float64Array): [number, number] {
  const locked = lockedRanges[m.quantity];
  lockBox.checked = !!locked;
  if (locked) return locked;
  if (rangeMode.value === 'manual' && Number.isFinite(rangeMin.valueAsNumber) && Number.isFinite(rangeMax.valueAsNumber)) {
    return [rangeMin.valueAsNumber, rangeMax.valueAsNumber];
  }
  let lo = percentile(sorted, 0.01), hi = percentile(sorted, 0.99);
  if (DIVERGING.has(m.quantity)) { [lo, hi] = symmetricRange(sorted); if (m.quantity === 'delta_deviance') lo = 0; }
  if (!(hi > lo)) hi = lo + 1;
  rangeMin.value = String(lo); rangeMax.value = String(hi);
  return [lo, hi];
}

let shownRange: [number, number] = [0, 1];

function draw(): void {
  if (!current || !init) return;
  const { rows, cols } = init, m = current, isStatus = m.quantity === 'status';
  const log = scaleSelect.value === 'log' && !isStatus;
  const sorted = sortedFinite(m.values, log);
  const table = colormapTable(DIVERGING.has(m.quantity) ? 'diverging' : 'viridis');
  const [lo, hi] = isStatus ? [0, init.statusNames.length - 1] : colorRange(m, sorted);
  shownRange = [lo, hi];
  const useLog = log && lo > 0;
  canvas.width = cols; canvas.height = rows;
  image = paintMatrix(m.values, rows, cols, table, lo, hi, useLog, p => {
    const v = m.values[p], st = m.status?.[p];
    if (isStatus) return STATUS_COLORS[v] ?? [255, 0, 255];
    if (st === STATUS_MASKED) return STATUS_COLORS[STATUS_MASKED];
    if (st === STATUS_DEAD) return STATUS_COLORS[STATUS_DEAD];
    if (m.sigmaUpper && Number.isFinite(m.sigmaUpper[p])) return (p + Math.floor(p / cols)) % 2 ? LIMIT_COLOR : [120, 120, 120];
    return undefined;
  });
  drawMarker();
  canvas.dataset.quantity = m.quantity;
  if (isStatus) drawLegend(m); else drawColorbar(table, lo, hi, useLog);
  drawHistogram(m, sorted, lo, hi, useLog);
  const asic = m.asicValue !== null && Number.isFinite(m.asicValue) ? `${m.asicLabel} = ${formatWithError(m.asicValue, m.asicError, QUANTITY_INFO[m.quantity].unit)}` : '';
  setText($('asic'), asic.trim());
  showSpread(m);
}

function drawMarker(): void {
  if (!image || !init) return;
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(image, 0, 0);
  if (selected) { ctx.strokeStyle = '#ff00ff'; ctx.lineWidth = Math.max(init.rows, init.cols) / 200; ctx.strokeRect(selected[1], selected[0], 1, 1); }
}

function drawColorbar(table: Uint8Array, lo: number, hi: number, log: boolean): void {
  $('colorbar').hidden = false; $('legend').hidden = true;
  drawBar(bar, $('barTicks'), table, lo, hi, log, current ? quantityLabel(current.quantity) : '');
}

function drawLegend(m: MapData): void {
  $('colorbar').hidden = true;
  const legend = $('legend');
  legend.hidden = false;
  const counts = new Array<number>(init!.statusNames.length).fill(0);
  for (const v of m.values) if (v >= 0 && v < counts.length) counts[v]++;
  legend.replaceChildren(...init!.statusNames.map((name, code) => {
    const li = document.createElement('li'), sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = `rgb(${STATUS_COLORS[code].join(',')})`;
    li.append(sw, document.createTextNode(`${name}: ${counts[code]}`));
    return li;
  }));
}

function drawHistogram(m: MapData, sorted: Float64Array, lo: number, hi: number, log: boolean): void {
  $('histBox').hidden = m.quantity === 'status';
  if (m.quantity === 'status') return;
  const h = binValues(sorted, lo, hi, HIST_BINS, log);
  const labels = [`< ${formatNumber(lo, 3)}`, ...h.counts.map((_, k) => formatNumber((h.edges[k] + h.edges[k + 1]) / 2, 3)), `> ${formatNumber(hi, 3)}`];
  const data = [h.underflow, ...h.counts, h.overflow];
  const colors = data.map((_, k) => (k === 0 || k === data.length - 1 ? PALETTE[3] : PALETTE[0]));
  histChart.data.labels = labels;
  histChart.data.datasets = [{ label: quantityLabel(m.quantity), data, backgroundColor: colors, barPercentage: 1, categoryPercentage: 1 }];
  const y = histChart.options.scales!.y as { type: string; beginAtZero?: boolean; min?: number };
  y.type = logYBox.checked ? 'logarithmic' : 'linear';
  const x = histChart.options.scales!.x as { title?: object };
  x.title = { display: true, text: `${quantityLabel(m.quantity)} · outside [${formatNumber(lo, 3)}, ${formatNumber(hi, 3)}] at the ends` };
  // position on the category axis: bin k is at k + 1 (bin 0 is the underflow), its left edge at k + 0.5
  const at = (v: number | null | undefined) => (v !== null && v !== undefined && v >= lo && v <= hi
    ? (log ? Math.log(v / lo) / Math.log(hi / lo) : (v - lo) / (hi - lo)) * HIST_BINS + 0.5 : NaN);
  const spread = spreadOf(m);
  const plugins = histChart.options.plugins as { asicAt?: number; spreadAt?: [number, number, number] };
  plugins.asicAt = at(m.asicValue);
  plugins.spreadAt = spread && spread.n > 0 ? [Math.max(spread.median - spread.robustRms, lo), spread.median, Math.min(spread.median + spread.robustRms, hi)].map(at) as [number, number, number] : undefined;
  histChart.update();
}

/** Median and robust spread of the map over its ok pixels (all finite values when the map has no fit status). */
let spreadCache: { values: Float64Array; stats: ReturnType<typeof medianAndSpread> } | undefined;
function spreadOf(m: MapData): ReturnType<typeof medianAndSpread> | undefined {
  if (m.quantity === 'status') return undefined;
  if (spreadCache?.values !== m.values) {
    const ok = m.status ? m.values.filter((_, p) => m.status![p] === 0) : m.values;
    spreadCache = { values: m.values, stats: medianAndSpread(ok) };
  }
  return spreadCache.stats;
}

function showSpread(m: MapData): void {
  const el = $('spread'), s = spreadOf(m);
  el.hidden = !s || s.n === 0;
  if (!s || s.n === 0) return;
  const { label, unit } = QUANTITY_INFO[m.quantity];
  setText(el, `${label}: median ± robust spread = ${formatWithError(s.median, s.robustRms, unit)} over ${s.n} ${m.status ? 'ok ' : ''}pixels`);
  el.dataset.median = String(s.median);
  el.dataset.spread = String(s.robustRms);
}

function pixelAt(ev: MouseEvent): [number, number] | undefined {
  return init ? matrixPixelAt(canvas, ev, init.rows, init.cols) : undefined;
}

function describePixel(row: number, col: number): string {
  if (!current || !init) return '';
  const p = row * init.cols + col, v = current.values[p], e = current.errors?.[p], q = current.quantity;
  const st = current.status ? init.statusNames[current.status[p]] ?? '?' : undefined;
  const limit = current.sigmaUpper?.[p];
  let value: string;
  if (q === 'status') value = init.statusNames[v] ?? 'n/a';
  else if (limit !== undefined && Number.isFinite(limit)) value = `< ${formatNumber(limit, 3)} ${QUANTITY_INFO[q].unit} (upper limit)`;
  else value = formatWithError(v, e, QUANTITY_INFO[q].unit);
  return `row ${row}, col ${col}: ${QUANTITY_INFO[q].label} = ${value}${st && q !== 'status' ? ` · ${st}` : ''}`;
}

function showFit(row: number, col: number, f: PixelFitRow | null): void {
  if (!selected || selected[0] !== row || selected[1] !== col) return; // a later selection is on its way
  const table = $<HTMLTableElement>('pixelTable');
  const rowsOut: Array<[string, string]> = f ? PARAMETER_NAMES.map(n => [n, formatWithError(f.values[n], f.values[`${n}_err`], PARAMETER_UNITS[n])] as [string, string])
    .concat([['deviance / ndf', `${formatNumber(f.values.chi2)} / ${f.values.ndf ?? 'n/a'}`]]) : [];
  // with a baseline: the pixel's target and gain (pixel_fits.csv's trailing columns)
  for (const q of GAIN_QUANTITIES) {
    if (f && q in f.values) rowsOut.push([QUANTITY_INFO[q].label, formatWithError(f.values[q], f.values[`${q}_err`], QUANTITY_INFO[q].unit)]);
  }
  if (f?.flags?.length) rowsOut.push(['flags', f.flags.join(', ')]);
  tableRows(table, rowsOut, `pixel (${row}, ${col}) · ${f?.status ?? 'no fit'}`);
  table.dataset.pixel = `${row},${col}`;
}

async function selectPixel(p: [number, number], open: boolean): Promise<void> {
  selected = p;
  channel.saveState({ pixel: p });
  drawMarker();
  showFit(p[0], p[1], await channel.request('selectPixel', { row: p[0], col: p[1], open }));
}

/** Map size: as large as fits with the readout, colour bar and histogram in view (beside when wide, below when narrow). */
function layout(): void {
  const toolbar = $('toolbar').offsetHeight, read = readout.offsetHeight;
  const W = document.documentElement.clientWidth - 24, H = window.innerHeight - toolbar - read - 40;
  const AXES = 30, BAR = 90, SIDE = 260, HIST = 150;
  const wide = Math.min(W - AXES - BAR - SIDE, H - AXES), tall = Math.min(W - AXES - BAR, H - AXES - HIST - 40);
  const size = Math.max(96, Math.floor(Math.max(wide, tall)));
  document.body.dataset.layout = wide >= tall ? 'wide' : 'tall';
  document.body.style.setProperty('--map-size', `${size}px`);
  drawAxes();
  if (current && current.quantity !== 'status') draw();
}

/** Row and column numbers along the map, following zoom and pan. */
function drawAxes(): void {
  if (init) drawMapAxes($('colAxis'), $('rowAxis'), init.rows, init.cols, $('mapBox').clientWidth, { zoom, panX, panY });
}

function applyTransform(): void {
  canvas.style.transform = `translate(${panX}px, ${panY}px) scale(${zoom})`;
  drawAxes();
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
canvas.addEventListener('click', ev => { if (drag?.moved) return; const p = pixelAt(ev); if (p) void selectPixel(p, true); });
canvas.addEventListener('wheel', ev => {
  ev.preventDefault();
  zoom = Math.max(1, Math.min(32, zoom * (ev.deltaY < 0 ? 1.25 : 0.8)));
  if (zoom === 1) { panX = 0; panY = 0; }
  applyTransform();
}, { passive: false });
$('resetZoom').addEventListener('click', () => { zoom = 1; panX = 0; panY = 0; applyTransform(); });
const MOVES: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
document.addEventListener('keydown', ev => {
  const d = MOVES[ev.key], tag = (ev.target as HTMLElement).tagName;
  if (!d || !selected || !init || tag === 'INPUT' || tag === 'SELECT') return;
  ev.preventDefault();
  // From the pixel last chosen, not the last one drawn: fast presses are never lost.
  void selectPixel([Math.max(0, Math.min(init.rows - 1, selected[0] + d[0])), Math.max(0, Math.min(init.cols - 1, selected[1] + d[1]))], true);
});
quantitySelect.addEventListener('change', () => {
  rangeMode.value = 'auto'; rangeMin.hidden = rangeMax.hidden = true;
  channel.saveState({ range: undefined });
  void showMap(quantitySelect.value as MapQuantity, Number(thresholdSelect.value));
});
thresholdSelect.addEventListener('change', () => void showMap('flux', Number(thresholdSelect.value)));
scaleSelect.addEventListener('change', () => { channel.saveState({ scale: scaleSelect.value as 'lin' | 'log' }); draw(); });
logYBox.addEventListener('change', () => { channel.saveState({ logY: logYBox.checked }); draw(); });
function rangeChanged(): void {
  rangeMin.hidden = rangeMax.hidden = rangeMode.value !== 'manual';
  const manual = rangeMode.value === 'manual' && rangeMin.valueAsNumber < rangeMax.valueAsNumber;
  channel.saveState({ range: manual ? [rangeMin.valueAsNumber, rangeMax.valueAsNumber] : undefined });
  if (current && lockedRanges[current.quantity] && manual) lock([rangeMin.valueAsNumber, rangeMax.valueAsNumber]); else draw();
}
rangeMode.addEventListener('change', rangeChanged);
rangeMin.addEventListener('change', rangeChanged);
rangeMax.addEventListener('change', rangeChanged);
function lock(range: [number, number] | null): void {
  if (!current) return;
  if (range) lockedRanges[current.quantity] = range; else delete lockedRanges[current.quantity];
  void channel.request('lockRange', { quantity: current.quantity, range });
  draw();
}
lockBox.addEventListener('change', () => lock(lockBox.checked ? shownRange : null));
$('exportPng').addEventListener('click', () => {
  if (!current || !init) return;
  const scale = Math.max(1, Math.floor(1024 / Math.max(init.rows, init.cols)));
  const out = document.createElement('canvas');
  out.width = init.cols * scale; out.height = init.rows * scale;
  const ctx = out.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(canvas, 0, 0, out.width, out.height);
  void channel.request('export', { format: 'png', quantity: current.quantity, threshold: current.threshold, data: out.toDataURL('image/png') });
});
$('exportCsv').addEventListener('click', () => {
  if (!current || !init) return;
  void channel.request('export', { format: 'csv', quantity: current.quantity, threshold: current.threshold, data: matrixCsv(current.values, init.rows, init.cols) });
});
window.addEventListener('resize', layout);
void start();
