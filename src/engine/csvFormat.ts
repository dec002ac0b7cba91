// Text forms of numbers and matrices in the output files (numpy-compatible `nan`): the contract's, under the
// names the engine uses.
import { csvNumber, matrixCsv } from '../contract/quantities';

export { csvNumber as formatNumber, matrixCsv as matrixToCsv };

export function columnToCsv(values: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < values.length; i++) s += csvNumber(values[i]) + '\n';
  return s;
}
