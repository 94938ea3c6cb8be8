import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelSpec } from '../../../src/core/types';
import type { InputRecord } from '../../../src/io/readingPass';
import { compileTemplate } from '../../../src/io/template';
import { JobClient } from '../../../src/job/jobClient';
import { chatCompletionBody } from '../../../src/llm/openAiChatClient';
import { requestKey, ResponseCache } from '../../../src/job/responseCache';
import type { ChatRequest } from '../../../src/llm/chatBackend';

const MODEL: ModelSpec = { id: 'mini', inputPer1M: 1, outputPer1M: 2 };
const BASE_URL = 'http://127.0.0.1:9/v1';
const record = (line: number, text: string): InputRecord => ({ line, value: { text } });

describe('JobClient answering from the cache', () => {
  let dir: string;
  let cache: ResponseCache;
  const online: ChatRequest[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'smart-client-'));
    cache = await ResponseCache.open(path.join(dir, 'cache.jsonl'));
    online.length = 0;
  });
  afterEach(() => {
    cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function client(runId?: string): JobClient {
    return new JobClient({
      inputName: 'in.jsonl',
      template: compileTemplate('Label: {{text}}', 'prompt.txt'),
      maxTokens: 5,
      cache,
      ...(runId !== undefined ? { runId } : {}),
      routes: new Map([
        [
          'mini',
          {
            providerModel: 'gpt-4o-mini',
            endpoint: 'openai',
            baseURL: BASE_URL,
            backend: {
              chat: (request: ChatRequest) => {
                online.push(request);
                return Promise.resolve({ text: 'spam', inputTokens: 7, outputTokens: 1 });
              },
            },
          },
        ],
      ]),
    });
  }

  it('keys a request by its endpoint and the body a batch file sends', () => {
    const prepared = client().prepare(MODEL, record(3, 'hello'));
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Label: hello' }], max_tokens: 5, temperature: 0 };
    assert.deepEqual(chatCompletionBody(prepared.request), body);
    assert.equal(prepared.key, requestKey(BASE_URL, body));
    assert.equal(prepared.route.endpoint, 'openai');
    assert.equal(chatCompletionBody({ model: 'm', messages: [] }).max_tokens, null);
  });

  it('charges an answer its batch run fetched once, at its price factor; answers of other runs are free cache hits', async () => {
    const c = client('run-2');
    const mine = c.prepare(MODEL, record(1, 'a'));
    const earlier = c.prepare(MODEL, record(2, 'b'));
    cache.put(mine.key, { text: 'ham', inputTokens: 7, outputTokens: 1, priceFactor: 0.5, run: 'run-2' });
    cache.put(earlier.key, { text: 'spam', inputTokens: 7, outputTokens: 1, priceFactor: 0.5, run: 'run-1' });
    const signal = new AbortController().signal;
    assert.deepEqual(c.peek(MODEL, record(1, 'a')), { text: 'ham', inputTokens: 7, outputTokens: 1, priceFactor: 0.5 });
    assert.deepEqual(c.complete(MODEL, record(1, 'a'), signal), { text: 'ham', inputTokens: 7, outputTokens: 1, priceFactor: 0.5 });
    assert.deepEqual(
      c.complete(MODEL, record(1, 'a'), signal),
      { text: 'ham', inputTokens: 7, outputTokens: 1, priceFactor: 0.5, cached: true },
      'a repeat is a cache hit',
    );
    assert.deepEqual(c.complete(MODEL, record(2, 'b'), signal), { text: 'spam', inputTokens: 7, outputTokens: 1, priceFactor: 0.5, cached: true });
    assert.deepEqual(
      client().complete(MODEL, record(2, 'b'), signal),
      { text: 'spam', inputTokens: 7, outputTokens: 1, priceFactor: 0.5, cached: true },
      'online mode',
    );
    assert.equal(online.length, 0);
  });

  it('fetches online ahead for its batch run: the call that reads it pays in full', async () => {
    const c = client('run-2');
    const signal = new AbortController().signal;
    await c.fetchOnline(c.prepare(MODEL, record(1, 'a')), signal);
    assert.equal(online.length, 1);
    assert.deepEqual(c.complete(MODEL, record(1, 'a'), signal), { text: 'spam', inputTokens: 7, outputTokens: 1 });
    assert.equal(c.peek(MODEL, record(9, 'unseen')), undefined);
  });
});
