/**
 * Every item's prompt tokens, estimated in the validation pass without
 * tokenizing every prompt: each prompt's own length in characters, at the
 * tokens per character a tokenizer measures on the first prompts (a sample
 * of `PROMPT_SAMPLE`), plus a chat request's overhead. Tokenizing everything
 * would read about 6 MB a second, slower than the rest of the pass by far;
 * lengths cost nothing, and it is the length of each item, not a mean, that a
 * long-tailed file's cost turns on (a 6 MB item among 200 short ones). The
 * engine then scales these counts to what the reference reports
 * (`ReferenceOnlyBasis.inputRatio`), so a tokenizer of another kind is
 * corrected too.
 */
import type { PromptTokens } from '../core/types';
import { countTokens } from './tokenCount';

/** Prompts tokenized to measure tokens per character (and shown to the cost preview). */
export const PROMPT_SAMPLE = 200;

/** Tokens a chat request adds around its messages (role markers, priming): OpenAI's documented rule of thumb. */
export const CHAT_OVERHEAD_TOKENS = 7;

/** Each item's estimated prompt tokens, and the sums the cost preview bounds with. */
export interface PromptTokenCounts extends PromptTokens {
  /** Items, and the prompts tokenized to measure tokens per character. */
  readonly items: number;
  readonly sampled: number;
  /** Summed tokens of the `k` shortest prompts: what any k items take at least. */
  shortest(k: number): number;
  /** Tokens of the shortest prompt (0 without items). */
  readonly least: number;
}

/** Collects the prompts of a pass, in item order; `finish` gives the counts. */
export class PromptLengths {
  private readonly chars: number[] = [];
  private readonly sample: string[] = [];

  add(prompt: string): void {
    this.chars.push(prompt.length);
    if (this.sample.length < PROMPT_SAMPLE) this.sample.push(prompt);
  }

  /** The first prompts, as rendered. */
  get samplePrompts(): readonly string[] {
    return this.sample;
  }

  finish(): PromptTokenCounts {
    const sampledChars = this.sample.reduce((sum, p) => sum + p.length, 0);
    const perChar = sampledChars === 0 ? 0 : this.sample.reduce((sum, p) => sum + countTokens(p), 0) / sampledChars;
    const chars = this.chars;
    const tokensOf = (length: number): number => length * perChar + CHAT_OVERHEAD_TOKENS;
    const total = chars.reduce((sum, c) => sum + tokensOf(c), 0);
    let sorted: Float64Array | undefined;
    const ascending = (): Float64Array => (sorted ??= Float64Array.from(chars).sort());
    return {
      items: chars.length,
      sampled: this.sample.length,
      total,
      of: (index) => tokensOf(chars[index]),
      shortest: (k) => {
        const lengths = ascending();
        let sum = 0;
        for (let i = 0; i < Math.min(k, lengths.length); i++) sum += tokensOf(lengths[i]);
        return sum;
      },
      least: chars.length === 0 ? 0 : tokensOf(ascending()[0]),
    };
  }
}
