/**
 * List prices (USD per million tokens) of common models, as their providers
 * listed them in 2025. A config's own `inputPer1M` / `outputPer1M` override
 * these; a model found in neither is an error that says how to set a price.
 * Hosted open models vary by host: these are typical prices.
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
  'gemini-2.0-flash': { inputPer1M: 0.1, outputPer1M: 0.4 },
  'mistral-small-latest': { inputPer1M: 0.1, outputPer1M: 0.3 },
};

/** The list price of a provider model name, if known (case-insensitive; an `org/` prefix as OpenRouter writes it is ignored). */
export function knownPrice(providerModel: string): Price | undefined {
  const name = providerModel.toLowerCase();
  return PRICES[name] ?? PRICES[name.slice(name.lastIndexOf('/') + 1)];
}
