/**
 * Seeded randomness. Two needs:
 * - a random order of the items (the guarantee rests on profiled items being a
 *   uniform random sample of the file), computed without holding the file;
 * - reproducible pseudo-random numbers for simulations and tests.
 */

/** murmur3's 32-bit finaliser: a fast avalanche mix of one 32-bit word. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash of up to three 32-bit words to a uniform number in [0, 1). */
export function hashUnit(a: number, b: number, c = 0): number {
  const h = mix32(mix32(mix32(a ^ 0x9e3779b9) ^ b) + Math.imul(c, 0x27d4eb2f));
  return h / 4294967296;
}

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FEISTEL_ROUNDS = 6;

/**
 * A seeded random bijection of 0..n-1 that needs O(1) memory: a balanced
 * Feistel network over the smallest even-bit domain 2^(2h) >= n, with cycle
 * walking to stay inside 0..n-1 (Black & Rogaway, "Ciphers with arbitrary
 * finite domains", 2002). With a pseudo-random round function, a Feistel
 * network of 4 or more rounds is a pseudo-random permutation (Luby & Rackoff,
 * 1988); we use 6. Because the domain is less than 4n, a walk takes fewer than
 * 4 steps on average.
 *
 * `rankOf(index)` is the position of item `index` in the random order. A
 * streaming reader can thus tell, for each line it reads, whether the line
 * belongs to the first k items of the order, without shuffling the file.
 */
export class SeededPermutation {
  private readonly halfBits: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;

  constructor(
    readonly size: number,
    seed: number,
  ) {
    if (!Number.isInteger(size) || size < 0 || size > 2 ** 32) {
      throw new RangeError(`permutation size must be an integer in [0, 2^32], got ${size}`);
    }
    let bits = 1;
    while (2 ** (2 * bits) < size) bits++;
    this.halfBits = bits;
    this.mask = (1 << bits) - 1; // bits <= 16 since 2^32 >= size
    this.keys = new Uint32Array(FEISTEL_ROUNDS);
    const next = mulberry32(seed ^ 0x5eed5eed);
    for (let r = 0; r < FEISTEL_ROUNDS; r++) this.keys[r] = Math.floor(next() * 4294967296);
  }

  /** Position of `index` in the seeded random order (a bijection of 0..size-1). */
  rankOf(index: number): number {
    let x = index;
    do {
      x = this.encrypt(x);
    } while (x >= this.size);
    return x;
  }

  private encrypt(x: number): number {
    const bits = this.halfBits;
    const mask = this.mask;
    // Split into two halves of `bits` bits; arithmetic instead of shifts past 31 bits.
    let left = Math.floor(x / 2 ** bits) & mask;
    let right = x % 2 ** bits;
    for (let r = 0; r < FEISTEL_ROUNDS; r++) {
      const next = (left ^ (mix32(right ^ this.keys[r]) & mask)) >>> 0;
      left = right;
      right = next;
    }
    return left * 2 ** bits + right;
  }
}
