/**
 * The path a real run's calls take, for tests that need many calls through
 * it: the engine running one model on every item (strategy `naive`, no
 * profiling), a JobClient rendering each item's prompt and keeping answers in
 * the response cache, and the chat client in front of an endpoint.
 */
import { runSmart, type ItemOutput, type RunResult } from '../../src/core/engine';
import { arraySource } from '../../src/core/itemSource';
import type { InputRecord } from '../../src/io/readingPass';
import { compileTemplate } from '../../src/io/template';
import { JobClient } from '../../src/job/jobClient';
import type { ChatBackend } from '../../src/llm/chatBackend';
import type { ResponseCache } from '../../src/job/responseCache';

/** The one model's id, also its provider name. */
export const MODEL = 'm';
export const INPUT_NAME = 'items.jsonl';
export const template = compileTemplate('Repeat: {{text}}', 'prompt.txt');

/** Items `{ text: "item i" }` on lines 1..n. */
export function itemRecords(n: number): InputRecord[] {
  return Array.from({ length: n }, (_, i) => ({ line: i + 1, value: { text: `item ${i}` } }));
}

/** The prompt the model gets for a record. */
export function promptOf(record: InputRecord): string {
  return template.render(record.value, { file: INPUT_NAME, line: record.line });
}

export function jobClient(backend: ChatBackend, baseURL: string, cache: ResponseCache): JobClient {
  return new JobClient({ inputName: INPUT_NAME, template, routes: new Map([[MODEL, { providerModel: MODEL, endpoint: 'local', baseURL, backend }]]), cache });
}

/** Runs the model on every record, `concurrency` calls in flight. */
export function runOnEveryItem(
  client: JobClient,
  records: readonly InputRecord[],
  options: { concurrency: number; signal?: AbortSignal; onOutput?: (output: ItemOutput<InputRecord>) => void },
): Promise<RunResult<InputRecord>> {
  return runSmart({
    items: arraySource(records),
    models: [{ id: MODEL, inputPer1M: 1, outputPer1M: 1 }],
    reference: MODEL,
    strategy: 'naive',
    client,
    target: { accuracy: 0.9, confidence: 0.9 },
    ...options,
  });
}
