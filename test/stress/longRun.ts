/**
 * Issue 11, item 18: transient faults must not end long runs. One long run:
 * 100,000 calls through the engine, the job client (with its response cache)
 * and the chat client (the real `openai` package) against the loopback server
 * on a thread of its own, with 64 calls in flight, while the server fails
 * requests as planned.
 *
 * Waits are shortened through options (server latency, backoff caps, the
 * server's Retry-After), but an outage is real time. The duration and the
 * retry count are printed, not asserted: a shared machine makes them vary.
 * Each scenario is a file of its own, so that `npm run test:stress` runs them
 * side by side on two cores (the client's thread is the busy one).
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ResponseCache } from '../../src/job/responseCache';
import { OpenAiChatClient } from '../../src/llm/openAiChatClient';
import { RateLimiterPool } from '../../src/llm/rateLimiter';
import { RetryPolicy } from '../../src/llm/retryPolicy';
import { itemRecords, jobClient, MODEL, promptOf, runOnEveryItem } from '../support/jobPath';
import { startFaultyServer, stressAnswer, type FaultPlan } from './faultyServerThread';

const CALLS = 100_000;
const CONCURRENCY = 64;
const records = itemRecords(CALLS);

/** Runs the 100,000 calls against a server failing as planned, prints what happened, and checks every call finished, once. */
export async function longRun(name: string, plan: FaultPlan): Promise<void> {
  const server = await startFaultyServer(plan);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-stress-'));
  const cache = await ResponseCache.open(path.join(dir, 'items.jsonl.cache.jsonl'));
  const limiters = new RateLimiterPool({ maxConcurrent: CONCURRENCY });
  let retries = 0;
  const backend = new OpenAiChatClient(
    { name: 'loopback', baseURL: server.baseURL },
    {
      limiters,
      // Short waits; a budget well above the outage, yet short enough that a regression fails rather than hangs.
      retry: new RetryPolicy({ budgetMs: 120_000, baseDelayMs: 10, maxDelayMs: 250 }),
      log: (level) => {
        if (level === 'warn') retries++;
      },
    },
  );
  const client = jobClient(backend, server.baseURL, cache);
  const limiter = limiters.forModel(MODEL);
  let lowestLimit = limiter.limit;
  const watch = setInterval(() => (lowestLimit = Math.min(lowestLimit, limiter.limit)), 20);
  let outputs = 0;
  let wrong = 0;
  const started = Date.now();
  try {
    await runOnEveryItem(client, records, {
      concurrency: CONCURRENCY,
      onOutput: (o) => {
        outputs++;
        if (o.completion.text !== stressAnswer([{ role: 'user', content: promptOf(o.item) }])) wrong++;
      },
    });
  } finally {
    clearInterval(watch);
    cache.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const stats = await server.stop();
  const reopened = await ResponseCache.open(path.join(dir, 'items.jsonl.cache.jsonl'));
  const cached = reopened.size;
  reopened.close();
  rmSync(dir, { recursive: true, force: true });

  console.log(
    `      ${name}: ${CALLS} calls in ${seconds.toFixed(1)} s; ${retries} retries ` +
      `(${stats.rateLimited} answered 429, ${stats.serverErrors} answered 500${plan.outage ? `, ${stats.duringOutage} of them in the ${(stats.outageMs / 1000).toFixed(1)} s outage` : ''}); ` +
      `${stats.requests} requests; calls in flight: lowest ${lowestLimit}, ${limiter.limit} at the end`,
  );

  assert.equal(outputs, CALLS);
  assert.equal(wrong, 0);
  assert.equal(stats.paid, CALLS);
  assert.equal(stats.paidTwice, 0);
  assert.equal(cached, CALLS);
  assert.equal(retries, stats.rateLimited + stats.serverErrors);
  if (plan.outage) assert.ok(stats.outageMs >= plan.outage.durationMs - 100, `the outage lasted ${stats.outageMs} ms`);
}
