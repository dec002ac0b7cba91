// The display rule shared by report, tree and webviews: value ± error rounded to two digits of the error.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatNumber, formatWithError } from '../../src/contract/format';

test('value ± error: two significant digits of the error, value to the same decimal', () => {
  assert.equal(formatWithError(1437.84, 12.3924), '1438 ± 12');
  assert.equal(formatWithError(1437.84, 1.23924), '1437.8 ± 1.2');
  assert.equal(formatWithError(0.012345, 0.00067), '0.01235 ± 0.00067');
  assert.equal(formatWithError(1437.84, 123.9), '1440 ± 120');
  assert.equal(formatWithError(6.12, 0.0996), '6.12 ± 0.10');
  assert.equal(formatWithError(14.2, 0.35, 'DAC'), '14.20 ± 0.35 DAC');
  assert.equal(formatWithError(1.5e9, 2.3e7), '(1.500 ± 0.023)e9');
});

test('no usable error: the value alone; non-finite values are n/a', () => {
  assert.equal(formatWithError(1437.84, NaN), '1438');
  assert.equal(formatWithError(null, 1), 'n/a');
  assert.equal(formatWithError(2.5, 0, 'Hz'), '2.5 Hz');
  assert.equal(formatNumber(123456789), '1.235e+8');
  assert.equal(formatNumber(0.5), '0.5');
  assert.equal(formatNumber(Infinity), 'n/a');
});
