// Scales of the pixel map: nice colour-bar ticks, histogram bins with under/overflow, the status palette.

/** About `count` round tick values covering [lo, hi] (1-2-5 steps; decades on a log scale). */
export function niceTicks(lo: number, hi: number, log: boolean, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  if (log && lo > 0) {
    const out: number[] = [];
    for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++) out.push(10 ** e);
    return out.length >= 2 ? out : [lo, hi];
  }
  const raw = (hi - lo) / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(f => f * mag).find(s => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export interface Histogram { edges: number[]; counts: number[]; underflow: number; overflow: number }

/** `bins` equal bins over [lo, hi] of sorted finite values, with the values below and above counted apart. */
export function histogram(sorted: ArrayLike<number>, lo: number, hi: number, bins: number, log: boolean): Histogram {
  const a = log ? Math.log(lo) : lo, b = log ? Math.log(hi) : hi, width = (b - a) / bins;
  const counts = new Array<number>(bins).fill(0);
  let underflow = 0, overflow = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    if (v < lo) { underflow++; continue; }
    if (v > hi) { overflow++; continue; }
    counts[Math.min(bins - 1, Math.floor(((log ? Math.log(v) : v) - a) / width))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, k) => (log ? Math.exp(a + k * width) : a + k * width));
  return { edges, counts, underflow, overflow };
}

/** Colours of the fit statuses (categorical: ok, masked, dead, failed, bad-fit, too-few-points). */
export const STATUS_COLORS: Array<[number, number, number]> = [
  [87, 179, 106], [110, 110, 110], [0, 0, 0], [214, 95, 95], [232, 163, 61], [166, 127, 214],
];
/** Pixels where σ is only an upper limit. */
export const LIMIT_COLOR: [number, number, number] = [170, 170, 170];
