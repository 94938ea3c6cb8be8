import * as assert from 'node:assert/strict';
import type { ChatBackendOptions, ChatRequest } from '../../../src/llm/chatBackend';
import { createChatBackend } from '../../../src/llm/chatBackends';
import { GeminiChatClient } from '../../../src/llm/geminiChatClient';
import type { EndpointConfig } from '../../../src/llm/openAiEndpoint';
import { LlmCallError, RetryPolicy } from '../../../src/llm/retryPolicy';
import { useLoopbackServers } from '../../support/loopbackHarness';
import { estimateTokens, type OpenAiTestServer, type TestMessage } from '../../support/openaiTestServer';

const KEY = 'AIza-test-91c2-do-not-leak';
const answer = (model: string, messages: readonly TestMessage[]): string => `${model}: ${messages[messages.length - 1].content.toUpperCase()}`;
const request: ChatRequest = {
  model: 'gemini-test',
  messages: [
    { role: 'system', content: 'Classify the sentiment.' },
    { role: 'user', content: 'What a lovely film' },
  ],
};
const never = (): AbortSignal => new AbortController().signal;

describe('GeminiChatClient against the loopback server (generateContent, through @google/genai)', () => {
  const { serve, failure, log, logs } = useLoopbackServers(KEY, answer);

  /** The endpoint as a config gives it: an origin (the SDK adds /v1beta/models/...). */
  function endpointOf(server: OpenAiTestServer, extra: Partial<EndpointConfig> = {}): EndpointConfig {
    return { name: 'gemini', baseURL: server.baseURL.replace(/\/v1$/, ''), apiKey: KEY, apiKeySource: 'the GEMINI_TEST_KEY environment variable', ...extra };
  }

  function clientFor(server: OpenAiTestServer, options: ChatBackendOptions = {}): GeminiChatClient {
    return new GeminiChatClient(endpointOf(server), { retry: new RetryPolicy({ baseDelayMs: 10, random: () => 0.5 }), log, cancelGraceMs: 100, ...options });
  }

  it('sends the system instruction, temperature 0, maxOutputTokens and the key, and maps the answer and its usage', async () => {
    const server = await serve();
    const result = await clientFor(server).chat({ ...request, maxTokens: 20 }, never());
    assert.deepEqual(result, {
      text: 'gemini-test: WHAT A LOVELY FILM',
      inputTokens: estimateTokens('Classify the sentiment.What a lovely film'),
      outputTokens: estimateTokens('gemini-test: WHAT A LOVELY FILM'),
    });
    const [received] = server.requests;
    assert.match(received.url, /^\/v1beta\/models\/gemini-test:generateContent/);
    assert.deepEqual(received.messages, request.messages, 'the system instruction came first, as its own field');
    assert.equal(received.temperature, 0);
    assert.equal(received.maxTokens, 20);
    assert.equal(received.apiKeyHeader, KEY);
  });

  it("gives the probability of the answer from its tokens' log-probabilities when asked", async () => {
    const server = await serve({ confidence: () => 0.8 });
    const result = await clientFor(server).chat({ ...request, logprobs: true }, never());
    assert.ok(Math.abs(result.confidence! - 0.8) < 1e-12, `confidence ${result.confidence}`);
  });

  it('is the client of an endpoint of kind "gemini"', async () => {
    const server = await serve();
    const backend = createChatBackend('gemini', endpointOf(server), { log });
    assert.ok(backend instanceof GeminiChatClient);
    assert.equal((await backend.chat(request, never())).text, 'gemini-test: WHAT A LOVELY FILM');
  });

  it('retries 429 and 503, then answers once; does not retry a refused key, saying where it came from and never showing it', async () => {
    for (const status of [429, 503]) {
      const server = await serve({ fault: ({ callIndex }) => (callIndex === 0 ? { kind: 'status', status } : undefined) });
      assert.equal((await clientFor(server).chat(request, never())).text, 'gemini-test: WHAT A LOVELY FILM');
      assert.equal(server.counts().total, 2);
      assert.equal(server.counts().paid, 1);
      assert.ok(logs.some((line) => line.includes(`HTTP ${status}`)));
    }
    const refused = await serve({ fault: () => ({ kind: 'status', status: 403, message: `API key ${KEY} not valid` }) });
    const error = await failure(clientFor(refused).chat(request, never()));
    assert.ok(error instanceof LlmCallError);
    assert.equal(refused.counts().total, 1);
    assert.match(error.message, /HTTP 403: /);
    assert.ok(!error.message.includes(KEY));
  });

  it('estimates the tokens of an answer without usage, and refuses one without text without paying again', async () => {
    const server = await serve({ fault: ({ callIndex }) => (callIndex === 0 ? { kind: 'noUsage' } : { kind: 'nullContent' }) });
    const estimated = await clientFor(server).chat(request, never());
    assert.equal(estimated.outputTokens, estimateTokens('gemini-test: WHAT A LOVELY FILM'));
    const error = await failure(clientFor(server).chat({ ...request, messages: [{ role: 'user', content: 'other' }] }, never()));
    assert.match(error.message, /no text \(finishReason: STOP\)/);
    assert.equal(server.counts().total, 2);
  });
});
