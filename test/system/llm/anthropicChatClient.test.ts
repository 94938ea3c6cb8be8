import * as assert from 'node:assert/strict';
import { DEFAULTS } from '../../../src/core/defaults';
import { AnthropicChatClient } from '../../../src/llm/anthropicChatClient';
import type { ChatBackendOptions, ChatRequest } from '../../../src/llm/chatBackend';
import { createChatBackend } from '../../../src/llm/chatBackends';
import type { EndpointConfig } from '../../../src/llm/openAiEndpoint';
import { LlmCallError, RetryPolicy } from '../../../src/llm/retryPolicy';
import { useLoopbackServers } from '../../support/loopbackHarness';
import { estimateTokens, type OpenAiTestServer, type TestMessage } from '../../support/openaiTestServer';

const KEY = 'sk-ant-test-7d2e-do-not-leak';
const answer = (model: string, messages: readonly TestMessage[]): string => `${model}: ${messages[messages.length - 1].content.toUpperCase()}`;
const request: ChatRequest = {
  model: 'claude-test',
  messages: [
    { role: 'system', content: 'Classify the sentiment.' },
    { role: 'user', content: 'What a lovely film' },
  ],
};
const never = (): AbortSignal => new AbortController().signal;

describe('AnthropicChatClient against the loopback server (Anthropic Messages, through @anthropic-ai/sdk)', () => {
  const { serve, failure, log, logs } = useLoopbackServers(KEY, answer);

  /** The endpoint as a config gives it: an origin (the SDK adds /v1/messages). */
  function endpointOf(server: OpenAiTestServer, extra: Partial<EndpointConfig> = {}): EndpointConfig {
    return { name: 'claude', baseURL: server.baseURL.replace(/\/v1$/, ''), apiKey: KEY, apiKeySource: 'the ANTHROPIC_TEST_KEY environment variable', ...extra };
  }

  function clientFor(server: OpenAiTestServer, extra: Partial<EndpointConfig> = {}, options: ChatBackendOptions = {}): AnthropicChatClient {
    return new AnthropicChatClient(endpointOf(server, extra), {
      retry: new RetryPolicy({ baseDelayMs: 10, random: () => 0.5 }),
      log,
      cancelGraceMs: 100,
      ...options,
    });
  }

  it('sends the system prompt as its own field, the required max_tokens and the key, and maps the answer and its usage', async () => {
    const server = await serve();
    const result = await clientFor(server).chat(request, never());
    assert.deepEqual(result, {
      text: 'claude-test: WHAT A LOVELY FILM',
      inputTokens: estimateTokens('Classify the sentiment.What a lovely film'),
      outputTokens: estimateTokens('claude-test: WHAT A LOVELY FILM'),
    });
    const [received] = server.requests;
    assert.equal(received.url, '/v1/messages');
    // The server puts the `system` field first in the script's messages: it came as the field, not as a message.
    assert.deepEqual(received.messages, request.messages);
    assert.equal(received.maxTokens, DEFAULTS.requiredMaxTokens, 'max_tokens is required by the protocol');
    assert.equal(received.temperature, undefined, 'the Messages API as the SDK speaks it takes no temperature');
    assert.ok(received.authorization === `Bearer ${KEY}` || received.apiKeyHeader === KEY, 'the key was not sent');
    await clientFor(server).chat({ ...request, maxTokens: 12 }, never());
    assert.equal(server.requests[1].maxTokens, 12);
  });

  it('is the client of an endpoint of kind "anthropic"', async () => {
    const server = await serve();
    const backend = createChatBackend('anthropic', endpointOf(server), { log });
    assert.ok(backend instanceof AnthropicChatClient);
    assert.equal((await backend.chat(request, never())).text, 'claude-test: WHAT A LOVELY FILM');
  });

  it('retries 529 (overloaded) and 429 with the wait the server asks for, then answers once', async () => {
    for (const status of [529, 429]) {
      const server = await serve({ fault: ({ callIndex }) => (callIndex === 0 ? { kind: 'status', status, retryAfterMs: 30 } : undefined) });
      const started = Date.now();
      const result = await clientFor(server).chat(request, never());
      assert.equal(result.text, 'claude-test: WHAT A LOVELY FILM');
      assert.equal(server.counts().total, 2);
      assert.equal(server.counts().paid, 1);
      assert.ok(Date.now() - started >= 30, `${status}: the retry came before the wait asked for`);
      assert.ok(
        logs.some((line) => line.includes(`HTTP ${status}`)),
        `${status}: the retry was not logged`,
      );
    }
  });

  it('does not retry a refused key, says where the key came from, and never shows it', async () => {
    const server = await serve({ fault: () => ({ kind: 'status', status: 401, message: `invalid x-api-key ${KEY}` }) });
    const error = await failure(clientFor(server).chat(request, never()));
    assert.ok(error instanceof LlmCallError);
    assert.equal(server.counts().total, 1);
    assert.match(error.message, /HTTP 401: .*Check the ANTHROPIC_TEST_KEY environment variable\./);
    assert.ok(!error.message.includes(KEY));
  });

  it('estimates the tokens of an answer without usage, and refuses an answer without text without paying again', async () => {
    const server = await serve({ fault: ({ callIndex }) => (callIndex === 0 ? { kind: 'noUsage' } : { kind: 'nullContent' }) });
    const estimated = await clientFor(server).chat(request, never());
    assert.equal(estimated.inputTokens, estimateTokens('Classify the sentiment.What a lovely film'));
    assert.ok(logs.some((line) => line.includes('no token usage')));
    const error = await failure(clientFor(server).chat({ ...request, messages: [{ role: 'user', content: 'other' }] }, never()));
    assert.match(error.message, /no text \(stop_reason: end_turn\)/);
    assert.equal(server.counts().total, 2, 'an answer without text was asked again');
  });

  it('sends no key where the endpoint has none, and none from the environment', async () => {
    const before = process.env.ANTHROPIC_API_KEY;
    process.env.ANTHROPIC_API_KEY = KEY;
    try {
      const server = await serve();
      await clientFor(server, { apiKey: undefined }).chat(request, never());
      const [received] = server.requests;
      assert.equal(received.authorization, undefined);
      assert.equal(received.apiKeyHeader, undefined);
    } finally {
      if (before === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = before;
    }
  });
});
