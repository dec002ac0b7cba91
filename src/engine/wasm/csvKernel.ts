// AssemblyScript kernel that lays out a pixel flux CSV (compiled to dist/csvKernel.wasm by scripts/build.mjs; loaded by
// src/engine/fluxCsvKernel.ts). A threshold's pixel counts are integers (sums of hits) with few distinct values, so
// the caller makes the text of each distinct count once, into a fixed 32-byte slot per count, and this kernel copies
// the slots into the file: byte for byte what the TypeScript writer makes, at a few nanoseconds per pixel.

/** Bytes per text slot, all copied: the shortest decimal of a double (e.g. -0.0000012345678901234567) has at most 25
 *  characters. */
const SLOT: usize = 32;

/** Reserves `bytes` of this module's memory for the caller's arrays (8-byte aligned); the memory may grow. */
export function reserve(bytes: i32): usize { return heap.alloc(<usize>bytes); }

/**
 * Lists the distinct counts of the unmasked pixels that have no text yet (seen[i] == 0; marks them) into `list`
 * (i32) and returns how many; −1 when some count is not an integer in [0, tableSize) (the caller writes that file
 * itself). counts: f64 × n, mask: u8 × n, seen: u8 × tableSize.
 */
export function newCounts(counts: usize, mask: usize, n: i32, seen: usize, tableSize: i32, list: usize): i32 {
  let found = 0;
  for (let p = 0; p < n; p++) {
    if (load<u8>(mask + <usize>p)) continue;
    const c = load<f64>(counts + (<usize>p << 3));
    const i = <i32>c;
    if (<f64>i != c || i < 0 || i >= tableSize) return -1;
    if (load<u8>(seen + <usize>i)) continue;
    store<u8>(seen + <usize>i, 1);
    store<i32>(list + (<usize>found << 2), i);
    found++;
  }
  return found;
}

/**
 * Writes the CSV of a rows×cols matrix into `out`: per pixel the text of its count (slots + count·32, length
 * lengths[count]) or, for a masked pixel, the text in the slot at `maskedSlot` (length maskedLength); ',' between
 * cells and '\n' after each row. Returns the length written. `out` needs 32 bytes of room beyond the text.
 */
export function writeCsv(counts: usize, mask: usize, rows: i32, cols: i32, slots: usize, lengths: usize,
  maskedSlot: usize, maskedLength: i32, out: usize): i32 {
  let at = out;
  let p: usize = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, p++) {
      let from = maskedSlot, length = <usize>maskedLength;
      if (!load<u8>(mask + p)) {
        const i = <usize><i32>load<f64>(counts + (p << 3));
        from = slots + i * SLOT;
        length = <usize>load<u8>(lengths + i);
      }
      store<u64>(at, load<u64>(from));
      store<u64>(at, load<u64>(from, 8), 8);
      store<u64>(at, load<u64>(from, 16), 16);
      store<u64>(at, load<u64>(from, 24), 24);
      at += length;
      store<u8>(at, c == cols - 1 ? 10 : 44);
      at++;
    }
  }
  return <i32>(at - out);
}
