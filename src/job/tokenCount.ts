/**
 * Token counts for the cost preview, in time linear in the length of the text.
 *
 * js-tiktoken cuts a text into pieces with o200k's pattern (a word with its
 * leading space, up to three digits, a run of punctuation, a run of
 * whitespace...) and merges each piece's bytes pair by pair, in time
 * quadratic in the piece's length in bytes. A piece is normally a word, but a
 * run of one character class is one piece however long: 10,000 repeated
 * characters took 7.5 s and a 5 MB line never finished; a Chinese paragraph
 * (no spaces, three bytes a character) is slow too. Even ordinary pieces cost
 * about a microsecond a character: 5 s for 5 MB of prose. So the count is
 * bounded three ways, each a small, stated approximation; a prompt under
 * {@link EXACT_CHARS} characters whose pieces are all short is counted exactly.
 *
 * - A run of one repeated character longer than 128 is cut down to its last
 *   stretch of up to 128, which stays in place (so the text around it still
 *   tokenizes with it); each stretch taken out counts as the exact tokens of
 *   128 such characters. o200k's longest token of one repeated character is
 *   128 spaces, so runs tokenize in stretches of 128. Shorter runs inside a
 *   long piece (from {@link RUN_MIN} characters) count as exactly as a run
 *   of that length alone, measured once per character and length; the
 *   character before such a run is then counted on its own (a token at most).
 * - The rest of a piece longer than {@link MAX_PIECE_BYTES} is encoded in
 *   chunks of at most that many bytes, cut between characters: each cut adds
 *   at most a token (1-2% on such pieces, measured on random letters, DNA and
 *   Chinese).
 * - A text longer than {@link EXACT_CHARS} is counted on {@link WINDOWS}
 *   short windows, one at a seeded random place in each of as many equal
 *   stretches of the text, its edges moved to the end of the piece they
 *   fall in, and scaled by length. Many small windows at
 *   random places follow a text that mixes kinds of content (prose, code,
 *   base64, Chinese) closely, and no period of a repetitive text can line
 *   up with them (measured: within 1% on 200,000 characters of mixed
 *   paragraphs). The preview wants the mean prompt length over many prompts,
 *   not each prompt to the token.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { hashUnit } from '../core/random';

/** Texts up to this many characters are counted whole; longer ones on windows (about 8,000 tokens of prose). */
export const EXACT_CHARS = 32_768;
/** Windows a longer text is counted on: together {@link EXACT_CHARS} characters, 64 each. */
export const WINDOWS = 512;
/** Pieces up to this many UTF-8 bytes are merged whole: every English word, Chinese clauses up to ten characters. */
export const MAX_PIECE_BYTES = 32;
/** A repeated character this many times or more, inside a long piece, is counted as a run. */
const RUN_MIN = 16;
/** Runs tokenize in stretches of this many characters: the longest token of one repeated character (128 spaces). */
const RUN_PERIOD = 128;
/** How far a window's edge may move to the end of a piece. */
const SNAP_CHARS = 64;
/**
 * Joins chunks that must be encoded separately into one encoder call: the
 * encoder ends a piece at an allowed special token and counts it as one token.
 */
const SEPARATOR = '<|endofprompt|>';

/** o200k's own pattern: the pieces the encoder merges one by one. */
const PIECE = new RegExp(o200kBase.pat_str, 'gu');
/** The same, matching only where it is told to start. */
const PIECE_AT = new RegExp(o200kBase.pat_str, 'uy');

/**
 * The encoder takes about 70 MB of the V8 heap (o200k's 200,000 ranks in two
 * maps), and the preview needs it for a moment before a run that may take
 * hours over a million items: it is held weakly, so counts in a row share
 * it and the garbage collector takes it back once they are done (building it
 * again takes about a second).
 */
let encoder: WeakRef<Tiktoken> | undefined;
/** Exact tokens of runs shorter than {@link RUN_PERIOD}, by character and length. */
const shortRunTokens = new Map<string, number>();

function tiktoken(): Tiktoken {
  const held = encoder?.deref();
  if (held !== undefined) return held;
  const built = new Tiktoken(o200kBase);
  encoder = new WeakRef(built);
  return built;
}

/**
 * Tokens of a text with the o200k_base encoding (gpt-4o's); other providers'
 * counts differ somewhat. Text like "<|endoftext|>" is counted as plain text,
 * not refused as a special token. See the file comment for the bounds.
 */
export function countTokens(text: string): number {
  // Long runs first, whole: windows would cut them into stretches of another period.
  const { rest, runTokens } = takeLongRuns(text);
  if (rest.length <= EXACT_CHARS) return runTokens + count([rest]);
  const sample = windows(rest);
  const sampled = sample.reduce((chars, window) => chars + window.length, 0);
  return runTokens + Math.round((count(sample) * rest.length) / sampled);
}

/**
 * Cuts each run of one character longer than {@link RUN_PERIOD} down to its
 * last stretch of up to that length; returns what is left and the tokens of
 * the stretches taken out. Runs of code units: a run of one astral character
 * (two units each) is left to the long-piece path.
 */
function takeLongRuns(text: string): { rest: string; runTokens: number } {
  const kept: string[] = [];
  let runTokens = 0;
  let from = 0;
  for (let i = 0; i < text.length;) {
    const code = text.charCodeAt(i);
    let j = i + 1;
    while (j < text.length && text.charCodeAt(j) === code) j++;
    const length = j - i;
    if (length > RUN_PERIOD && !isSurrogate(code)) {
      const keep = length % RUN_PERIOD || RUN_PERIOD;
      runTokens += ((length - keep) / RUN_PERIOD) * exactRun(text[i], RUN_PERIOD);
      kept.push(text.slice(from, i + keep));
      from = j;
    }
    i = j;
  }
  if (from === 0) return { rest: text, runTokens: 0 };
  kept.push(text.slice(from));
  return { rest: kept.join(''), runTokens };
}

/** Tokens of the texts, each encoded on its own, long pieces bounded (see the file comment). */
function count(texts: readonly string[]): number {
  const segments: string[] = [];
  let runTokens = 0;
  for (const text of texts) runTokens += cutLongPieces(text, segments);
  return runTokens + countSegments(segments);
}

/**
 * Appends `text` to `segments` as stretches of short pieces and chunks of
 * long ones, each to be encoded on its own; returns the tokens of the runs of
 * one repeated character it took out.
 */
function cutLongPieces(text: string, segments: string[]): number {
  let runTokens = 0;
  let from = 0;
  for (const match of text.matchAll(PIECE)) {
    const piece = match[0];
    // Three bytes a character at most in the BMP: a cheap test before measuring.
    if (piece.length * 3 <= MAX_PIECE_BYTES || Buffer.byteLength(piece) <= MAX_PIECE_BYTES) continue;
    if (match.index > from) segments.push(text.slice(from, match.index));
    from = match.index + piece.length;
    for (const part of splitRuns(piece)) {
      if (typeof part === 'string') segments.push(...chunks(part));
      else runTokens += runTokensOf(part.char, part.count);
    }
  }
  if (from < text.length) segments.push(text.slice(from));
  return runTokens;
}

/** A piece as stretches of mixed characters (strings) and runs of one character repeated at least {@link RUN_MIN} times. */
function splitRuns(piece: string): Array<string | { char: string; count: number }> {
  const parts: Array<string | { char: string; count: number }> = [];
  const chars = Array.from(piece);
  let mixedFrom = 0;
  for (let i = 0; i < chars.length;) {
    let j = i + 1;
    while (j < chars.length && chars[j] === chars[i]) j++;
    if (j - i >= RUN_MIN) {
      if (i > mixedFrom) parts.push(chars.slice(mixedFrom, i).join(''));
      parts.push({ char: chars[i], count: j - i });
      mixedFrom = j;
    }
    i = j;
  }
  if (mixedFrom < chars.length) parts.push(chars.slice(mixedFrom).join(''));
  return parts;
}

/** Cuts a text into chunks of at most {@link MAX_PIECE_BYTES} UTF-8 bytes, between characters. */
function chunks(text: string): string[] {
  const out: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > MAX_PIECE_BYTES && chunk.length > 0) {
      out.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

/** Tokens of `char` repeated `count` times: stretches of {@link RUN_PERIOD}, then the rest, each counted exactly once per length. */
function runTokensOf(char: string, count: number): number {
  const rest = count % RUN_PERIOD;
  return Math.floor(count / RUN_PERIOD) * exactRun(char, RUN_PERIOD) + (rest > 0 ? exactRun(char, rest) : 0);
}

function exactRun(char: string, count: number): number {
  const key = `${count} ${char}`;
  let tokens = shortRunTokens.get(key);
  if (tokens === undefined) {
    tokens = countSegments([char.repeat(count)]);
    shortRunTokens.set(key, tokens);
  }
  return tokens;
}

/** The sum of each segment's tokens, each encoded on its own. */
function countSegments(segments: readonly string[]): number {
  if (segments.length === 0) return 0;
  // A text that holds the separator itself is counted segment by segment (slower, same result).
  if (segments.some((s) => s.includes(SEPARATOR))) {
    return segments.reduce((sum, s) => sum + tiktoken().encode(s, [], []).length, 0);
  }
  return tiktoken().encode(segments.join(SEPARATOR), [SEPARATOR], []).length - (segments.length - 1);
}

/**
 * {@link WINDOWS} windows of a long text, one in each of as many equal
 * stretches, at a place drawn from a hash of its number and the text's
 * length (the same text always gets the same windows).
 */
function windows(text: string): string[] {
  const size = Math.floor(EXACT_CHARS / WINDOWS);
  const stretch = text.length / WINDOWS;
  const out: string[] = [];
  for (let i = 0; i < WINDOWS; i++) {
    const start = Math.floor(i * stretch + hashUnit(i, text.length) * (stretch - size));
    out.push(text.slice(snap(text, start), snap(text, start + size)));
  }
  return out;
}

/**
 * `at` moved to the end of the piece it falls in, so that a window holds
 * whole pieces and its count has no cut word in it; left where it is when
 * that piece runs on for more than {@link SNAP_CHARS}, but never between the
 * halves of a surrogate pair.
 */
function snap(text: string, at: number): number {
  if (at <= 0) return 0;
  if (at >= text.length) return text.length;
  // Matched on a slice, so that a piece running on for megabytes costs no more than a short one.
  PIECE_AT.lastIndex = 0;
  const piece = PIECE_AT.exec(text.slice(at, at + SNAP_CHARS + 1))?.[0] ?? '';
  if (piece.length <= SNAP_CHARS) return at + piece.length;
  return isSurrogate(text.charCodeAt(at)) && isSurrogate(text.charCodeAt(at - 1)) ? at + 1 : at;
}

function isSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdfff;
}
