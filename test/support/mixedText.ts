/**
 * Text that mixes the kinds of content prompts hold, paragraph by
 * paragraph: English prose, code, base64, JSON, Chinese, and runs of one
 * character (rules of "=" signs). For tests and benchmarks of token counting.
 */
import { mulberry32 } from '../../src/core/random';

const PROSE =
  'Smart profiles cheaper models against a reference model on a random sample of the items, bounds their agreement ' +
  'with confidence intervals, and picks the cheapest model or mix that provably meets the target. A run writes its ' +
  'outputs beside the input and a report that states the guarantee in one sentence. ';
const CODE = 'export function add(a: number, b: number): number { return a + b; } const items = records.filter((r) => r.ok); ';
const CHINESE =
  '的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从，。';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Paragraphs of about 300 to 3,000 characters, each ending in a space, together at least `chars` long; the same seed gives the same text. */
export function mixedParagraphs(chars: number, seed: number): string[] {
  const random = mulberry32(seed);
  const between = (low: number, high: number): number => low + Math.floor(random() * (high - low));
  const draw = (n: number, alphabet: string): string => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const repeatFrom = (text: string, n: number): string => {
    const start = between(0, text.length);
    return (text.slice(start) + text.repeat(Math.ceil(n / text.length) + 1)).slice(0, n);
  };
  const kinds = [
    () => repeatFrom(PROSE, between(1000, 3000)),
    () => repeatFrom(CODE, between(1000, 3000)),
    () => draw(between(800, 2400), BASE64),
    () => JSON.stringify(Array.from({ length: between(20, 60) }, (_, id) => ({ id, value: Math.round(random() * 1e6), ok: random() < 0.5 }))),
    () => draw(between(300, 900), CHINESE),
    () => '='.repeat(between(50, 500)),
  ];
  const paragraphs: string[] = [];
  for (let length = 0; length < chars;) {
    const paragraph = `${kinds[Math.floor(random() * kinds.length)]()} `;
    paragraphs.push(paragraph);
    length += paragraph.length;
  }
  return paragraphs;
}
