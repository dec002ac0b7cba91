// Seeded random numbers for the synthetic-scan generator (reproducible test data).

/** xoshiro128** seeded through splitmix32. */
export class Random {
  private s0: number; private s1: number; private s2: number; private s3: number;
  private spareGaussian: number | undefined;

  constructor(seed: number) {
    let x = (seed >>> 0) ^ 0x9e3779b9;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
  }

  private nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t; this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return (this.nextUint32() + (this.nextUint32() >>> 11) / 2097152) / 4294967296;
  }

  gaussian(): number {
    if (this.spareGaussian !== undefined) { const g = this.spareGaussian; this.spareGaussian = undefined; return g; }
    let u = 0; while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareGaussian = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Exact Poisson deviate: inversion for small means, split into chunks for large ones. */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    let total = 0;
    while (mean > 30) { total += this.poissonSmall(30); mean -= 30; }
    return total + this.poissonSmall(mean);
  }

  private poissonSmall(mean: number): number {
    let p = Math.exp(-mean), cumulative = p, k = 0;
    const u = this.uniform();
    while (u > cumulative && k < 1000) { k++; p *= mean / k; cumulative += p; }
    return k;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
