/**
 * List prices (USD per million tokens, online; batches at the config's
 * `batch.discount`, half price at all three providers) of common models. A
 * config's own `inputPer1M` / `outputPer1M` override these; a model found in
 * neither is an error that says how to set a price. Hosted open models vary
 * by host: these are typical prices.
 *
 * When they were read: OpenAI's, Claude 3.5 Haiku's, Gemini 2.0 Flash's and
 * Mistral's as listed in 2025; the current Claude and Gemini models' on
 * 2026-12-06, from the providers' own pages (platform.claude.com's model
 * overviews and pricing; ai.google.dev's Gemini API pricing, as of
 * 2026-10-07). Where a provider prices long prompts higher, the table holds
 * the base tier: Claude Haiku 5.5 above 100,000 prompt tokens ($0.50/$2.50)
 * and Gemini's Pro models above 200,000 cost more than shown. Gemini 3.8
 * Flash's launch price shown here ends on 2027-01-01 ($1.50/$7.50 after).
 */
export interface Price {
  readonly inputPer1M: number;
  readonly outputPer1M: number;
}

const PRICES: Record<string, Price> = {
  'gpt-4o': { inputPer1M: 2.5, outputPer1M: 10 },
  'gpt-4o-2024-11-20': { inputPer1M: 2.5, outputPer1M: 10 },
  'gpt-4o-mini': { inputPer1M: 0.15, outputPer1M: 0.6 },
  'gpt-4o-mini-2024-07-18': { inputPer1M: 0.15, outputPer1M: 0.6 },
  'gpt-4.1': { inputPer1M: 2, outputPer1M: 8 },
  'gpt-4.1-2025-04-14': { inputPer1M: 2, outputPer1M: 8 },
  'gpt-4.1-mini': { inputPer1M: 0.4, outputPer1M: 1.6 },
  'gpt-4.1-mini-2025-04-14': { inputPer1M: 0.4, outputPer1M: 1.6 },
  'gpt-4.1-nano': { inputPer1M: 0.1, outputPer1M: 0.4 },
  'gpt-4.1-nano-2025-04-14': { inputPer1M: 0.1, outputPer1M: 0.4 },
  'gpt-3.5-turbo': { inputPer1M: 0.5, outputPer1M: 1.5 },
  'gpt-3.5-turbo-0125': { inputPer1M: 0.5, outputPer1M: 1.5 },
  'gpt-4': { inputPer1M: 30, outputPer1M: 60 },
  'claude-3-5-haiku-20241022': { inputPer1M: 0.8, outputPer1M: 4 },
  'claude-3-5-haiku-latest': { inputPer1M: 0.8, outputPer1M: 4 },
  'claude-fable-5-2': { inputPer1M: 8, outputPer1M: 40 },
  'claude-fable-5-1': { inputPer1M: 10, outputPer1M: 50 },
  'claude-opus-5-5': { inputPer1M: 4, outputPer1M: 20 },
  'claude-opus-5': { inputPer1M: 5, outputPer1M: 25 },
  'claude-opus-4-8': { inputPer1M: 5, outputPer1M: 25 },
  'claude-opus-4-7': { inputPer1M: 5, outputPer1M: 25 },
  'claude-opus-4-6': { inputPer1M: 5, outputPer1M: 25 },
  'claude-sonnet-5-5': { inputPer1M: 2, outputPer1M: 10 },
  'claude-sonnet-5': { inputPer1M: 2, outputPer1M: 10 },
  'claude-sonnet-4-5': { inputPer1M: 3, outputPer1M: 15 },
  'claude-sonnet-4-5-20250929': { inputPer1M: 3, outputPer1M: 15 },
  'claude-haiku-5-5': { inputPer1M: 0.1, outputPer1M: 0.5 },
  'claude-haiku-4-5': { inputPer1M: 1, outputPer1M: 5 },
  'claude-haiku-4-5-20251001': { inputPer1M: 1, outputPer1M: 5 },
  'gemini-4-argon': { inputPer1M: 4, outputPer1M: 20 },
  'gemini-3.8-flash': { inputPer1M: 0.75, outputPer1M: 3.75 },
  'gemini-3.5-flash': { inputPer1M: 1.5, outputPer1M: 9 },
  'gemini-3.5-flash-lite': { inputPer1M: 0.3, outputPer1M: 2.5 },
  'gemini-3.1-pro-preview': { inputPer1M: 2, outputPer1M: 12 },
  'gemini-2.0-flash': { inputPer1M: 0.1, outputPer1M: 0.4 },
  'mistral-small-latest': { inputPer1M: 0.1, outputPer1M: 0.3 },
};

/** The list price of a provider model name, if known (case-insensitive; an `org/` prefix as OpenRouter writes it is ignored). */
export function knownPrice(providerModel: string): Price | undefined {
  const name = providerModel.toLowerCase();
  return PRICES[name] ?? PRICES[name.slice(name.lastIndexOf('/') + 1)];
}
