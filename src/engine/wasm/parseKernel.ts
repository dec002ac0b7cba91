// AssemblyScript kernel for the hot path of matrix parsing (compiled to dist/parseKernel.wasm by scripts/build.mjs).
// It accepts only the plain grammar (optional BOM, unsigned integers, ',' between cells, LF or CRLF line ends,
// exact shape, trailing blank lines); anything else returns -1 and the TypeScript parser takes the file,
// which also produces the precise error messages.

/** Parses `length` bytes at `input` into i32 `values`; returns the sum of all values, or -1. */
export function parsePlain(input: usize, length: i32, rows: i32, cols: i32, values: usize): f64 {
  let i: usize = input;
  const end: usize = input + <usize>length;
  if (length >= 3 && load<u8>(i) == 0xef && load<u8>(i + 1) == 0xbb && load<u8>(i + 2) == 0xbf) i += 3;
  let total: f64 = 0;
  let out: usize = values;
  const last = cols - 1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (i >= end) return -1;
      let d = <i32>load<u8>(i) - 48;
      if (<u32>d > 9) return -1;
      let v: i32 = d;
      i++;
      while (i < end) {
        d = <i32>load<u8>(i) - 48;
        if (<u32>d > 9) break;
        v = v * 10 + d;
        if (v > 100000000) return -1;
        i++;
      }
      if (c < last) {
        if (i >= end || load<u8>(i) != 44) return -1;
        i++;
      } else if (i < end) {
        const ch = load<u8>(i);
        if (ch == 13) { i++; if (i < end && load<u8>(i) == 10) i++; } else if (ch == 10) i++; else return -1;
      }
      store<i32>(out, v);
      out += 4;
      total += <f64>v;
    }
  }
  while (i < end) {
    const ch = load<u8>(i);
    if (ch != 10 && ch != 13 && ch != 32 && ch != 9) return -1;
    i++;
  }
  return total;
}

/** counts[p] += values[p] for p < n (f64 counts, i32 values). */
export function addValues(values: usize, counts: usize, n: i32): void {
  for (let p = 0; p < n; p++) {
    const o = <usize>p;
    store<f64>(counts + (o << 3), load<f64>(counts + (o << 3)) + <f64>load<i32>(values + (o << 2)));
  }
}
