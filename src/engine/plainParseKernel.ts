// Loader of the WebAssembly parse kernel (src/engine/wasm/parseKernel.ts, built into dist/parseKernel.wasm).
// Wasm memory layout: i32 values [0, 4n) · i32 counts [4n, 8n) · i32 pixel lists [8n, 12n) · input bytes from 12n
// (grown as needed).
import { readFileInto } from './matrixParser';
import { wasmExports } from './wasmModules';

interface KernelExports {
  memory: WebAssembly.Memory;
  parseAdd(input: number, length: number, rows: number, cols: number, values: number, counts: number): number;
  subtractValues(values: number, counts: number, n: number): void;
  sumAt(values: number, indices: number, count: number): number;
}

const WASM_FILE = 'parseKernel.wasm';

/** Largest cell the kernel accepts (integers ≤ 10^8, float text < 10^9); larger cells go to the TypeScript parser.
 *  The accumulator relies on it to flush the kernel's 32-bit counts before they could overflow. */
export const KERNEL_MAX_CELL = 999_999_999;
const PAGE = 65536;

export class PlainParseKernel {
  private readonly exports: KernelExports;
  private readonly countsOffset: number;
  private readonly listsOffset: number;
  private readonly inputOffset: number;
  /** Where each pixel list of setPixelLists starts (bytes) and how many pixels it has. */
  private lists: Array<{ offset: number; count: number }> = [];

  /** A kernel for matrices of n pixels, or undefined when the wasm file is missing (the TypeScript parser serves). */
  static create(n: number): PlainParseKernel | undefined {
    const exports = wasmExports<KernelExports>(WASM_FILE);
    return exports && new PlainParseKernel(exports, n);
  }

  private constructor(exports: KernelExports, readonly n: number) {
    this.exports = exports;
    this.countsOffset = 4 * n;
    this.listsOffset = 8 * n;
    this.inputOffset = 12 * n;
    this.ensure(this.inputOffset + (1 << 20));
  }

  private ensure(bytes: number): void {
    const memory = this.exports.memory;
    if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
  }

  /** Views are made on demand: growing the memory detaches old ones. */
  get values(): Int32Array { return new Int32Array(this.exports.memory.buffer, 0, this.n); }
  get counts(): Int32Array { return new Int32Array(this.exports.memory.buffer, this.countsOffset, this.n); }

  /** Reads a file into wasm memory (no copy); the returned view also serves the TypeScript fallback parser. */
  read(file: string): { bytes: Uint8Array; length: number } {
    return readFileInto(file, size => {
      this.ensure(this.inputOffset + size + 1);
      return new Uint8Array(this.exports.memory.buffer, this.inputOffset, size + 1);
    });
  }

  /**
   * Parses the last read file into `values` and adds it to `counts`; returns the sum of its values,
   * or -1 (counts unchanged) when the file is not in the plain grammar.
   */
  parseAdd(length: number, rows: number, cols: number): number {
    return this.exports.parseAdd(this.inputOffset, length, rows, cols, 0, this.countsOffset);
  }

  /** Pixel lists whose sums the kernel gives per acquisition (sumOver); together at most n pixels. */
  setPixelLists(lists: Int32Array[]): void {
    let offset = this.listsOffset;
    this.lists = lists.map(list => {
      if (offset + 4 * list.length > this.inputOffset) throw new Error('pixel lists longer than the matrix');
      new Int32Array(this.exports.memory.buffer, offset, list.length).set(list);
      const entry = { offset, count: list.length };
      offset += 4 * list.length;
      return entry;
    });
  }

  /** Σ of the last parse's values over pixel list `index` of setPixelLists. */
  sumOver(index: number): number {
    const { offset, count } = this.lists[index];
    return this.exports.sumAt(0, offset, count);
  }

  /** Takes the values of the last parse back out of the counts. */
  subtractValues(): void {
    this.exports.subtractValues(0, this.countsOffset, this.n);
  }
}
