// A scan's summed counts pixel-major ([pixel][threshold]: one pixel's curve is contiguous), transposed once in shared
// memory: pixel_counts.f32 and results.h5's counts dataset are written from it, and the results.h5 thread gets it
// without a copy.

/** Counts as uint32 when every value is an integer in range (always, for real counts), else float64. */
export type PixelMajorCounts = Uint32Array | Float64Array;

/** Pixels per block of the transposition: a block's rows of the output stay in cache while every threshold is added. */
const BLOCK = 512;

/** `counts[threshold][pixel]` → `[pixel][threshold]`, in a SharedArrayBuffer. */
export function pixelMajorCounts(counts: Float64Array[], pixels: number): PixelMajorCounts {
  const m = counts.length;
  const asInt = new Uint32Array(new SharedArrayBuffer(4 * pixels * m));
  if (transposeInto(counts, pixels, asInt)) return asInt;
  const asFloat = new Float64Array(new SharedArrayBuffer(8 * pixels * m));
  transposeInto(counts, pixels, asFloat);
  return asFloat;
}

/** Fills `out`; false (and stops) at a value a Uint32Array cannot hold exactly. */
function transposeInto(counts: Float64Array[], pixels: number, out: PixelMajorCounts): boolean {
  const m = counts.length, exact = out instanceof Float64Array;
  for (let first = 0; first < pixels; first += BLOCK) {
    const end = Math.min(first + BLOCK, pixels);
    for (let j = 0; j < m; j++) {
      const c = counts[j];
      for (let p = first; p < end; p++) {
        const v = c[p];
        if (!exact && !(v >= 0 && v < 2 ** 32 && v === Math.floor(v))) return false;
        out[p * m + j] = v;
      }
    }
  }
  return true;
}

/** The counts as little-endian float32 bytes (pixel_counts.f32). */
export function float32Bytes(counts: PixelMajorCounts): Uint8Array {
  return new Uint8Array(Float32Array.from(counts).buffer);
}
