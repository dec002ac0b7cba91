// Text forms of numbers and matrices in the output files (numpy-compatible `nan`).

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

export function matrixToCsv(values: ArrayLike<number>, rows: number, cols: number): string {
  const lines: string[] = new Array(rows);
  const cells: string[] = new Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) cells[c] = formatNumber(values[r * cols + c]);
    lines[r] = cells.join(',');
  }
  return lines.join('\n') + '\n';
}

export function columnToCsv(values: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < values.length; i++) s += formatNumber(values[i]) + '\n';
  return s;
}
