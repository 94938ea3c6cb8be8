import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { mulberry32 } from '../../../src/core/random';
import { countTokens, EXACT_CHARS } from '../../../src/job/tokenCount';
import { mixedParagraphs } from '../../support/mixedText';

/** The tokenizer as it is, unbounded: the reference, on inputs small enough to afford it. */
const reference = new Tiktoken(o200kBase);
const exact = (text: string): number => reference.encode(text, [], []).length;
/**
 * Within `share` of the expected count, or two tokens of it when that is
 * more: a long run may be off by a token or two where it meets the text
 * around it.
 */
const within = (actual: number, expected: number, share: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= Math.max(2, share * expected), `${what}: ${actual} tokens, expected ${expected} ± ${(share * 100).toFixed(0)}%`);

const random = mulberry32(11);
const draw = (n: number, alphabet: string): string => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');

describe('countTokens', function () {
  this.timeout(60_000);

  it('counts like the o200k tokenizer, special-looking text as plain text', () => {
    assert.equal(countTokens('hello world'), 2);
    assert.equal(countTokens('say <|endoftext|> now'), exact('say <|endoftext|> now'));
    assert.ok(countTokens('say <|endoftext|> now') > 3);
  });

  it('is exact on prompts of ordinary text', () => {
    const prompts = [
      'Classify the sentiment of this review: "What a lovely film, though the ending dragged." Answer positive or negative.',
      JSON.stringify({ id: 17, user: { name: 'Ana', tags: ['x', 'y'] }, body: 'See https://example.com/a/b?c=1 for details.' }),
      'function add(a, b) {\n  return a + b; // sum\n}\n'.repeat(50),
      randomBytes(6000).toString('base64'),
      '日本語の文章、中文的句子。'.repeat(20),
      'word '.repeat(EXACT_CHARS / 5),
    ];
    for (const prompt of prompts) assert.equal(countTokens(prompt), exact(prompt), prompt.slice(0, 40));
  });

  it('stays within 2% of exact on long runs of one character class', () => {
    const pieces: Record<string, string> = {
      'a repeated letter': 'a'.repeat(2000),
      'a capital then a repeated letter': 'A' + 'a'.repeat(1999),
      spaces: ' '.repeat(3000),
      dashes: '-'.repeat(3000),
      'a space then equals signs': ' ' + '='.repeat(2999),
      newlines: '\n'.repeat(2000),
      'random letters': draw(2000, 'abcdefghijklmnopqrstuvwxyz'),
      DNA: draw(3000, 'ACGT'),
      'Chinese without punctuation': draw(400, '的一是不了人我在有他这为之大来以个中上们'),
      'a repeated Chinese character': '的'.repeat(500),
    };
    for (const [what, piece] of Object.entries(pieces)) {
      within(countTokens(`Text: ${piece} end`), exact(`Text: ${piece} end`), 0.02, what);
    }
  });

  it('counts a text that holds the separator it joins chunks with as plain text', () => {
    const text = `<|endofprompt|> ${'a'.repeat(400)} <|endoftext|>`;
    within(countTokens(text), exact(text), 0.02, 'text with special-token lookalikes');
  });

  it('estimates a long text of mixed paragraphs within 2% of exact', () => {
    const paragraphs = mixedParagraphs(120_000, 3);
    const expected = paragraphs.reduce((sum, p) => sum + exact(p), 0);
    within(countTokens(paragraphs.join('')), expected, 0.02, 'mixed text');
  });

  it('counts a 5 MB line of one repeated character like the exact count, scaled', () => {
    // Runs of one letter tokenize in eights, of spaces in 128s: the exact
    // count of 2,048 scales exactly.
    for (const char of ['a', ' ', '.']) {
      const expected = (5_000_000 / 2048) * exact(char.repeat(2048));
      within(countTokens(char.repeat(5_000_000)), expected, 0.01, `5 MB of ${JSON.stringify(char)}`);
    }
  });

  it('counts a 5 MB line of mixed text within 3% of exact', () => {
    // Paragraphs drawn from a pool: the exact count of each one once makes the reference affordable.
    const pool = mixedParagraphs(150_000, 5);
    const exactOf = pool.map(exact);
    const pick = mulberry32(9);
    const chosen: number[] = [];
    let length = 0;
    while (length < 5_000_000) {
      const i = Math.floor(pick() * pool.length);
      chosen.push(i);
      length += pool[i].length;
    }
    const expected = chosen.reduce((sum, i) => sum + exactOf[i], 0);
    within(countTokens(chosen.map((i) => pool[i]).join('')), expected, 0.03, '5 MB of mixed text');
  });
});
