/**
 * `npm run bench:tokens`: how long the cost preview's token count takes on
 * long lines, next to js-tiktoken alone (quadratic in the length of a run of
 * one character class, so run only up to the sizes it finishes in seconds;
 * --full adds 20,000 repeated characters, about 30 s). Prints the time and
 * the count of each, and how far apart the counts are.
 *
 * Figures, not a test: nothing here asserts a time.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { mulberry32 } from '../src/core/random';
import { countTokens } from '../src/job/tokenCount';
import { mixedParagraphs } from '../test/support/mixedText';

const MB = 1_000_000;

interface Case {
  readonly name: string;
  readonly text: string;
  /** Whether js-tiktoken alone finishes in seconds on it. */
  readonly plainToo: boolean;
}

function timed(count: () => number): { tokens: number; ms: number } {
  const started = performance.now();
  const tokens = count();
  return { tokens, ms: performance.now() - started };
}

const seconds = (ms: number): string => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`);

function main(): void {
  const { values } = parseArgs({ options: { full: { type: 'boolean', default: false } } });
  const random = mulberry32(1);
  const draw = (n: number, alphabet: string): string => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const prose = readme.repeat(Math.ceil(MB / readme.length)).slice(0, MB);
  const cases: Case[] = [
    ...[2_000, 5_000, 10_000, ...(values.full ? [20_000] : [])].map((n) => ({
      name: `${n.toLocaleString('en-US')} x "a"`,
      text: 'a'.repeat(n),
      plainToo: true,
    })),
    { name: '5 MB x "a"', text: 'a'.repeat(5 * MB), plainToo: false },
    { name: '5 MB of spaces', text: ' '.repeat(5 * MB), plainToo: false },
    { name: '100,000 chars of base64', text: randomBytes(75_000).toString('base64'), plainToo: true },
    { name: '5 MB of base64', text: randomBytes(3.75 * MB).toString('base64'), plainToo: true },
    { name: '1 MB of English (the README, repeated)', text: prose, plainToo: true },
    { name: '1 MB of Chinese, no punctuation', text: draw(MB / 3, '的一是不了人我在有他这为之大来以个中上们'), plainToo: false },
    { name: '500 KB of mixed paragraphs', text: mixedParagraphs(MB / 2, 2).join(''), plainToo: true },
    { name: '5 MB of mixed paragraphs', text: mixedParagraphs(5 * MB, 3).join(''), plainToo: false },
  ];

  console.log(`bench:tokens on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`);
  const plain = timed(() => new Tiktoken(o200kBase).encode('warm up', [], []).length);
  const bounded = timed(() => countTokens('warm up'));
  console.log(`loading the o200k ranks: ${seconds(plain.ms)} (js-tiktoken alone), ${seconds(bounded.ms)} (countTokens)`);
  const encoder = new Tiktoken(o200kBase);
  for (const c of cases) {
    const after = timed(() => countTokens(c.text));
    let line = `${c.name}: countTokens ${seconds(after.ms)}, ${after.tokens.toLocaleString('en-US')} tokens`;
    if (c.plainToo) {
      const before = timed(() => encoder.encode(c.text, [], []).length);
      const off = ((after.tokens - before.tokens) / before.tokens) * 100;
      line += `; js-tiktoken alone ${seconds(before.ms)}, ${before.tokens.toLocaleString('en-US')} tokens (${off >= 0 ? '+' : ''}${off.toFixed(2)}%)`;
    } else {
      line += '; js-tiktoken alone: not run (minutes to hours)';
    }
    console.log(line);
  }
}

main();
