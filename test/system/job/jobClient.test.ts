import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ResponseCache } from '../../../src/job/responseCache';
import { OpenAiChatClient } from '../../../src/llm/openAiChatClient';
import { RateLimiterPool } from '../../../src/llm/rateLimiter';
import { itemRecords, jobClient, runOnEveryItem } from '../../support/jobPath';
import { startOpenAiTestServer, type OpenAiTestServer, type TestMessage } from '../../support/openaiTestServer';

const answer = (_model: string, messages: readonly TestMessage[]): string => messages[messages.length - 1].content.toUpperCase();
const records = itemRecords(200);

describe('JobClient with the engine, against the loopback server', function () {
  this.timeout(30_000);
  let server: OpenAiTestServer;
  let cacheFile: string;

  beforeEach(async () => {
    // Slow enough answers that a cancel always finds requests in flight.
    server = await startOpenAiTestServer({ answer, latencyMs: 150 });
    cacheFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'smart-jobclient-')), 'items.jsonl.cache.jsonl');
  });

  afterEach(async () => {
    await server.close();
  });

  /** Runs the reference on every item, cancelling once `cancelAfter` requests reached the server. */
  async function cancelledRun(cancelAfter: number, cancelGraceMs?: number): Promise<void> {
    const cache = await ResponseCache.open(cacheFile);
    const backend = new OpenAiChatClient(
      { name: 'local', baseURL: server.baseURL },
      { limiters: new RateLimiterPool({ maxConcurrent: 8 }), ...(cancelGraceMs !== undefined ? { cancelGraceMs } : {}) },
    );
    const client = jobClient(backend, server.baseURL, cache);
    const controller = new AbortController();
    const watcher = setInterval(() => {
      if (server.requests.length < cancelAfter) return;
      clearInterval(watcher);
      controller.abort(new Error('user cancelled'));
    }, 1);
    try {
      await assert.rejects(runOnEveryItem(client, records, { concurrency: 8, signal: controller.signal }), /user cancelled/);
    } finally {
      clearInterval(watcher);
      cache.close();
    }
  }

  it('keeps in the cache the answers to requests in flight at a cancel', async () => {
    await cancelledRun(20);
    const counts = server.counts();
    assert.ok(counts.total >= 20 && counts.total < records.length, `${counts.total} requests`);
    // Every request sent was answered (and paid), and every answer is on disk.
    assert.equal(counts.paid, counts.total);
    const reopened = await ResponseCache.open(cacheFile);
    assert.equal(reopened.size, counts.total);
    reopened.close();
  });

  it('with no grace period cuts off the requests in flight and loses their answers (what the grace period is for)', async () => {
    await cancelledRun(20, 0);
    const reopened = await ResponseCache.open(cacheFile);
    assert.ok(reopened.size < server.counts().total, `${reopened.size} of ${server.counts().total} kept`);
    reopened.close();
  });
});
