// AssemblyScript kernel for the hot path of matrix parsing (compiled to dist/parseKernel.wasm by scripts/build.mjs).
// It accepts only the plain grammar (optional BOM, unsigned integers or numpy's float text of integers such as
// 3.000000000000000000e+00, ',' between cells, LF or CRLF line ends, exact shape, trailing blank lines); anything
// else returns -1 and the TypeScript parser takes the file, which also produces the precise error messages.
// Cells are bounded (integers ≤ 10^8, float text < 10^9: KERNEL_MAX_CELL in plainParseKernel.ts), so the caller
// can flush the i32 counts into float64 sums before any of them could pass 2^31 − 1.

const COMMAS: u64 = 0x2c002c002c002c00;
const COMMA_MASK: u64 = 0xff00ff00ff00ff00;
const DIGIT_MASK: u64 = 0x00ff00ff00ff00ff;
const ZEROS: u64 = 0x0030003000300030;
const TEN_CHECK: u64 = 0x0076007600760076;
const HIGH_BITS: u64 = 0xff80ff80ff80ff80;

const NOT_A_COUNT: i64 = -1;
/** Lanes of a 16-byte load that hold digits (even bytes) and commas (odd bytes) in eight one-digit cells. */
const EVEN_BYTES = v128(-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0);
const ODD_BYTES = v128(0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1);

/** 10^k for k in 0..18 (u64). */
function pow10(k: i32): u64 {
  let r: u64 = 1;
  for (let i = 0; i < k; i++) r *= 10;
  return r;
}

let floatEnd: usize = 0;

/**
 * The rest of a float cell after its integer digits `intPart` (at `i`, a '.' or 'e'/'E'): fraction digits, then an
 * optional exponent. Returns the value when it is a non-negative integer below 10^9, else NOT_A_COUNT; sets floatEnd.
 */
function floatTail(i: usize, end: usize, intPart: u64): i64 {
  let significand: u64 = intPart;
  let digits: i32 = 0; // fraction digits taken into the significand
  if (load<u8>(i) == 46) {
    i++;
    while (i < end) {
      const d = <i32>load<u8>(i) - 48;
      if (<u32>d > 9) break;
      if (digits >= 18) return NOT_A_COUNT;
      significand = significand * 10 + <u64>d;
      digits++;
      i++;
    }
  }
  let exponent: i32 = 0;
  if (i < end && (load<u8>(i) == 101 || load<u8>(i) == 69)) {
    i++;
    let negative = false;
    if (i < end && (load<u8>(i) == 43 || load<u8>(i) == 45)) { negative = load<u8>(i) == 45; i++; }
    let n = 0;
    while (i < end) {
      const d = <i32>load<u8>(i) - 48;
      if (<u32>d > 9) break;
      exponent = exponent * 10 + d;
      if (exponent > 99) return NOT_A_COUNT;
      n++;
      i++;
    }
    if (n == 0) return NOT_A_COUNT;
    if (negative) exponent = -exponent;
  }
  floatEnd = i;
  const shift = exponent - digits; // value = significand · 10^shift
  if (shift >= 0) {
    if (shift > 8) return significand == 0 ? 0 : NOT_A_COUNT;
    const v = significand * pow10(shift);
    return v < 1000000000 ? <i64>v : NOT_A_COUNT;
  }
  if (shift < -18) return significand == 0 ? 0 : NOT_A_COUNT;
  const q = pow10(-shift);
  if (significand % q != 0) return NOT_A_COUNT; // not an integer count: the TypeScript parser reports it
  const v = significand / q;
  return v < 1000000000 ? <i64>v : NOT_A_COUNT;
}

/** Undoes the first `cells` values of a failed parse and reports the failure. */
function fail(values: usize, counts: usize, cells: i32): f64 {
  for (let k = 0; k < cells; k++) {
    const o = <usize>k << 2;
    store<i32>(counts + o, load<i32>(counts + o) - load<i32>(values + o));
  }
  return -1;
}

/**
 * Parses `length` bytes at `input`: stores each value in i32 `values` and adds it to i32 `counts`.
 * Returns the sum of all values, or -1 (with `counts` restored) when the file is not in the plain grammar.
 */
export function parseAdd(input: usize, length: i32, rows: i32, cols: i32, values: usize, counts: usize): f64 {
  let i: usize = input;
  const end: usize = input + <usize>length;
  if (length >= 3 && load<u8>(i) == 0xef && load<u8>(i + 1) == 0xbb && load<u8>(i + 2) == 0xbf) i += 3;
  let total: i64 = 0;
  let cell: i32 = 0;
  let sums = i32x4.splat(0); // the SIMD path's share of the total, per lane (at most 9·cells/4 each: no overflow)
  const last = cols - 1;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    while (c < cols) {
      // Eight one-digit cells "d,d,d,d,d,d,d,d," in one 16-byte SIMD load: the usual content of a scan.
      if (c + 8 <= last && i + 16 <= end) {
        const x = v128.load(i);
        const y = i8x16.sub(x, i8x16.splat(48));
        const isComma = i8x16.eq(x, i8x16.splat(44)), isDigit = i8x16.le_u(y, i8x16.splat(9));
        if (i8x16.all_true(v128.and(v128.or(isComma, EVEN_BYTES), v128.or(isDigit, ODD_BYTES)))) {
          const digits = v128.and(y, i16x8.splat(0xff)); // each 16-bit lane: its digit (the even byte)
          const low = i32x4.extend_low_i16x8_u(digits), high = i32x4.extend_high_i16x8_u(digits);
          const o = <usize>cell << 2;
          v128.store(values + o, low); v128.store(values + o, high, 16);
          v128.store(counts + o, i32x4.add(v128.load(counts + o), low));
          v128.store(counts + o, i32x4.add(v128.load(counts + o, 16), high), 16);
          sums = i32x4.add(sums, i32x4.add(low, high));
          cell += 8; c += 8; i += 16;
          continue;
        }
      }
      // Four one-digit cells "d,d,d,d," in one 8-byte load.
      if (c + 4 <= last && i + 8 <= end) {
        const x = load<u64>(i);
        if ((x & COMMA_MASK) == COMMAS) {
          const d = (x & DIGIT_MASK) - ZEROS;
          if (((d | (d + TEN_CHECK)) & HIGH_BITS) == 0) {
            const v0 = <i32>(d & 0xff), v1 = <i32>((d >> 16) & 0xff), v2 = <i32>((d >> 32) & 0xff), v3 = <i32>((d >> 48) & 0xff);
            const o = <usize>cell << 2;
            store<i32>(values + o, v0); store<i32>(values + o, v1, 4); store<i32>(values + o, v2, 8); store<i32>(values + o, v3, 12);
            store<i32>(counts + o, load<i32>(counts + o) + v0);
            store<i32>(counts + o, load<i32>(counts + o, 4) + v1, 4);
            store<i32>(counts + o, load<i32>(counts + o, 8) + v2, 8);
            store<i32>(counts + o, load<i32>(counts + o, 12) + v3, 12);
            total += <i64>(v0 + v1 + v2 + v3);
            cell += 4; c += 4; i += 8;
            continue;
          }
        }
      }
      if (i >= end) return fail(values, counts, cell);
      let d = <i32>load<u8>(i) - 48;
      if (<u32>d > 9) return fail(values, counts, cell);
      let v: i32 = d;
      i++;
      while (i < end) {
        d = <i32>load<u8>(i) - 48;
        if (<u32>d > 9) break;
        v = v * 10 + d;
        if (v > 100000000) return fail(values, counts, cell);
        i++;
      }
      if (i < end) {
        const ch = load<u8>(i);
        if (ch == 46 || ch == 101 || ch == 69) {
          const f = floatTail(i, end, <u64>v);
          if (f < 0) return fail(values, counts, cell);
          v = <i32>f;
          i = floatEnd;
        }
      }
      if (c < last) {
        if (i >= end || load<u8>(i) != 44) return fail(values, counts, cell);
        i++;
      } else if (i < end) {
        const ch = load<u8>(i);
        if (ch == 13) { i++; if (i < end && load<u8>(i) == 10) i++; } else if (ch == 10) i++; else return fail(values, counts, cell);
      }
      const o = <usize>cell << 2;
      store<i32>(values + o, v);
      store<i32>(counts + o, load<i32>(counts + o) + v);
      total += <i64>v;
      cell++; c++;
    }
  }
  while (i < end) {
    const ch = load<u8>(i);
    if (ch != 10 && ch != 13 && ch != 32 && ch != 9) return fail(values, counts, cell);
    i++;
  }
  total += <i64>(i32x4.extract_lane(sums, 0) + i32x4.extract_lane(sums, 1) + i32x4.extract_lane(sums, 2) + i32x4.extract_lane(sums, 3));
  return <f64>total;
}

/** counts[p] -= values[p] for p < n: takes back an acquisition found bad. */
export function subtractValues(values: usize, counts: usize, n: i32): void {
  fail(values, counts, n);
}

/** Σ values[indices[k]] for k < count (i32 values and indices): the acquisition's sum over a list of pixels. */
export function sumAt(values: usize, indices: usize, count: i32): f64 {
  let sum: i64 = 0;
  for (let k = 0; k < count; k++) sum += <i64>load<i32>(values + (<usize>load<i32>(indices + (<usize>k << 2)) << 2));
  return <f64>sum;
}
