// Purpose-built parser for one acquisition: rows of comma-separated non-negative hit counts.
// The hot path handles plain integers byte by byte; anything else (numpy's `1.0e+00`, spaces, garbage)
// falls back to a per-cell slow path that either accepts an integral value or reports exactly where and why.
// csv-parse is the oracle for this parser in test/engine/matrixParser.test.ts.
import * as fs from 'fs';

export interface MatrixShape {
  rows: number;
  cols: number;
}

export class MatrixFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = 'MatrixFormatError';
  }
}

const COMMA = 44, LF = 10, CR = 13, ZERO = 48, NINE = 57;

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

function describeFound(text: string): string {
  const shown = text.length > 40 ? text.slice(0, 40) + '…' : text;
  return JSON.stringify(shown);
}

function bomLength(bytes: Uint8Array, length: number): number {
  return length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/** Shape from the first line (cells) and the number of non-empty lines (rows). */
export function inferShape(bytes: Uint8Array, length: number): MatrixShape {
  let i = bomLength(bytes, length);
  let cols = 1, rows = 0, lineHasContent = false, firstLineDone = false;
  for (; i < length; i++) {
    const c = bytes[i];
    if (c === LF || c === CR) {
      if (lineHasContent) { rows++; firstLineDone = true; }
      lineHasContent = false;
    } else {
      if (!isBlank(c)) lineHasContent = true;
      if (c === COMMA && !firstLineDone) cols++;
    }
  }
  if (lineHasContent) rows++;
  return { rows, cols };
}

/**
 * Parses `bytes[0, length)` into `out` (row-major, `rows*cols`), checking the shape.
 * Throws MatrixFormatError naming the 1-based line and column (cell index) and what was expected.
 */
export function parseMatrixBytes(
  bytes: Uint8Array, length: number, file: string, shape: MatrixShape, out: Float64Array,
): void {
  const { rows, cols } = shape;
  if (length === 0 || (length === bomLength(bytes, length))) {
    throw new MatrixFormatError(file, 1, 1, `empty file: expected ${rows} lines of ${cols} comma-separated hit counts`);
  }
  let i = bomLength(bytes, length);
  let row = 0, col = 0, value = 0, digits = 0, cellStart = i;
  const fail = (detail: string): never => { throw new MatrixFormatError(file, row + 1, col + 1, detail); };

  while (i < length) {
    const c = bytes[i];
    if (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      digits++;
      i++;
      continue;
    }
    if (c === COMMA) {
      if (digits === 0) fail('empty cell: expected a non-negative integer hit count');
      if (col >= cols - 1) fail(`too many values: expected ${cols} per line`);
      out[row * cols + col] = value;
      col++; value = 0; digits = 0; i++; cellStart = i;
      continue;
    }
    if (c === LF || c === CR) {
      if (digits === 0 && col === 0) {
        // An empty line is only allowed as trailing whitespace at the end of the file.
        let j = i;
        while (j < length && (bytes[j] === LF || bytes[j] === CR || isBlank(bytes[j]))) j++;
        if (j === length) break;
        if (row < rows) fail(`empty line: expected ${cols} comma-separated hit counts`);
        fail(`too many lines: expected ${rows}`);
      }
      if (digits === 0) fail('empty cell: expected a non-negative integer hit count');
      if (row >= rows) fail(`too many lines: expected ${rows}`);
      out[row * cols + col] = value;
      if (col !== cols - 1) fail(`line has ${col + 1} values: expected ${cols}`);
      row++; col = 0; value = 0; digits = 0;
      i += (c === CR && i + 1 < length && bytes[i + 1] === LF) ? 2 : 1;
      cellStart = i;
      continue;
    }
    // Slow path: the whole cell as text (float notation, blanks, or invalid content).
    let end = cellStart;
    while (end < length && bytes[end] !== COMMA && bytes[end] !== LF && bytes[end] !== CR) end++;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + cellStart, end - cellStart).toString('latin1').trim();
    if (text.length === 0) {
      if (col === 0 && end < length && bytes[end] !== COMMA) {
        // a line of blanks: treat like an empty line
        i = end; digits = 0; continue;
      }
      fail('empty cell: expected a non-negative integer hit count');
    }
    const v = Number(text);
    if (!Number.isFinite(v) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
      fail(`expected a non-negative integer hit count, found ${describeFound(text)}`);
    }
    if (v < 0) fail(`negative hit count ${describeFound(text)}: expected a non-negative integer`);
    if (Math.abs(v - Math.round(v)) > 1e-9 * Math.max(1, Math.abs(v))) {
      fail(`non-integer hit count ${describeFound(text)}: expected a non-negative integer`);
    }
    value = Math.round(v);
    digits = 1;
    i = end;
  }
  if (digits > 0) {
    // last line without trailing newline
    if (row >= rows) fail(`too many lines: expected ${rows}`);
    out[row * cols + col] = value;
    if (col !== cols - 1) fail(`line has ${col + 1} values: expected ${cols}`);
    row++; col = 0;
  } else if (col > 0) {
    fail('empty cell: expected a non-negative integer hit count');
  }
  if (row !== rows) {
    throw new MatrixFormatError(file, row + 1, 1, `truncated file: expected ${rows} lines, found ${row}`);
  }
}

/** Reads acquisition files into reused buffers (one reader per thread). */
export class MatrixReader {
  private bytes = new Uint8Array(1 << 18);

  /** Reads the whole file; returns the buffer and the byte length. */
  readBytes(file: string): { bytes: Uint8Array; length: number } {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      throw new MatrixFormatError(file, 0, 0, `unreadable file: ${(e as Error).message}`);
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size > this.bytes.length) this.bytes = new Uint8Array(Math.max(size, this.bytes.length * 2));
      let length = 0;
      while (length < size) {
        const n = fs.readSync(fd, this.bytes, length, size - length, length);
        if (n === 0) break;
        length += n;
      }
      return { bytes: this.bytes, length };
    } catch (e) {
      throw new MatrixFormatError(file, 0, 0, `unreadable file: ${(e as Error).message}`);
    } finally {
      fs.closeSync(fd);
    }
  }

  read(file: string, shape: MatrixShape, out: Float64Array): void {
    const { bytes, length } = this.readBytes(file);
    parseMatrixBytes(bytes, length, file, shape, out);
  }

  /** Reads a file whose shape is not known yet (the first file of a scan, a mask). */
  readWithShape(file: string): { shape: MatrixShape; values: Float64Array } {
    const { bytes, length } = this.readBytes(file);
    const shape = inferShape(bytes, length);
    if (shape.rows === 0) throw new MatrixFormatError(file, 1, 1, 'empty file: expected lines of comma-separated hit counts');
    const values = new Float64Array(shape.rows * shape.cols);
    parseMatrixBytes(bytes, length, file, shape, values);
    return { shape, values };
  }
}
