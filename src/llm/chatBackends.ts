import { AnthropicChatClient } from './anthropicChatClient';
import type { ChatBackend, ChatBackendOptions, EndpointKind } from './chatBackend';
import { GeminiChatClient } from './geminiChatClient';
import { OpenAiChatClient } from './openAiChatClient';
import type { EndpointConfig } from './openAiEndpoint';

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
