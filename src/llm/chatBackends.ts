import { AnthropicBatchClient } from './anthropicBatches';
import { AnthropicChatClient } from './anthropicChatClient';
import { BatchApiClient } from './batchApi';
import type { BatchProvider } from './batchProvider';
import type { ChatBackend, ChatBackendOptions, EndpointKind } from './chatBackend';
import { GeminiChatClient } from './geminiChatClient';
import { OpenAiChatClient } from './openAiChatClient';
import type { EndpointConfig, Log } from './openAiEndpoint';
import type { RetryPolicy } from './retryPolicy';

/** The client for one endpoint of a kind, shared by the models on it. */
export function createChatBackend(kind: EndpointKind, endpoint: EndpointConfig, options: ChatBackendOptions = {}): ChatBackend {
  switch (kind) {
    case 'openai':
      return new OpenAiChatClient(endpoint, options);
    case 'anthropic':
      return new AnthropicChatClient(endpoint, options);
    case 'gemini':
      return new GeminiChatClient(endpoint, options);
  }
}

/** Whether an endpoint of a kind has a batch engine Smart drives: OpenAI's Batch API, Anthropic's Message Batches (not yet Gemini's batch jobs). */
export function kindServesBatches(kind: EndpointKind): boolean {
  return kind !== 'gemini';
}

/** The batch engine of one endpoint of a kind that has one (see {@link kindServesBatches}). */
export function createBatchProvider(
  kind: EndpointKind,
  endpoint: EndpointConfig,
  options: { readonly log?: Log; readonly retry?: RetryPolicy } = {},
): BatchProvider {
  switch (kind) {
    case 'openai':
      return new BatchApiClient(endpoint, options);
    case 'anthropic':
      return new AnthropicBatchClient(endpoint, options);
    case 'gemini':
      throw new Error(`endpoint "${endpoint.name}": Smart does not drive Gemini's batch jobs yet; its models are called online`);
  }
}
