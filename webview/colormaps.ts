// Colormaps sampled at a few stops and interpolated linearly (viridis for magnitudes, a diverging map for residuals).
type Stop = [number, number, number];

const VIRIDIS: Stop[] = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137],
  [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];
const DIVERGING: Stop[] = [[59, 76, 192], [124, 159, 249], [192, 212, 245], [242, 203, 183], [238, 132, 104], [180, 4, 38]];

export type ColormapName = 'viridis' | 'diverging';

/** 256-entry RGB lookup table. */
export function colormapTable(name: ColormapName): Uint8Array {
  const stops = name === 'viridis' ? VIRIDIS : DIVERGING;
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (stops.length - 1), k = Math.min(Math.floor(x), stops.length - 2), f = x - k;
    for (let c = 0; c < 3; c++) table[i * 3 + c] = Math.round(stops[k][c] + f * (stops[k + 1][c] - stops[k][c]));
  }
  return table;
}
