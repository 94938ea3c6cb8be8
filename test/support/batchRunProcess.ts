/**
 * One batch run as tests drive it: the batch client, the journal, the request
 * files and the coordinator wired together, answers appended to a file (one
 * JSON line each, one synchronous write, as the response cache does).
 *
 * Run as a program it does the same in a process of its own, for tests that
 * kill it with SIGKILL part way and resume:
 *
 *   node out/test/support/batchRunProcess.js settings.json
 *
 * It prints each progress event as a JSON line on stdout, and exits 0 when
 * the run ends, 1 (with the message on stderr) when it fails.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchAnswer, BatchProgress, BatchRunSummary, runBatches, RunBatchesOptions } from '../../src/job/batch/batchCoordinator';
import { BatchJournal } from '../../src/job/batch/batchJournal';
import { BatchRequest, RequestFileLimits, writeRequestFiles } from '../../src/job/batch/requestFiles';
import { requestKey } from '../../src/job/responseCache';
import type { ChatRequest, EndpointKind } from '../../src/llm/chatBackend';
import { createBatchProvider } from '../../src/llm/chatBackends';
import { chatCompletionBody } from '../../src/llm/openAiChatClient';
import { RetryPolicy } from '../../src/llm/retryPolicy';

export interface BatchRunSettings {
  /** The test server's base URL (ending in /v1). */
  readonly baseURL: string;
  /** Whose batch engine to drive: OpenAI's Batch API (the default), Anthropic's Message Batches or Gemini's batch jobs, all the test server's. */
  readonly kind?: EndpointKind;
  readonly apiKey?: string;
  readonly journal: string;
  /** Request files go to `<folder>/plan`, leftovers to `<folder>/leftovers`. */
  readonly folder: string;
  readonly requests: readonly BatchRequest[];
  /** Each answer handed on is appended here as a JSON line. */
  readonly answers: string;
  readonly pollSeconds: number;
  readonly maxAttempts?: number;
  readonly limits?: RequestFileLimits;
}

/** The requests a job would send for these prompts, keyed as the response cache keys them. */
export function chatRequests(baseURL: string, model: string, prompts: readonly string[]): BatchRequest[] {
  return prompts.map((prompt) => {
    const request: ChatRequest = { model, messages: [{ role: 'user', content: prompt }] };
    return { key: requestKey(baseURL, chatCompletionBody(request)), model, request };
  });
}

/** The answers handed on so far, in order (repeats included). */
export function readAnswers(file: string): BatchAnswer[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as BatchAnswer);
}

/** Runs the batch run the settings describe; `extra` adds or overrides coordinator options. */
export async function runBatchRun(settings: BatchRunSettings, extra: Partial<RunBatchesOptions> = {}): Promise<BatchRunSummary> {
  const kind = settings.kind ?? 'openai';
  // Anthropic's and Gemini's SDKs take the origin and add their version paths themselves.
  const baseURL = kind === 'openai' ? settings.baseURL : settings.baseURL.replace(/\/v1$/, '');
  const api = createBatchProvider(
    kind,
    { name: 'loopback', baseURL, apiKey: settings.apiKey ?? 'sk-test', timeoutMs: 10_000 },
    { retry: new RetryPolicy({ baseDelayMs: 10, random: () => 0.5 }) },
  );
  const journal = await BatchJournal.open(settings.journal);
  try {
    return await runBatches({
      api,
      journal,
      plan: () =>
        writeRequestFiles(settings.requests, join(settings.folder, 'plan'), { lines: api.lines, ...(settings.limits ? { limits: settings.limits } : {}) }),
      folder: join(settings.folder, 'leftovers'),
      onAnswer: (answer) => appendFileSync(settings.answers, `${JSON.stringify(answer)}\n`),
      pollSeconds: settings.pollSeconds,
      ...(settings.maxAttempts !== undefined ? { maxAttempts: settings.maxAttempts } : {}),
      ...(settings.limits ? { limits: settings.limits } : {}),
      ...extra,
    });
  } finally {
    journal.close();
  }
}

if (require.main === module) {
  const settings = JSON.parse(readFileSync(process.argv[2], 'utf8')) as BatchRunSettings;
  runBatchRun(settings, { onProgress: (progress: BatchProgress) => process.stdout.write(`${JSON.stringify(progress)}\n`) }).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
