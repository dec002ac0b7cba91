// Colormaps sampled at a few stops and interpolated linearly: viridis for magnitudes, a diverging map for
// residuals, and `balance` for signed differences (Δ maps): blue below 0, a neutral grey-white exactly at 0, red above.
type Stop = [number, number, number];

const VIRIDIS: Stop[] = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137],
  [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];
const DIVERGING: Stop[] = [[59, 76, 192], [124, 159, 249], [192, 212, 245], [242, 203, 183], [238, 132, 104], [180, 4, 38]];
/** The neutral colour of `balance`: where a difference is 0. */
export const NEUTRAL: Stop = [242, 242, 242];
const BALANCE_LOW: Stop[] = [[5, 48, 97], [33, 102, 172], [103, 169, 207], [209, 229, 240], NEUTRAL];
const BALANCE_HIGH: Stop[] = [NEUTRAL, [253, 219, 199], [239, 138, 98], [178, 24, 43], [103, 0, 31]];

export type ColormapName = 'viridis' | 'diverging' | 'balance';

function interpolate(stops: Stop[], table: Uint8Array, from: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const x = (i / (count - 1)) * (stops.length - 1), k = Math.min(Math.floor(x), stops.length - 2), f = x - k;
    for (let c = 0; c < 3; c++) table[(from + i) * 3 + c] = Math.round(stops[k][c] + f * (stops[k + 1][c] - stops[k][c]));
  }
}

/** 256-entry RGB lookup table. `balance` is two halves meeting at entries 127 and 128, both NEUTRAL, so that the
 *  middle of a symmetric range [−a, a] (0) is exactly neutral whichever way it rounds. */
export function colormapTable(name: ColormapName): Uint8Array {
  const table = new Uint8Array(256 * 3);
  if (name === 'balance') {
    interpolate(BALANCE_LOW, table, 0, 128);
    interpolate(BALANCE_HIGH, table, 128, 128);
  } else interpolate(name === 'viridis' ? VIRIDIS : DIVERGING, table, 0, 256);
  return table;
}
