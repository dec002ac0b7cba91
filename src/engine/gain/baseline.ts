// The noise baseline of every pixel (and optionally its width) from the ASIC's equalisation: read and checked like
// a mask (same parser, shape, file/line/column in errors). `nan`, empty and ≤ 0 cells mean "no baseline here".
import { MatrixFormatError, MatrixShape, readPixelMatrix } from '../matrixParser';

export interface Baseline {
  file: string;
  /** Baseline in DAC per pixel; NaN where the pixel has none. */
  values: Float64Array;
  /** Standard uncertainty of the baseline per pixel (DAC), when a width file is given; NaN cells: none known. */
  width?: Float64Array;
  widthFile?: string;
  pixelsWithBaseline: number;
  /** Every baseline is a whole number of DAC: curves can be shifted exactly, without re-binning. */
  integral: boolean;
}

export function readBaseline(file: string, shape: MatrixShape, widthFile?: string): Baseline {
  const values = readPixelMatrix(file, shape, 'baseline', 'real').values;
  let pixelsWithBaseline = 0, integral = true;
  for (let p = 0; p < values.length; p++) {
    if (!(values[p] > 0)) { values[p] = NaN; continue; }
    pixelsWithBaseline++;
    if (values[p] !== Math.round(values[p])) integral = false;
  }
  let width: Float64Array | undefined;
  if (widthFile) {
    width = readPixelMatrix(widthFile, shape, 'baseline width', 'real').values;
    for (let p = 0; p < width.length; p++) {
      if (width[p] < 0) {
        throw new MatrixFormatError(widthFile, Math.floor(p / shape.cols) + 1, (p % shape.cols) + 1,
          `negative baseline width ${width[p]}: expected a width ≥ 0 in DAC (or nan)`);
      }
    }
  }
  return { file, values, width, widthFile, pixelsWithBaseline, integral };
}
