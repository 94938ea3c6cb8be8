/**
 * A compact hash table of request keys, for the keys a run of a million
 * items must hold (the response cache's entries, the requests already written
 * to batch files). A request key is a SHA-256 digest in hex (`requestKey` in
 * responseCache.ts): as a string in a Map it takes about 110 bytes with the
 * Map's own; here it takes its first 128 bits, 16 bytes in a typed array
 * beside a 4-byte value, and the V8 heap holds none of it.
 *
 * Two keys that share their first 128 bits are taken for one: for digests,
 * the odds for a million keys are about 10^-27. A key that is not 64 hex
 * digits (tests use short names) is hashed first. The response cache checks
 * the full key of every entry it reads back, so no collision could ever hand
 * over a wrong answer.
 */
import { createHash } from 'node:crypto';

/** Slots of a new table; it doubles when three quarters are taken. */
const INITIAL_SLOTS = 1024;
const WORDS = 4;
const HEX_DIGEST = /^[0-9a-f]{64}$/;

/** Maps keys to integers from 0 to 2^32 - 2. */
export class KeyTable {
  private slots = INITIAL_SLOTS;
  /** Each slot's 128 bits, as four 32-bit words. */
  private words = new Uint32Array(INITIAL_SLOTS * WORDS);
  /** Each slot's value plus one; 0 marks an empty slot. */
  private values = new Uint32Array(INITIAL_SLOTS);
  private count = 0;
  /** The words of the key being looked up. */
  private readonly probe = new Uint32Array(WORDS);

  get size(): number {
    return this.count;
  }

  get(key: string): number | undefined {
    const slot = this.find(key);
    const stored = this.values[slot];
    return stored === 0 ? undefined : stored - 1;
  }

  has(key: string): boolean {
    return this.values[this.find(key)] !== 0;
  }

  set(key: string, value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value < 0xffffffff)) throw new RangeError(`a key table holds integers from 0 to 2^32 - 2, not ${value}`);
    let slot = this.find(key);
    if (this.values[slot] === 0) {
      if ((this.count + 1) * 4 > this.slots * 3) {
        this.grow();
        slot = this.find(key);
      }
      this.words.set(this.probe, slot * WORDS);
      this.count++;
    }
    this.values[slot] = value + 1;
  }

  /** The slot holding the key, or the empty slot where it would go; leaves the key's words in `probe`. */
  private find(key: string): number {
    const probe = this.probe;
    const hex = HEX_DIGEST.test(key) ? key : createHash('sha256').update(key).digest('hex');
    for (let w = 0; w < WORDS; w++) probe[w] = parseInt(hex.slice(8 * w, 8 * w + 8), 16);
    return this.slotOf(probe, this.words, this.values, this.slots);
  }

  /** Linear probing from the key's first word (the digest's bits are uniform: no further mixing needed). */
  private slotOf(key: Uint32Array, words: Uint32Array, values: Uint32Array, slots: number): number {
    const mask = slots - 1;
    for (let slot = key[0] & mask; ; slot = (slot + 1) & mask) {
      if (values[slot] === 0) return slot;
      const at = slot * WORDS;
      if (words[at] === key[0] && words[at + 1] === key[1] && words[at + 2] === key[2] && words[at + 3] === key[3]) return slot;
    }
  }

  private grow(): void {
    const slots = this.slots * 2;
    const words = new Uint32Array(slots * WORDS);
    const values = new Uint32Array(slots);
    for (let old = 0; old < this.slots; old++) {
      if (this.values[old] === 0) continue;
      const key = this.words.subarray(old * WORDS, old * WORDS + WORDS);
      const slot = this.slotOf(key, words, values, slots);
      words.set(key, slot * WORDS);
      values[slot] = this.values[old];
    }
    this.slots = slots;
    this.words = words;
    this.values = values;
  }
}
