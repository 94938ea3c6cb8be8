/**
 * A free-text workload on the loopback test server, simulated: each item asks
 * for a one-sentence summary of a support ticket; the reference answers in
 * its words, the cheap model in others, saying the same on 70% of the items
 * (drawn at random per item) and something else on the rest; a judge model
 * priced at a tenth of the reference (per token) decides, truthfully, whether
 * the two say the same. A second cheap model, at gemini-2.0-flash's price,
 * may join: it says the same as the reference on 70% of the items too, drawn
 * apart from the first's, and its wrong summaries are wrong in its own way,
 * so that a gate the judge decides can tell where one of them is wrong. `npm run bench:freetext` measures it and `npm run
 * demo` shows it; no real model answered.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { hashUnit } from '../src/core/random';
import type { TestMessage } from '../test/support/openaiTestServer';
import { scriptedJudge } from '../test/support/scriptedJudge';

/** Per 1M tokens, in and out: the reference at gpt-4o's list price, the cheap models at gpt-4o-mini's and gemini-2.0-flash's, the judge at a tenth of the reference. */
export const PRICES = { ref: [2.5, 10], cheap: [0.15, 0.6], cheap2: [0.1, 0.4], judge: [0.25, 1] } as const;
export const SAME_MEANING = 0.7;
export const TARGET = 0.8;

const TOPICS = ['a delayed shipment', 'a billing error', 'a broken login', 'a feature request', 'a refund', 'a slow page', 'a lost password', 'an invoice'];

/** Item i's text: a few sentences, so that prompts have the length of real ones. */
function itemText(i: number): string {
  const topic = TOPICS[i % TOPICS.length];
  return (
    `Ticket ${i}: the customer writes about ${topic}. They say it started on day ${(i % 28) + 1} and that they have written twice before. ` +
    `They ask for an answer within ${(i % 5) + 1} days and mention order ${100000 + i}. They are polite but firm, and want a person to reply.`
  );
}

/** Whether a cheap model's summary of item i says the same as the reference's: drawn apart for each. */
const cheapAgrees = (model: string, seed: number, i: number): boolean => hashUnit(model === 'cheap' ? seed : seed ^ 0x5eed2, i) < SAME_MEANING;

/** The fact a summary states: the truth the judge sees. */
const factOf = (text: string): string => /\[fact (\d+-\w+)\]/.exec(text)?.[1] ?? '';

/** The test server's answers for a seed: the reference's, the cheap model's and the judge's. */
export function answers(seed: number): (model: string, messages: readonly TestMessage[]) => string {
  const judge = scriptedJudge({ same: (a, b) => factOf(a) === factOf(b) });
  return (model, messages) => {
    if (model === 'judge') return judge(messages);
    const i = Number(/Ticket (\d+):/.exec(messages[messages.length - 1].content)![1]);
    const topic = TOPICS[i % TOPICS.length];
    if (model === 'ref') return `The customer reports ${topic} on order ${100000 + i} and wants a reply from a person soon. [fact ${i}-a]`;
    if (model === 'cheap2') {
      return cheapAgrees(model, seed, i)
        ? `A ${topic} on order ${100000 + i}; a person should reply soon. [fact ${i}-a]`
        : `The customer wants to close the account. [fact ${i}-c]`;
    }
    return cheapAgrees(model, seed, i)
      ? `Order ${100000 + i}: ${topic}; the customer asks a person to answer quickly. [fact ${i}-a]`
      : `The customer is asking about a discount for their next order. [fact ${i}-b]`;
  };
}

/**
 * Writes `tickets.jsonl` (the items), `prompt.txt` and a `smart.config.json`
 * that points at the test server: the reference, the cheap model (and the
 * second, with `cheapModels` 2) and the judge at their prices, the judge
 * rule and the 80% target.
 */
export function writeWorkload(dir: string, baseURL: string, items: number, seed: number, cheapModels: 1 | 2 = 1): string {
  const input = path.join(dir, 'tickets.jsonl');
  writeFileSync(input, Array.from({ length: items }, (_, i) => JSON.stringify({ id: i, text: itemText(i) })).join('\n') + '\n');
  writeFileSync(path.join(dir, 'prompt.txt'), 'Summarize this support ticket in one sentence.\n\n{{text}}\n');
  writeFileSync(
    path.join(dir, 'smart.config.json'),
    JSON.stringify(
      {
        endpoints: { local: { baseURL } },
        models: Object.entries(PRICES)
          .filter(([id]) => cheapModels === 2 || id !== 'cheap2')
          .map(([id, [inputPer1M, outputPer1M]]) => ({ id, endpoint: 'local', inputPer1M, outputPer1M })),
        reference: 'ref',
        template: 'prompt.txt',
        answer: { kind: 'judge', model: 'judge', auditItems: 40 },
        accuracy: TARGET,
        confidence: 0.95,
        seed,
        concurrency: 64,
      },
      null,
      2,
    ) + '\n',
  );
  return input;
}
