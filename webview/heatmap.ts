// Drawing a rows×cols matrix as one ImageData through a colormap, its colour bar with ticks, and which matrix
// pixel the mouse is over: shared by the pixel map and the compare panel.
import { formatNumber } from '../src/contract/format';
import { percentile } from '../src/contract/quantities';
import { niceTicks } from './mapScale';
import { setText } from './vscodeApi';

/**
 * The matrix as an ImageData: values in [lo, hi] through the 256-entry `table` (log scale when `log`, lo > 0);
 * `fixed(p)` gives a pixel a colour of its own (status, masked…); non-finite values stay transparent.
 */
export function paintMatrix(values: ArrayLike<number>, rows: number, cols: number, table: Uint8Array, lo: number, hi: number,
  log: boolean, fixed?: (p: number) => readonly number[] | undefined): ImageData {
  const image = new ImageData(cols, rows), px = image.data;
  const a = log ? Math.log(lo) : lo, b = log ? Math.log(hi) : hi;
  for (let p = 0; p < rows * cols; p++) {
    const v = values[p], o = p * 4;
    px[o + 3] = 255;
    const rgb = fixed?.(p);
    if (rgb) { px[o] = rgb[0]; px[o + 1] = rgb[1]; px[o + 2] = rgb[2]; continue; }
    if (!Number.isFinite(v)) { px[o + 3] = 0; continue; } // no value: transparent (editor background)
    const x = ((log ? Math.log(Math.max(v, lo)) : v) - a) / (b - a);
    const k = Math.max(0, Math.min(255, Math.round(x * 255))) * 3;
    px[o] = table[k]; px[o + 1] = table[k + 1]; px[o + 2] = table[k + 2];
  }
  return image;
}

/** The vertical colour bar of [lo, hi] with round ticks and the quantity's label. */
export function drawColorbar(bar: HTMLCanvasElement, ticksBox: HTMLElement, table: Uint8Array, lo: number, hi: number, log: boolean, label: string): void {
  const h = bar.clientHeight || 200;
  bar.height = h;
  const bctx = bar.getContext('2d')!;
  for (let y = 0; y < h; y++) {
    const k = Math.round((1 - y / (h - 1)) * 255) * 3;
    bctx.fillStyle = `rgb(${table[k]},${table[k + 1]},${table[k + 2]})`;
    bctx.fillRect(0, y, bar.width, 1);
  }
  const pos = (v: number) => (log ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo));
  const ticks = niceTicks(lo, hi, log).map(v => {
    const span = document.createElement('span');
    span.style.top = `${(1 - pos(v)) * 100}%`;
    setText(span, formatNumber(v, 3));
    return span;
  });
  const unit = document.createElement('span');
  unit.className = 'unit';
  setText(unit, label);
  ticksBox.replaceChildren(unit, ...ticks);
}

/** A range centred on 0 covering the 1–99 % quantiles of sorted values: signed quantities keep 0 in the middle. */
export function symmetricRange(sorted: ArrayLike<number>): [number, number] {
  const a = Math.max(Math.abs(percentile(sorted, 0.01)), Math.abs(percentile(sorted, 0.99)));
  return Number.isFinite(a) && a > 0 ? [-a, a] : [-1, 1];
}

/** The matrix pixel [row, col] under the mouse on a canvas showing rows×cols (zoomed or not), if any. */
export function pixelAt(canvas: HTMLCanvasElement, ev: MouseEvent, rows: number, cols: number): [number, number] | undefined {
  const r = canvas.getBoundingClientRect();
  const col = Math.floor(((ev.clientX - r.left) / r.width) * cols), row = Math.floor(((ev.clientY - r.top) / r.height) * rows);
  return row >= 0 && row < rows && col >= 0 && col < cols ? [row, col] : undefined;
}

/** Row and column numbers along a map of `size` px (following zoom and pan when the map is zoomed). */
export function drawAxes(colAxis: HTMLElement, rowAxis: HTMLElement, rows: number, cols: number, size: number,
  view: { zoom: number; panX: number; panY: number } = { zoom: 1, panX: 0, panY: 0 }): void {
  const ticks = (n: number, horizontal: boolean) => niceTicks(0, n - 1, false, 4).map(i => {
    const span = document.createElement('span');
    const at = (horizontal ? view.panX : view.panY) + view.zoom * ((i + 0.5) / n) * size;
    if (at < 0 || at > size) return undefined;
    span.style[horizontal ? 'left' : 'top'] = `${at}px`;
    setText(span, String(i));
    return span;
  }).filter((s): s is HTMLSpanElement => !!s);
  colAxis.replaceChildren(...ticks(cols, true));
  rowAxis.replaceChildren(...ticks(rows, false));
}
