import * as assert from 'node:assert/strict';
import { OpenAiChatClient } from '../../../src/llm/openAiChatClient';
import { useLoopbackServers } from '../../support/loopbackHarness';
import type { TestMessage } from '../../support/openaiTestServer';

const KEY = 'sk-test-logprobs-7d2e';
const answer = (_model: string, messages: readonly TestMessage[]): string => (messages[0].content.includes('spam') ? 'spam' : 'ham');

describe('OpenAiChatClient, answer probabilities', () => {
  const { serve } = useLoopbackServers(KEY, answer);

  it("asks for logprobs only when told to, and reports the answer's probability", async () => {
    const server = await serve({ confidence: (_model, messages) => (messages[0].content.includes('sure') ? 0.97 : 0.6) });
    const client = new OpenAiChatClient({ name: 'loopback', baseURL: server.baseURL, apiKey: KEY });
    const signal = new AbortController().signal;
    const plain = await client.chat({ model: 'm', messages: [{ role: 'user', content: 'spam, sure' }] }, signal);
    assert.equal(plain.confidence, undefined);
    const sure = await client.chat({ model: 'm', messages: [{ role: 'user', content: 'spam, sure' }], logprobs: true }, signal);
    assert.equal(sure.text, 'spam');
    assert.ok(Math.abs(sure.confidence! - 0.97) < 1e-12, `${sure.confidence}`);
    const unsure = await client.chat({ model: 'm', messages: [{ role: 'user', content: 'ham?' }], logprobs: true }, signal);
    assert.ok(Math.abs(unsure.confidence! - 0.6) < 1e-12);
  });
});
