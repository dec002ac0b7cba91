// Pixel-map front end: the matrix drawn as one ImageData on a canvas, colorbar, hover readout, pixel selection.
import type { FromPixelMapMessage, MapQuantity, ToPixelMapMessage } from '../src/protocol';
import { colormapTable } from './colormaps';

declare function acquireVsCodeApi(): { postMessage(m: FromPixelMapMessage): void; setState(s: unknown): void; getState(): unknown };
declare global { interface Window { veloState: { outputDir: string } } }

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>('map'), bar = $<HTMLCanvasElement>('bar');
const quantitySelect = $<HTMLSelectElement>('quantity'), thresholdSelect = $<HTMLSelectElement>('threshold');
const scaleSelect = $<HTMLSelectElement>('scale');
const readout = $('readout'), pixelTable = $<HTMLTableElement>('pixelTable');

const LABELS: Record<MapQuantity, string> = {
  flux: 'flux (Hz)', mu: 'μ (DAC)', sigma: 'σ (DAC)', amplitude: 'amplitude (Hz)', slope: 'slope (Hz/DAC)',
  chi2_ndf: 'deviance/ndf', pvalue: 'p-value', status: 'fit status', delta_deviance: 'Δdeviance vs ASIC',
};
const DIVERGING = new Set<MapQuantity>(['delta_deviance', 'slope']);

let rows = 0, cols = 0, statusNames: string[] = [];
let current: Extract<ToPixelMapMessage, { type: 'map' }> | undefined;
let selected: [number, number] | undefined;

/** Text for untrusted content goes through textContent only (never innerHTML). */
function text(el: HTMLElement, s: string): void { el.textContent = s; }

function fmt(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(4) : v.toPrecision(6);
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] : NaN;
}

function colorRange(m: NonNullable<typeof current>): [number, number] {
  const finite = m.values.filter(v => Number.isFinite(v) && (scaleSelect.value !== 'log' || v > 0)).sort();
  if (m.quantity === 'status') return [0, statusNames.length - 1];
  let lo = percentile(finite, 0.01), hi = percentile(finite, 0.99);
  if (DIVERGING.has(m.quantity)) { const a = Math.max(Math.abs(lo), Math.abs(hi)); lo = m.quantity === 'delta_deviance' ? 0 : -a; hi = a; }
  if (!(hi > lo)) hi = lo + 1;
  return [lo, hi];
}

function draw(): void {
  if (!current) return;
  const t0 = performance.now();
  const m = current;
  const table = colormapTable(DIVERGING.has(m.quantity) ? 'diverging' : 'viridis');
  const [lo, hi] = colorRange(m);
  const log = scaleSelect.value === 'log' && lo > 0;
  const a = log ? Math.log(lo) : lo, b = log ? Math.log(hi) : hi;
  canvas.width = cols; canvas.height = rows;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(cols, rows);
  const px = image.data;
  for (let p = 0; p < rows * cols; p++) {
    const v = m.values[p], o = p * 4;
    const st = m.status?.[p];
    if (st === 1) { px[o] = 90; px[o + 1] = 90; px[o + 2] = 90; px[o + 3] = 255; continue; } // masked: grey
    if (st === 2) { px[o] = 0; px[o + 1] = 0; px[o + 2] = 0; px[o + 3] = 255; continue; } // dead: black
    if (!Number.isFinite(v)) { px[o + 3] = 0; continue; }
    const x = ((log ? Math.log(Math.max(v, lo)) : v) - a) / (b - a);
    const k = Math.max(0, Math.min(255, Math.round(x * 255))) * 3;
    px[o] = table[k]; px[o + 1] = table[k + 1]; px[o + 2] = table[k + 2]; px[o + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  if (selected) { ctx.strokeStyle = '#ff00ff'; ctx.lineWidth = 1; ctx.strokeRect(selected[1] - 1.5, selected[0] - 1.5, 4, 4); }
  const bctx = bar.getContext('2d')!;
  for (let y = 0; y < bar.height; y++) {
    const k = Math.round((1 - y / (bar.height - 1)) * 255) * 3;
    bctx.fillStyle = `rgb(${table[k]},${table[k + 1]},${table[k + 2]})`;
    bctx.fillRect(0, y, bar.width, 1);
  }
  text($('barMax'), m.quantity === 'status' ? statusNames[statusNames.length - 1] : fmt(hi));
  text($('barMin'), m.quantity === 'status' ? statusNames[0] : fmt(lo));
  text($('asic'), m.asicValue === null ? '' : `ASIC: ${LABELS[m.quantity]} = ${fmt(m.asicValue)}`);
  const ms = performance.now() - t0;
  canvas.dataset.drawMs = ms.toFixed(1);
  canvas.dataset.quantity = m.quantity;
  vscode.postMessage({ type: 'drawn', quantity: m.quantity, milliseconds: ms });
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
  const quantity = quantitySelect.value as MapQuantity;
  $('thresholdLabel').hidden = quantity !== 'flux';
  vscode.postMessage({ type: 'requestMap', quantity, threshold: quantity === 'flux' ? Number(thresholdSelect.value) : undefined });
}

canvas.addEventListener('mousemove', ev => { const p = pixelAt(ev); text(readout, p ? describePixel(p[0], p[1]) : ''); });
canvas.addEventListener('click', ev => {
  const p = pixelAt(ev);
  if (!p) return;
  selected = p;
  draw();
  vscode.postMessage({ type: 'selectPixel', row: p[0], col: p[1] });
});
document.addEventListener('keydown', ev => {
  if (!selected) return;
  const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const d = moves[ev.key];
  if (!d) return;
  ev.preventDefault();
  selected = [Math.max(0, Math.min(rows - 1, selected[0] + d[0])), Math.max(0, Math.min(cols - 1, selected[1] + d[1]))];
  draw();
  vscode.postMessage({ type: 'selectPixel', row: selected[0], col: selected[1] });
});
quantitySelect.addEventListener('change', requestMap);
thresholdSelect.addEventListener('change', requestMap);
scaleSelect.addEventListener('change', draw);

window.addEventListener('message', (ev: MessageEvent<ToPixelMapMessage>) => {
  const m = ev.data;
  switch (m.type) {
    case 'init': {
      rows = m.rows; cols = m.cols; statusNames = m.statusNames;
      text($('title'), m.title);
      quantitySelect.replaceChildren(...m.quantities.map(q => new Option(LABELS[q], q)));
      thresholdSelect.replaceChildren(...m.thresholds.map(t => new Option(String(t), String(t))));
      quantitySelect.value = m.initial.quantity;
      if (m.initial.threshold !== undefined) thresholdSelect.value = String(m.initial.threshold);
      $('thresholdLabel').hidden = m.initial.quantity !== 'flux';
      if (m.initial.pixel) selected = m.initial.pixel;
      vscode.setState(window.veloState);
      break;
    }
    case 'map':
      current = m;
      quantitySelect.value = m.quantity;
      if (m.threshold !== undefined) thresholdSelect.value = String(m.threshold);
      draw();
      break;
    case 'pixel': {
      selected = [m.row, m.col];
      draw();
      const rowsHtml: HTMLTableRowElement[] = [];
      const head = document.createElement('tr');
      const th = document.createElement('th'); th.colSpan = 2; text(th, `pixel (${m.row}, ${m.col}) · ${m.fit?.status ?? 'no fit'}`);
      head.append(th); rowsHtml.push(head);
      for (const name of ['mu', 'sigma', 'amplitude', 'slope', 'background']) {
        if (!m.fit) break;
        const tr = document.createElement('tr');
        const a = document.createElement('td'), b = document.createElement('td');
        text(a, name); text(b, `${fmt(m.fit.values[name] ?? NaN)} ± ${fmt(m.fit.values[`${name}_err`] ?? NaN)}`);
        tr.append(a, b); rowsHtml.push(tr);
      }
      if (m.fit) {
        const tr = document.createElement('tr'); const a = document.createElement('td'), b = document.createElement('td');
        text(a, 'deviance/ndf'); text(b, `${fmt(m.fit.values.chi2 ?? NaN)} / ${m.fit.values.ndf ?? 'n/a'}`);
        tr.append(a, b); rowsHtml.push(tr);
      }
      pixelTable.replaceChildren(...rowsHtml);
      pixelTable.dataset.pixel = `${m.row},${m.col}`;
      break;
    }
  }
});

vscode.postMessage({ type: 'ready' });
