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
/** The value of each lowercase hex digit by character code; -1 for any other character. */
const HEX_VALUE = Int8Array.from({ length: 128 }, (_, code) => '0123456789abcdef'.indexOf(String.fromCharCode(code)));

/** Maps keys to integers from 0 to 2^32 - 2. */
export class KeyTable {
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
    const slot = this.slotToFill(key, value); // first: it may replace `values`
    this.values[slot] = value + 1;
  }

  /** Adds the key with `value` unless it is there (its value then stays); says whether it was added. */
  add(key: string, value: number): boolean {
    const slot = this.slotToFill(key, value);
    if (this.values[slot] !== 0) return false;
    this.values[slot] = value + 1;
    return true;
  }

  /** The key's slot, taken for it (and the table grown) if it had none. */
  private slotToFill(key: string, value: number): number {
    if (!(Number.isInteger(value) && value >= 0 && value < 0xffffffff)) throw new RangeError(`a key table holds integers from 0 to 2^32 - 2, not ${value}`);
    let slot = this.find(key);
    if (this.values[slot] !== 0) return slot;
    if ((this.count + 1) * 4 > this.values.length * 3) {
      this.grow();
      slot = this.find(key);
    }
    this.words.set(this.probe, slot * WORDS);
    this.count++;
    return slot;
  }

  /** The slot holding the key, or the empty slot where it would go; leaves the key's words in `probe`. */
  private find(key: string): number {
    if (!digestWords(key, this.probe)) digestWords(createHash('sha256').update(key).digest('hex'), this.probe);
    return slotOf(this.probe, 0, this.words, this.values);
  }

  private grow(): void {
    const words = new Uint32Array(this.words.length * 2);
    const values = new Uint32Array(this.values.length * 2);
    for (let old = 0; old < this.values.length; old++) {
      if (this.values[old] === 0) continue;
      const slot = slotOf(this.words, old * WORDS, words, values);
      for (let w = 0; w < WORDS; w++) words[slot * WORDS + w] = this.words[old * WORDS + w];
      values[slot] = this.values[old];
    }
    this.words = words;
    this.values = values;
  }
}

/** Puts the first 128 bits of a digest (64 lowercase hex digits) in `into`; false, leaving `into` undefined, for any other string. */
function digestWords(key: string, into: Uint32Array): boolean {
  if (key.length !== 64) return false;
  let word = 0;
  for (let i = 0; i < 64; i++) {
    const code = key.charCodeAt(i);
    const digit = code < 128 ? HEX_VALUE[code] : -1;
    if (digit < 0) return false;
    if (i >= 8 * WORDS) continue;
    word = word * 16 + digit;
    if (i % 8 === 7) {
      into[i >> 3] = word;
      word = 0;
    }
  }
  return true;
}

/**
 * The slot of the key whose words are key[at..at+3] in a table of `words` and
 * `values`: linear probing from its first word (a digest's bits are uniform,
 * so they need no further mixing).
 */
function slotOf(key: Uint32Array, at: number, words: Uint32Array, values: Uint32Array): number {
  const mask = values.length - 1;
  const a = key[at];
  const b = key[at + 1];
  const c = key[at + 2];
  const d = key[at + 3];
  for (let slot = a & mask; ; slot = (slot + 1) & mask) {
    if (values[slot] === 0) return slot;
    const w = slot * WORDS;
    if (words[w] === a && words[w + 1] === b && words[w + 2] === c && words[w + 3] === d) return slot;
  }
}
