import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { MatrixFormatError, MatrixReader, parseMatrixBytes } from '../../src/engine/matrixParser';
import { Random } from '../../src/engine/random';
import { PlainParseKernel } from '../../src/engine/plainParseKernel';
import { readMatrixWithCsvParse, scratchDir } from './helpers';

const dir = scratchDir('parser');

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

function randomMatrixText(rng: Random, rows: number, cols: number): string {
  const style = rng.uniform();
  const eol = rng.uniform() < 0.3 ? '\r\n' : '\n';
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < cols; c++) {
      const v = rng.uniform() < 0.6 ? 0 : Math.floor(rng.uniform() ** 4 * 100000);
      cells.push(style < 0.3 ? v.toExponential(18).replace(/e([+-])(\d)$/, 'e$10$2') : style < 0.4 ? ` ${v} ` : String(v));
    }
    lines.push(cells.join(','));
  }
  const bom = rng.uniform() < 0.2 ? '\ufeff' : '';
  return bom + lines.join(eol) + (rng.uniform() < 0.8 ? eol : '');
}

test('byte parser agrees with csv-parse on 200 random matrices (ints, numpy floats, blanks, CRLF, BOM, no final newline)', () => {
  const rng = new Random(42);
  const reader = new MatrixReader();
  for (let i = 0; i < 200; i++) {
    const rows = 1 + Math.floor(rng.uniform() * 20), cols = 1 + Math.floor(rng.uniform() * 20);
    const file = write(`random_${i}.csv`, randomMatrixText(rng, rows, cols));
    const { shape, values } = reader.readWithShape(file);
    const oracle = readMatrixWithCsvParse(file);
    assert.deepEqual(shape, { rows: oracle.length, cols: oracle[0].length }, file);
    assert.deepEqual(Array.from(values), oracle.flat(), file);
  }
});

function parseError(content: string, rows = 3, cols = 3): MatrixFormatError {
  const bytes = Buffer.from(content, 'latin1');
  try {
    parseMatrixBytes(bytes, bytes.length, 'f.csv', { rows, cols }, new Float64Array(rows * cols));
  } catch (e) {
    assert.ok(e instanceof MatrixFormatError, String(e));
    return e;
  }
  assert.fail(`no error for ${JSON.stringify(content)}`);
}

test('bad input names file, line, column and what was expected', () => {
  let e = parseError('1,2,3\n4,x5,6\n7,8,9\n');
  assert.equal(e.line, 2); assert.equal(e.column, 2);
  assert.match(e.message, /^f\.csv:2:2: expected a non-negative integer hit count, found "x5"$/);
  e = parseError('1,2,3\n4,5,6\n7,-8,9\n');
  assert.equal(e.line, 3); assert.equal(e.column, 2); assert.match(e.message, /negative hit count "-8"/);
  e = parseError('1,2,3\n4,5\n7,8,9\n');
  assert.equal(e.line, 2); assert.match(e.message, /line has 2 values: expected 3/);
  e = parseError('1,2,3\n4,5,6,7\n7,8,9\n');
  assert.equal(e.line, 2); assert.equal(e.column, 3); assert.match(e.message, /too many values: expected 3/);
  e = parseError('1,2,3\n4,5,6\n');
  assert.equal(e.line, 3); assert.match(e.message, /truncated file: expected 3 lines, found 2/);
  e = parseError('1,2,3\n4,5,6\n7,8,9\n1,2,3\n');
  assert.equal(e.line, 4); assert.match(e.message, /too many lines: expected 3/);
  e = parseError('1,2,3\n\n4,5,6\n7,8,9\n');
  assert.equal(e.line, 2); assert.match(e.message, /empty line/);
  e = parseError('1,,3\n4,5,6\n7,8,9\n');
  assert.equal(e.column, 2); assert.match(e.message, /empty cell/);
  e = parseError('1,2,3\n4,2.5,6\n7,8,9\n');
  assert.match(e.message, /non-integer hit count "2.5"/);
  e = parseError('1,2,3\n4,nan,6\n7,8,9\n');
  assert.match(e.message, /found "nan"/);
  e = parseError('');
  assert.match(e.message, /empty file/);
  e = parseError('1,2,3\n4,5,6\n7,8,');
  assert.equal(e.line, 3); assert.equal(e.column, 3); assert.match(e.message, /empty cell/);
});

test('accepted variants: CRLF, BOM, numpy float text, no final newline, trailing blank lines', () => {
  const ok = (content: string) => {
    const bytes = Buffer.from(content, 'utf8');
    const out = new Float64Array(4);
    parseMatrixBytes(bytes, bytes.length, 'ok.csv', { rows: 2, cols: 2 }, out);
    return Array.from(out);
  };
  assert.deepEqual(ok('1,2\r\n3,4\r\n'), [1, 2, 3, 4]);
  assert.deepEqual(ok('\ufeff1,2\n3,4'), [1, 2, 3, 4]);
  assert.deepEqual(ok('1.000000000000000000e+00,2.000000000000000000e+00\n3.000000000000000000e+00,0.000000000000000000e+00\n'), [1, 2, 3, 0]);
  assert.deepEqual(ok('1,2\n3,4\n\n\n'), [1, 2, 3, 4]);
});

test('unreadable file is a MatrixFormatError naming the file', () => {
  const reader = new MatrixReader();
  const missing = path.join(dir, 'does-not-exist.csv');
  assert.throws(() => reader.read(missing, { rows: 2, cols: 2 }, new Float64Array(4)),
    (e: unknown) => e instanceof MatrixFormatError && e.line === 0 &&
      e.message === `${missing}: unreadable file (ENOENT: no such file or directory)`, 'no meaningless :0:0, no repeated path');
});

test('counts are exact up to 2^53; a cell beyond what the format allows is an error at its line and column', () => {
  const values = (content: string, rows: number, cols: number) => {
    const out = new Float64Array(rows * cols), bytes = Buffer.from(content, 'latin1');
    const total = parseMatrixBytes(bytes, bytes.length, 'f.csv', { rows, cols }, out);
    return { values: Array.from(out), total };
  };
  assert.deepEqual(values('3000000000,1\n9007199254740991,0\n', 2, 2),
    { values: [3000000000, 1, 9007199254740991, 0], total: 3000000001 + 9007199254740991 });
  assert.deepEqual(values('4.000000000000000000e+09,2.0\n', 1, 2).values, [4e9, 2]);
  for (const [cell, what] of [['1e30', /hit count "1e30" too large: expected an integer ≤ 2\^53/],
    ['9007199254740993', /hit count "9007199254740993" too large/], ['123456789012345678901234', /too large/],
    ['1234567890.5', /non-integer hit count "1234567890.5"/]] as const) {
    const e = parseError(`1,2,3\n4,5,${cell}\n7,8,9\n`);
    assert.equal(e.line, 2); assert.equal(e.column, 3); assert.match(e.message, what);
  }
});

test('the WebAssembly kernel agrees with csv-parse on integer and numpy-float matrices and declines everything else untouched', () => {
  const rng = new Random(7);
  let plain = 0, declined = 0;
  for (let i = 0; i < 200; i++) {
    const rows = 1 + Math.floor(rng.uniform() * 12), cols = 1 + Math.floor(rng.uniform() * 40);
    const file = write(`kernel_${i}.csv`, randomMatrixText(rng, rows, cols));
    const kernel = PlainParseKernel.create(rows * cols)!;
    assert.ok(kernel, 'dist/parseKernel.wasm is built');
    const before = Int32Array.from({ length: rows * cols }, (_, p) => p % 7);
    kernel.counts.set(before);
    const { length } = kernel.read(file);
    const total = kernel.parseAdd(length, rows, cols);
    const oracle = readMatrixWithCsvParse(file).flat();
    if (total < 0) {
      declined++;
      assert.deepEqual(Array.from(kernel.counts), Array.from(before), 'a declined file leaves the counts as they were');
      assert.ok(fs.readFileSync(file, 'latin1').includes(' '), `only files with blanks are declined: ${file}`);
      continue;
    }
    plain++;
    assert.equal(total, oracle.reduce((s, v) => s + v, 0));
    assert.deepEqual(Array.from(kernel.values), oracle, file);
    assert.deepEqual(Array.from(kernel.counts), oracle.map((v, p) => v + before[p]), file);
    kernel.subtractValues();
    assert.deepEqual(Array.from(kernel.counts), Array.from(before));
  }
  assert.ok(plain > 150 && declined > 5, `${plain} accepted, ${declined} declined`);
  const kernel = PlainParseKernel.create(9)!;
  const one = (text: string): number[] | undefined => {
    const file = write('kernel_one.csv', text);
    const k = PlainParseKernel.create(3)!;
    k.counts.fill(0);
    return k.parseAdd(k.read(file).length, 1, 3) < 0 ? undefined : Array.from(k.values);
  };
  assert.deepEqual(one('1.000000000000000000e+00,0.000000000000000000e+00,1.230000000000000000e+02\n'), [1, 0, 123]);
  assert.deepEqual(one('1.0e+01,7.,3E0\n'), [10, 7, 3]);
  assert.deepEqual(one('12,2.500000000000000000e+00,1\n'), undefined, 'a non-integer is left to the TypeScript parser');
  assert.deepEqual(one('1,2e-01,1\n'), undefined);
  assert.deepEqual(one('1,2e,1\n'), undefined);
  for (const bad of ['1,2,3\n4,5\n7,8,9\n', '1,2,3\n4,5,6,7\n7,8,9\n', '1,2,3\n4,5,6\n', '1,-2,3\n4,5,6\n7,8,9\n', '1,2,3\n4,5,6\n7,8,9\n1\n']) {
    const file = write('kernel_bad.csv', bad);
    kernel.counts.fill(0);
    assert.equal(kernel.parseAdd(kernel.read(file).length, 3, 3), -1, JSON.stringify(bad));
    assert.deepEqual(Array.from(kernel.counts), new Array(9).fill(0));
  }
});
