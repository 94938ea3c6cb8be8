/**
 * Mocha hooks for tests of clients against loopback servers with an API key:
 * every server a test starts is closed after it, and every line logged and
 * every error message seen is checked for the key.
 */
import * as assert from 'node:assert/strict';
import type { Log } from '../../src/llm/openAiEndpoint';
import { OpenAiTestServer, OpenAiTestServerOptions, startOpenAiTestServer } from './openaiTestServer';

export interface LoopbackHarness {
  /** Starts a server with the harness's answers and these options; it is closed after the test. */
  serve(options?: Partial<OpenAiTestServerOptions>): Promise<OpenAiTestServer>;
  /** Records each line as `level: message` in {@link logs}. */
  readonly log: Log;
  /** The lines logged during the current test. */
  readonly logs: string[];
  /** Awaits a call expected to fail; returns its error, whose message is checked for the key. */
  failure(call: Promise<unknown>): Promise<Error>;
}

/** Registers the hooks in the enclosing `describe`. */
export function useLoopbackServers(key: string, answer: OpenAiTestServerOptions['answer']): LoopbackHarness {
  const servers: OpenAiTestServer[] = [];
  const logs: string[] = [];
  const errorMessages: string[] = [];

  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers.length = 0;
    for (const text of [...logs, ...errorMessages]) assert.ok(!text.includes(key), `key leaked into: ${text}`);
    logs.length = 0;
    errorMessages.length = 0;
  });

  return {
    async serve(options = {}) {
      const server = await startOpenAiTestServer({ answer, ...options });
      servers.push(server);
      return server;
    },
    log: (level, message) => logs.push(`${level}: ${message}`),
    logs,
    async failure(call) {
      try {
        await call;
      } catch (error) {
        assert.ok(error instanceof Error);
        errorMessages.push(error.message);
        return error;
      }
      assert.fail('the call succeeded');
    },
  };
}
