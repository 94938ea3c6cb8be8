import { AnthropicBatchClient } from './anthropicBatches';
import { AnthropicChatClient } from './anthropicChatClient';
import { BatchApiClient } from './batchApi';
import type { BatchProvider } from './batchProvider';
import type { ChatBackend, ChatBackendOptions, EndpointKind } from './chatBackend';
import { GeminiBatchClient } from './geminiBatches';
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

/** The batch engine of one endpoint: OpenAI's Batch API, Anthropic's Message Batches, or Gemini's batch jobs. */
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
      return new GeminiBatchClient(endpoint, options);
  }
}
