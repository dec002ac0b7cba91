// Purpose-built parser for one acquisition: rows of comma-separated non-negative hit counts.
// The hot path handles plain integers byte by byte; anything else (numpy's `1.0e+00`, spaces, garbage)
// falls back to a per-cell slow path that either accepts an integral value or reports exactly where and why.
// csv-parse is the oracle for this parser in test/engine/matrixParser.test.ts.
import * as fs from 'fs';

export interface MatrixShape {
  rows: number;
  cols: number;
}

/** A file that cannot be read or parsed. `line` and `column` are 1-based, 0 when the fault has no position
 *  (an unreadable file): the message then names the file alone, never a meaningless `:0:0`. */
export class MatrixFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}${line > 0 ? `:${line}:${column}` : ''}: ${detail}`);
    this.name = 'MatrixFormatError';
  }
}

/** Largest hit count a cell may hold: sums stay exact in float64 up to 2^53. */
export const MAX_CELL_COUNT = Number.MAX_SAFE_INTEGER;

const COMMA = 44, LF = 10, CR = 13, ZERO = 48;

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

const EOF_SENTINEL = 0; // written at bytes[length]: neither digit nor delimiter, so the hot loop needs no bounds check

/**
 * Parses `bytes[0, length)` into `out` (row-major, `rows*cols`), checking the shape.
 * Throws MatrixFormatError naming the 1-based line and column (cell index) and what was expected.
 * Fast path per cell: digits then the expected delimiter; anything else goes through `slowCell`.
 * Returns the sum of all values.
 */
export function parseMatrixBytes(
  input: Uint8Array, length: number, file: string, shape: MatrixShape, out: Float64Array,
): number {
  const { rows, cols } = shape;
  let bytes = input;
  if (bytes.length <= length || bytes[length] !== EOF_SENTINEL) {
    bytes = new Uint8Array(length + 1);
    bytes.set(input.subarray(0, length));
  }
  const start = bomLength(bytes, length);
  if (length === start) {
    throw new MatrixFormatError(file, 1, 1, `empty file: expected ${rows} lines of ${cols} comma-separated hit counts`);
  }
  let i = start, total = 0;
  const last = cols - 1;
  for (let row = 0; row < rows; row++) {
    const base = row * cols;
    for (let col = 0; col < cols; col++) {
      // The dominant cell in a scan is one digit and a comma ("0,"): take it in one step.
      if (bytes[i + 1] === COMMA && col < last) {
        const d = bytes[i] - ZERO;
        if (d >= 0 && d <= 9) {
          out[base + col] = d;
          total += d; i += 2; continue;
        }
      }
      let c = bytes[i];
      let value = c - ZERO;
      if (value >= 0 && value <= 9) {
        c = bytes[++i];
        let d = c - ZERO;
        while (d >= 0 && d <= 9) { value = value * 10 + d; c = bytes[++i]; d = c - ZERO; }
        if ((c !== COMMA && c !== LF && c !== CR && i < length) || value > MAX_CELL_COUNT) {
          value = slowCell(bytes, cellStart(bytes, i, start), length, file, rows, row, col);
          i = slowEnd; c = bytes[i];
        }
      } else {
        value = slowCell(bytes, i, length, file, rows, row, col);
        i = slowEnd; c = bytes[i];
      }
      out[base + col] = value;
      total += value;
      if (col < last) {
        if (c === COMMA) { i++; continue; }
        throw new MatrixFormatError(file, row + 1, col + 1, `line has ${col + 1} values: expected ${cols}`);
      }
      if (c === COMMA) throw new MatrixFormatError(file, row + 1, col + 1, `too many values: expected ${cols} per line`);
      if (c === CR) { i++; if (bytes[i] === LF) i++; } else if (c === LF) i++;
    }
  }
  while (i < length && (bytes[i] === LF || bytes[i] === CR || isBlank(bytes[i]))) i++;
  if (i < length) throw new MatrixFormatError(file, rows + 1, 1, `too many lines: expected ${rows}`);
  return total;
}

/** Start of the cell that ends at `i` (the fast path found a bad character inside it). */
function cellStart(bytes: Uint8Array, i: number, start: number): number {
  while (i > start && bytes[i - 1] !== COMMA && bytes[i - 1] !== LF && bytes[i - 1] !== CR) i--;
  return i;
}

let slowEnd = 0;

/** One cell as text (float notation, blanks, or invalid content); sets slowEnd to the delimiter. */
function slowCell(bytes: Uint8Array, begin: number, length: number, file: string, rows: number, row: number, col: number): number {
  const fail = (detail: string): never => { throw new MatrixFormatError(file, row + 1, col + 1, detail); };
  let end = begin;
  while (end < length && bytes[end] !== COMMA && bytes[end] !== LF && bytes[end] !== CR) end++;
  slowEnd = end;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + begin, end - begin).toString('latin1').trim();
  if (text.length === 0) {
    if (col === 0 && (end >= length || bytes[end] !== COMMA)) {
      let j = end;
      while (j < length && (bytes[j] === LF || bytes[j] === CR || isBlank(bytes[j]))) j++;
      if (j >= length) throw new MatrixFormatError(file, row + 1, 1, `truncated file: expected ${rows} lines, found ${row}`);
      fail(`empty line: expected comma-separated hit counts`);
    }
    fail('empty cell: expected a non-negative integer hit count');
  }
  const v = Number(text);
  if (!Number.isFinite(v) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    fail(`expected a non-negative integer hit count, found ${describeFound(text)}`);
  }
  if (v < 0) fail(`negative hit count ${describeFound(text)}: expected a non-negative integer`);
  if (v > MAX_CELL_COUNT) fail(`hit count ${describeFound(text)} too large: expected an integer ≤ 2^53 (${MAX_CELL_COUNT})`);
  if (!Number.isInteger(v)) fail(`non-integer hit count ${describeFound(text)}: expected a non-negative integer`);
  return v;
}

/** An I/O failure as a position-less file error; node's message without the path it repeats. */
function unreadable(file: string, e: unknown): MatrixFormatError {
  const message = (e as Error).message.replace(/, \w+ '.*'$/s, '');
  return new MatrixFormatError(file, 0, 0, `unreadable file (${message})`);
}

/**
 * Reads a whole file into a buffer supplied by `buffer(size)` (at least size + 1 bytes: room for the sentinel).
 * Returns the buffer and the byte length.
 */
export function readFileInto(file: string, buffer: (size: number) => Uint8Array): { bytes: Uint8Array; length: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw unreadable(file, e);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const bytes = buffer(size);
    let length = 0;
    while (length < size) {
      const n = fs.readSync(fd, bytes, length, size - length, length);
      if (n === 0) break;
      length += n;
    }
    bytes[length] = EOF_SENTINEL;
    return { bytes, length };
  } catch (e) {
    throw unreadable(file, e);
  } finally {
    fs.closeSync(fd);
  }
}

export class MatrixReader {
  private bytes = new Uint8Array(1 << 18);

  /** Reads the whole file into this reader's reused buffer. */
  readBytes(file: string): { bytes: Uint8Array; length: number } {
    return readFileInto(file, size => {
      if (size + 1 > this.bytes.length) this.bytes = new Uint8Array(Math.max(size + 1, this.bytes.length * 2));
      return this.bytes;
    });
  }

  /** Parses a file into `out`; returns the sum of its values. */
  read(file: string, shape: MatrixShape, out: Float64Array): number {
    const { bytes, length } = this.readBytes(file);
    return parseMatrixBytes(bytes, length, file, shape, out);
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
