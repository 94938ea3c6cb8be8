import * as assert from 'node:assert/strict';
import type { ChatBackendOptions, ChatRequest } from '../../../src/llm/chatBackend';
import { EndpointConfig, OpenAiChatClient } from '../../../src/llm/openAiChatClient';
import { RateLimiterPool } from '../../../src/llm/rateLimiter';
import { LlmCallError, RetryPolicy } from '../../../src/llm/retryPolicy';
import { useLoopbackServers } from '../../support/loopbackHarness';
import { estimateTokens, Fault, OpenAiTestServer, requestKey, startOpenAiTestServer, TestMessage } from '../../support/openaiTestServer';

const KEY = 'sk-test-4f1c9a7e-do-not-leak';
const answer = (model: string, messages: readonly TestMessage[]): string => `${model}: ${messages[messages.length - 1].content.toUpperCase()}`;
const request: ChatRequest = {
  model: 'small-model',
  messages: [
    { role: 'system', content: 'Classify the sentiment.' },
    { role: 'user', content: 'What a lovely film' },
  ],
};
const KEY_OF_REQUEST = requestKey(request.model, request.messages);
const isAbortError = (error: unknown): boolean => error instanceof Error && error.name === 'AbortError';
const never = (): AbortSignal => new AbortController().signal;
const ask = (prompt: string, model = request.model): ChatRequest => ({ model, messages: [{ role: 'user', content: prompt }] });

describe('OpenAiChatClient against the loopback server', () => {
  const { serve, failure, log, logs } = useLoopbackServers(KEY, answer);

  function clientFor(server: OpenAiTestServer, endpoint: Partial<EndpointConfig> = {}, options: ChatBackendOptions = {}): OpenAiChatClient {
    return new OpenAiChatClient(
      { name: 'loopback', baseURL: server.baseURL, apiKey: KEY, apiKeySource: 'the SMART_TEST_KEY environment variable', ...endpoint },
      {
        // Deterministic, short waits: the backoff before retry n is 5 * 2^(n-1) ms.
        retry: new RetryPolicy({ baseDelayMs: 10, random: () => 0.5 }),
        log,
        // A cancelled request that never answers is cut off soon.
        cancelGraceMs: 100,
        ...options,
      },
    );
  }

  it('returns the text and the token usage, sending temperature 0 and the key', async () => {
    const server = await serve();
    const result = await clientFor(server).chat({ ...request, maxTokens: 20 }, never());
    assert.deepEqual(result, {
      text: 'small-model: WHAT A LOVELY FILM',
      inputTokens: estimateTokens('Classify the sentiment.What a lovely film'),
      outputTokens: estimateTokens('small-model: WHAT A LOVELY FILM'),
    });
    const [received] = server.requests;
    assert.equal(received.temperature, 0);
    assert.equal(received.maxTokens, 20);
    assert.equal(received.authorization, `Bearer ${KEY}`);
    assert.deepEqual(received.messages, request.messages);
    assert.equal(server.counts().paidPerKey[KEY_OF_REQUEST], 1);
  });

  it('omits max_tokens when not given', async () => {
    const server = await serve();
    await clientFor(server).chat(request, never());
    assert.equal(server.requests[0].maxTokens, undefined);
  });

  describe('recovers from transient faults with the same text as a fault-free call', () => {
    let faultFreeText: string;

    before(async () => {
      const clean = await startOpenAiTestServer({ answer });
      try {
        faultFreeText = (await new OpenAiChatClient({ name: 'clean', baseURL: clean.baseURL, apiKey: KEY }).chat(request, never())).text;
      } finally {
        await clean.close();
      }
    });

    const cases: { name: string; fault: Fault; endpoint?: Partial<EndpointConfig> }[] = [
      { name: 'HTTP 500', fault: { kind: 'status', status: 500 } },
      { name: 'HTTP 502', fault: { kind: 'status', status: 502 } },
      { name: 'HTTP 503', fault: { kind: 'status', status: 503 } },
      { name: 'HTTP 504', fault: { kind: 'status', status: 504 } },
      { name: 'HTTP 529', fault: { kind: 'status', status: 529 } },
      { name: 'HTTP 429 without Retry-After', fault: { kind: 'status', status: 429 } },
      { name: 'a malformed body', fault: { kind: 'malformed' } },
      { name: 'a connection reset', fault: { kind: 'reset' } },
      { name: 'a hang, cut by the timeout', fault: { kind: 'hang' }, endpoint: { timeoutMs: 150 } },
    ];
    for (const { name, fault, endpoint } of cases) {
      it(name, async () => {
        // The first two tries of the request fail, the third succeeds.
        const server = await serve({ fault: ({ keyCallIndex }) => (keyCallIndex < 2 ? fault : undefined) });
        const result = await clientFor(server, endpoint).chat(request, never());
        assert.equal(result.text, faultFreeText);
        const counts = server.counts();
        assert.equal(counts.perKey[KEY_OF_REQUEST], 3);
        assert.equal(counts.paidPerKey[KEY_OF_REQUEST], 1);
        assert.equal(logs.filter((line) => line.startsWith('warn: loopback small-model: attempt')).length, 2);
      });
    }
  });

  it('waits at least the Retry-After seconds of a 429', async () => {
    const server = await serve({
      fault: ({ keyCallIndex }) => (keyCallIndex === 0 ? { kind: 'status', status: 429, retryAfterSeconds: 1 } : undefined),
    });
    const result = await clientFor(server).chat(request, never());
    assert.equal(result.text, answer(request.model, request.messages));
    const [first, second] = server.requests;
    // A little slack: timers and Date.now() may disagree by a millisecond.
    assert.ok(second.receivedAt - first.receivedAt >= 990, `waited ${second.receivedAt - first.receivedAt} ms`);
  });

  it('waits at least the retry-after-ms of a 429, beyond its own backoff', async () => {
    const server = await serve({
      fault: ({ keyCallIndex }) => (keyCallIndex === 0 ? { kind: 'status', status: 429, retryAfterMs: 300 } : undefined),
    });
    // Without the header the backoff would be 0 ms.
    await clientFor(server, {}, { retry: new RetryPolicy({ random: () => 0 }) }).chat(request, never());
    const [first, second] = server.requests;
    assert.ok(second.receivedAt - first.receivedAt >= 290, `waited ${second.receivedAt - first.receivedAt} ms`);
  });

  it('fails fast on 401 with a hint, without retrying and without the key', async () => {
    const server = await serve({
      // Real servers echo (part of) a bad key; the client must not repeat it.
      fault: () => ({ kind: 'status', status: 401, message: `Incorrect API key provided: ${KEY}` }),
    });
    const error = await failure(clientFor(server).chat(request, never()));
    assert.ok(error instanceof LlmCallError);
    assert.equal(error.status, 401);
    assert.equal(error.attempts, 1);
    assert.match(error.message, /^Endpoint "loopback", model "small-model": HTTP 401: Incorrect API key provided: \[redacted\]/);
    assert.match(error.message, /Check the SMART_TEST_KEY environment variable\./);
    assert.equal(server.counts().total, 1);
    assert.equal(server.requests[0].authorization, `Bearer ${KEY}`);
  });

  it('adds the hint as a sentence of its own after a server message that ends one (no "keys.. Check")', async () => {
    const message = `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    const server = await serve({ fault: () => ({ kind: 'status', status: 401, message }) });
    const error = await failure(clientFor(server).chat(request, never()));
    assert.match(
      error.message,
      /: HTTP 401: Incorrect API key provided: \[redacted\]\. You can find your API key at https:\/\/platform\.openai\.com\/account\/api-keys\. Check the SMART_TEST_KEY environment variable\.$/,
    );
    const bare = await serve({ fault: () => ({ kind: 'status', status: 404, message: 'The model does not exist' }) });
    assert.match((await failure(clientFor(bare).chat(request, never()))).message, /: HTTP 404: The model does not exist\. Check the model name/);
  });

  for (const status of [400, 403, 404]) {
    it(`does not retry HTTP ${status}`, async () => {
      const server = await serve({ fault: () => ({ kind: 'status', status, message: 'nope' }) });
      const error = await failure(clientFor(server).chat(request, never()));
      assert.ok(error instanceof LlmCallError);
      assert.equal(error.status, status);
      assert.match(error.message, new RegExp(`"loopback".*"small-model".*HTTP ${status}: nope`));
      assert.equal(server.counts().total, 1);
    });
  }

  it('ends a call once the endpoint has answered nothing for the retry budget, saying so', async () => {
    const server = await serve({ fault: () => ({ kind: 'status', status: 503, message: 'overloaded' }) });
    const client = clientFor(server, {}, { retry: new RetryPolicy({ budgetMs: 300, baseDelayMs: 5, maxDelayMs: 20, random: () => 0.5 }) });
    const error = await failure(client.chat(request, never()));
    assert.ok(error instanceof LlmCallError);
    assert.match(
      error.message,
      /^Endpoint "loopback", model "small-model": the endpoint answered nothing for \d+ ms \(\d+ attempts\); last error: HTTP 503: overloaded$/,
    );
    assert.equal(error.giveUp, 'endpointSilent');
    assert.ok(error.attempts > 6, `only ${error.attempts} attempts`);
    assert.equal(server.counts().total, error.attempts);
    assert.equal(server.counts().paid, 0);
  });

  it('names the cause when timeouts use up the budget', async () => {
    const server = await serve({ fault: () => ({ kind: 'hang' }) });
    const client = clientFor(server, { timeoutMs: 60 }, { retry: new RetryPolicy({ budgetMs: 200, baseDelayMs: 5 }) });
    const error = await failure(client.chat(request, never()));
    assert.match(error.message, /"small-model": the endpoint answered nothing for \d+ ms \(\d+ attempts\); last error: no answer within 60 ms$/);
  });

  it('rejects an answer without message content, naming endpoint and model, without retrying', async () => {
    const server = await serve({ fault: () => ({ kind: 'nullContent' }) });
    const error = await failure(clientFor(server).chat(request, never()));
    assert.match(error.message, /^Endpoint "loopback", model "small-model": the response has no message content \(finish_reason: stop\)/);
    assert.equal(server.counts().total, 1);
  });

  it('estimates tokens as characters / 4 when the response has no usage, and says so', async () => {
    const server = await serve({ fault: () => ({ kind: 'noUsage' }) });
    const result = await clientFor(server).chat(request, never());
    assert.equal(result.inputTokens, Math.ceil('Classify the sentiment.What a lovely film'.length / 4));
    assert.equal(result.outputTokens, Math.ceil(result.text.length / 4));
    assert.ok(
      logs.some((line) => line.startsWith('debug: ') && line.includes('no token usage')),
      logs.join('\n'),
    );
  });

  describe('cancellation', () => {
    it('keeps the answer to a request already sent when it comes within the grace period', async () => {
      const server = await serve({ latencyMs: 300 });
      const controller = new AbortController();
      const call = clientFor(server, {}, { cancelGraceMs: 5000 }).chat(request, controller.signal);
      await waitFor(() => server.requests.length === 1);
      controller.abort();
      const result = await call;
      assert.equal(result.text, answer(request.model, request.messages));
      assert.equal(server.counts().paid, 1);
    });

    it('cuts off a request already sent once the grace period is over, closing it', async () => {
      const server = await serve({ fault: () => ({ kind: 'hang' }) });
      const controller = new AbortController();
      const call = clientFor(server, {}, { cancelGraceMs: 200 }).chat(request, controller.signal);
      await waitFor(() => server.requests.length === 1);
      const abortedAt = Date.now();
      controller.abort();
      await assert.rejects(call, isAbortError);
      const took = Date.now() - abortedAt;
      assert.ok(took >= 190 && took < 1500, `took ${took} ms`);
      assert.equal(server.counts().total, 1);
    });

    it('does not retry a request that failed during the grace period', async () => {
      const server = await serve({ latencyMs: 200, fault: () => ({ kind: 'status', status: 503 }) });
      const controller = new AbortController();
      const call = clientFor(server, {}, { cancelGraceMs: 5000 }).chat(request, controller.signal);
      await waitFor(() => server.requests.length === 1);
      controller.abort();
      await assert.rejects(call, isAbortError);
      assert.equal(server.counts().total, 1);
    });

    it('aborts during a backoff promptly', async () => {
      const server = await serve({ fault: () => ({ kind: 'status', status: 503, retryAfterMs: 30_000 }) });
      const controller = new AbortController();
      let abortedAt = 0;
      const client = clientFor(
        server,
        {},
        {
          log: (level, message) => {
            logs.push(`${level}: ${message}`);
            // The retry notice comes just before the wait.
            if (level === 'warn')
              setTimeout(() => {
                abortedAt = Date.now();
                controller.abort();
              }, 20);
          },
        },
      );
      await assert.rejects(client.chat(request, controller.signal), isAbortError);
      assert.ok(abortedAt > 0 && Date.now() - abortedAt < 1000);
      assert.equal(server.counts().total, 1);
    });

    it("aborts a call waiting for its model's slot", async () => {
      const server = await serve({ fault: ({ requestKey: key }) => (key === KEY_OF_REQUEST ? { kind: 'hang' } : undefined) });
      const client = clientFor(server, {}, { limiters: new RateLimiterPool({ maxConcurrent: 1 }) });
      const holder = new AbortController();
      const holding = client.chat(request, holder.signal);
      const waiter = new AbortController();
      const waiting = client.chat(ask('queued'), waiter.signal);
      await waitFor(() => server.requests.length === 1);
      waiter.abort();
      await assert.rejects(waiting, isAbortError);
      holder.abort();
      await assert.rejects(holding, isAbortError);
      assert.equal(server.counts().total, 1);
    });

    it('does not call the server when the signal is already aborted', async () => {
      const server = await serve();
      await assert.rejects(clientFor(server).chat(request, AbortSignal.abort()), isAbortError);
      assert.equal(server.counts().total, 0);
    });
  });

  describe('rate limits', () => {
    // Answers take long enough that requests granted together always overlap at the server.
    it('keeps each model within its concurrency limit', async () => {
      const server = await serve({ latencyMs: 150 });
      const client = clientFor(server, {}, { limiters: new RateLimiterPool({ maxConcurrent: 2 }, { roomy: { maxConcurrent: 3 } }) });
      const prompts = ['a', 'b', 'c', 'd', 'e'];
      await Promise.all([...prompts.map((p) => client.chat(ask(p, 'tight'), never())), ...prompts.map((p) => client.chat(ask(p, 'roomy'), never()))]);
      const max = server.counts().maxConcurrentPerModel;
      assert.ok(max.tight <= 2 && max.roomy <= 3, JSON.stringify(max));
      // The limits were reached, so the check above had something to catch.
      assert.ok(max.tight === 2 && max.roomy === 3, JSON.stringify(max));
    });

    it('shares limits between clients given the same pool', async () => {
      const server = await serve({ latencyMs: 150 });
      const pool = new RateLimiterPool({ maxConcurrent: 2 });
      const clients = [clientFor(server, {}, { limiters: pool }), clientFor(server, {}, { limiters: pool })];
      await Promise.all(['a', 'b'].flatMap((p) => clients.map((c, i) => c.chat(ask(`${p}${i}`), never()))));
      assert.equal(server.counts().maxConcurrentPerModel[request.model], 2);
    });

    it('lowers the calls in flight while 429s persist, and raises them again once they stop', async () => {
      let storm = true;
      const server = await serve({ latencyMs: 5, fault: () => (storm ? { kind: 'status', status: 429, retryAfterMs: 2 } : undefined) });
      const pool = new RateLimiterPool({ maxConcurrent: 16 });
      const client = clientFor(server, {}, { limiters: pool });
      const limiter = pool.forModel(request.model);
      const calls = Array.from({ length: 200 }, (_, i) => client.chat(ask(`q${i}`), never()));
      // 16, 8, 4, 2, 1: one halving per window of answers.
      await waitFor(() => limiter.limit === 1);
      storm = false;
      await Promise.all(calls);
      assert.ok(limiter.limit >= 3, `the limit stayed at ${limiter.limit}`);
      assert.equal(server.counts().paid, 200);
    });

    it('spaces requests under a requests-per-minute limit', async () => {
      const server = await serve();
      const client = clientFor(server, {}, { limiters: new RateLimiterPool({ maxConcurrent: 10, requestsPerMinute: 1200 }) });
      // Measured before the first start, so delays in the test process can only lengthen the span.
      const before = Date.now();
      await Promise.all(['a', 'b', 'c', 'd', 'e'].map((p) => client.chat(ask(p), never())));
      const last = Math.max(...server.requests.map((r) => r.receivedAt));
      // Four gaps of 50 ms; a little slack for the clock.
      assert.ok(last - before >= 190, `span ${last - before} ms`);
    });
  });

  describe('endpoints', () => {
    it('sends no Authorization header to a server without a key, even with OPENAI_API_KEY set', async () => {
      const server = await serve();
      const saved = process.env.OPENAI_API_KEY;
      process.env.OPENAI_API_KEY = 'sk-from-the-environment';
      try {
        await clientFor(server, { apiKey: undefined }).chat(request, never());
        await clientFor(server, { apiKey: '' }).chat(ask('empty key'), never());
      } finally {
        if (saved === undefined) delete process.env.OPENAI_API_KEY;
        else process.env.OPENAI_API_KEY = saved;
      }
      assert.deepEqual(
        server.requests.map((r) => r.authorization),
        [undefined, undefined],
      );
    });

    it('sends Azure-style api-key headers and api-version query, and keeps the header value secret', async () => {
      const server = await serve({ fault: ({ keyCallIndex }) => (keyCallIndex === 0 ? { kind: 'status', status: 500, message: `echo ${KEY}` } : undefined) });
      const client = clientFor(server, { apiKey: undefined, headers: { 'api-key': KEY }, query: { 'api-version': '2024-06-01' } });
      await client.chat(request, never());
      const [received] = server.requests;
      assert.equal(received.apiKeyHeader, KEY);
      assert.equal(received.authorization, undefined);
      assert.match(received.url, /\/v1\/chat\/completions\?api-version=2024-06-01$/);
      assert.ok(
        logs.some((line) => line.includes('echo [redacted]')),
        logs.join('\n'),
      );
    });

    it('reports a refused connection after retrying', async () => {
      const server = await serve();
      const baseURL = server.baseURL;
      await server.close();
      const client = new OpenAiChatClient({ name: 'gone', baseURL, apiKey: KEY }, { retry: new RetryPolicy({ budgetMs: 200, baseDelayMs: 5 }) });
      const error = await failure(client.chat(request, never()));
      assert.match(
        error.message,
        /^Endpoint "gone", model "small-model": the endpoint answered nothing for \d+ ms \(\d+ attempts\); last error: connection failed/,
      );
    });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
