// Loader of the pixel flux CSV kernel (src/engine/wasm/csvKernel.ts, built into dist/csvKernel.wasm): one threshold's
// pixel flux (or uncertainty) CSV from its counts, byte for byte the text of flux.ts's pixelFluxCsv, with the text of
// each distinct count made once here and the file laid out in WebAssembly.
import { wasmExports } from './wasmModules';

interface CsvKernelExports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  newCounts(counts: number, mask: number, n: number, seen: number, tableSize: number, list: number): number;
  writeCsv(counts: number, mask: number, rows: number, cols: number, slots: number, lengths: number,
    maskedSlot: number, maskedLength: number, out: number): number;
}

const WASM_FILE = 'csvKernel.wasm';
/** Counts below this have a text slot; a matrix with any other count is left to the caller. */
const TABLE_SIZE = 1 << 16;
/** Bytes per text slot (SLOT in csvKernel.ts); a longer text is left to the caller. */
const SLOT = 32;

export class FluxCsvKernel {
  private readonly x: CsvKernelExports;
  private readonly address: { counts: number; mask: number; seen: number; list: number; slots: number; lengths: number; masked: number; out: number };
  private readonly counts: Float64Array;
  private readonly mask: Uint8Array;
  private readonly seen: Uint8Array;
  private readonly list: Int32Array;
  private readonly slots: Uint8Array;
  private readonly lengths: Uint8Array;
  private readonly maskedSlot: Uint8Array;
  private readonly out: Uint8Array;

  /** A kernel for matrices of n pixels, or undefined when the wasm file is missing. */
  static create(n: number): FluxCsvKernel | undefined {
    const exports = wasmExports<CsvKernelExports>(WASM_FILE);
    return exports && new FluxCsvKernel(exports, n);
  }

  private constructor(exports: CsvKernelExports, readonly n: number) {
    const x = this.x = exports;
    const sizes = { counts: 8 * n, mask: n, seen: TABLE_SIZE, list: 4 * Math.min(n, TABLE_SIZE), slots: SLOT * TABLE_SIZE,
      lengths: TABLE_SIZE, masked: SLOT, out: (SLOT + 1) * n + SLOT };
    const a = this.address = Object.fromEntries(Object.entries(sizes).map(([k, bytes]) => [k, x.reserve(bytes)])) as FluxCsvKernel['address'];
    // views only after the last reserve: growing the memory detaches earlier ones
    const buffer = x.memory.buffer;
    this.counts = new Float64Array(buffer, a.counts, n);
    this.mask = new Uint8Array(buffer, a.mask, n);
    this.seen = new Uint8Array(buffer, a.seen, TABLE_SIZE);
    this.list = new Int32Array(buffer, a.list, Math.min(n, TABLE_SIZE));
    this.slots = new Uint8Array(buffer, a.slots, SLOT * TABLE_SIZE);
    this.lengths = new Uint8Array(buffer, a.lengths, TABLE_SIZE);
    this.maskedSlot = new Uint8Array(buffer, a.masked, SLOT);
    this.out = new Uint8Array(buffer, a.out, sizes.out);
  }

  /**
   * The CSV of the rows×cols matrix with cell text(valueOf(count)) per unmasked pixel and `maskedText` per masked one
   * (a new array); undefined when some count is not an integer in [0, 65536) or a text is longer than a slot (the
   * caller writes that matrix itself).
   */
  csv(counts: Float64Array, mask: Uint8Array, rows: number, cols: number, valueOf: (count: number) => number,
    text: (value: number) => string, maskedText: string): Uint8Array | undefined {
    const n = rows * cols, a = this.address;
    if (n !== this.n) throw new Error(`flux CSV kernel for ${this.n} pixels given ${n}`);
    this.counts.set(counts);
    this.mask.set(mask);
    this.seen.fill(0);
    const found = this.x.newCounts(a.counts, a.mask, n, a.seen, TABLE_SIZE, a.list);
    if (found < 0) return undefined;
    for (let k = 0; k < found; k++) {
      const count = this.list[k], cell = text(valueOf(count));
      if (!putText(this.slots, count * SLOT, cell)) return undefined;
      this.lengths[count] = cell.length;
    }
    if (!putText(this.maskedSlot, 0, maskedText)) return undefined;
    const length = this.x.writeCsv(a.counts, a.mask, rows, cols, a.slots, a.lengths, a.masked, maskedText.length, a.out);
    return this.out.slice(0, length);
  }
}

/** Writes an ASCII text into the slot at `offset` of `bytes`; false when it does not fit a slot. */
function putText(bytes: Uint8Array, offset: number, s: string): boolean {
  if (s.length > SLOT) return false;
  for (let i = 0; i < s.length; i++) bytes[offset + i] = s.charCodeAt(i);
  return true;
}
