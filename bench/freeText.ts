/**
 * `npm run bench:freetext`: free-text work end to end on the loopback test
 * server, through the job as the CLI runs it (config, cost preview, cache,
 * judge, outputs, report). Each item asks for a one-sentence summary; the
 * reference answers in its words, the cheap model in others, saying the same
 * on 70% of the items (drawn at random per item) and something else on the
 * rest; a judge model priced at a tenth of the reference (per token) decides,
 * truthfully, whether the two say the same. The target is 80% agreement with
 * 95% confidence, as the judge decides; the cheap model alone cannot meet it,
 * so the run must mix it with the reference.
 *
 * Prints, per file size, the savings over the reference alone (judge calls
 * included in the cost), what the judge cost, the plan and the guarantee.
 * Token counts are the test server's (a token per four characters), so a
 * judge call, which shows the prompt and both outputs, costs about what its
 * tokens say. The simulation is labelled as such: no real model answered.
 *
 * Flags: --items 2000,20000,100000 --seed N.
 *
 * Figures, not a test: nothing here asserts a savings figure.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { hashUnit } from '../src/core/random';
import { loadConfig } from '../src/job/config';
import { runJob } from '../src/job/runJob';
import { describeGuarantee } from '../src/text/guarantee';
import { describeJudge } from '../src/text/judge';
import { usd } from '../src/text/money';
import { count, fixed, percent } from '../src/text/numbers';
import { textTable } from '../src/text/table';
import { OpenAiTestServer, type TestMessage } from '../test/support/openaiTestServer';
import { scriptedJudge } from '../test/support/scriptedJudge';

/** Per 1M tokens, in and out: the reference at gpt-4o's list price, the cheap model at gpt-4o-mini's, the judge at a tenth of the reference. */
const PRICES = { ref: [2.5, 10], cheap: [0.15, 0.6], judge: [0.25, 1] } as const;
const SAME_MEANING = 0.7;
const TARGET = 0.8;

const TOPICS = ['a delayed shipment', 'a billing error', 'a broken login', 'a feature request', 'a refund', 'a slow page', 'a lost password', 'an invoice'];

/** Item i's text: a few sentences, so that prompts have the length of real ones. */
function itemText(i: number): string {
  const topic = TOPICS[i % TOPICS.length];
  return (
    `Ticket ${i}: the customer writes about ${topic}. They say it started on day ${(i % 28) + 1} and that they have written twice before. ` +
    `They ask for an answer within ${(i % 5) + 1} days and mention order ${100000 + i}. They are polite but firm, and want a person to reply.`
  );
}

/** Whether the cheap model's summary of item i says the same as the reference's. */
const cheapAgrees = (seed: number, i: number): boolean => hashUnit(seed, i) < SAME_MEANING;

/** The fact a summary states: the truth the judge sees. */
const factOf = (text: string): string => /\[fact (\d+-\w+)\]/.exec(text)?.[1] ?? '';

function answers(seed: number): (model: string, messages: readonly TestMessage[]) => string {
  const judge = scriptedJudge({ same: (a, b) => factOf(a) === factOf(b) });
  return (model, messages) => {
    if (model === 'judge') return judge(messages);
    const i = Number(/Ticket (\d+):/.exec(messages[messages.length - 1].content)![1]);
    const topic = TOPICS[i % TOPICS.length];
    if (model === 'ref') return `The customer reports ${topic} on order ${100000 + i} and wants a reply from a person soon. [fact ${i}-a]`;
    return cheapAgrees(seed, i)
      ? `Order ${100000 + i}: ${topic}; the customer asks a person to answer quickly. [fact ${i}-a]`
      : `The customer is asking about a discount for their next order. [fact ${i}-b]`;
  };
}

interface Row {
  readonly items: number;
  readonly savings: number;
  readonly totalCost: number;
  readonly referenceOnly: number;
  readonly judgeCost: number;
  readonly plan: string;
  readonly guarantee: string;
  readonly judgeLine: string;
  readonly seconds: number;
}

async function runOnce(items: number, seed: number): Promise<Row> {
  const server = new OpenAiTestServer({ answer: answers(seed) });
  const { baseURL } = await server.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-freetext-'));
  try {
    const input = path.join(dir, 'tickets.jsonl');
    writeFileSync(input, Array.from({ length: items }, (_, i) => JSON.stringify({ id: i, text: itemText(i) })).join('\n') + '\n');
    writeFileSync(path.join(dir, 'prompt.txt'), 'Summarize this support ticket in one sentence.\n\n{{text}}\n');
    const config = path.join(dir, 'smart.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        endpoints: { local: { baseURL } },
        models: Object.entries(PRICES).map(([id, [inputPer1M, outputPer1M]]) => ({ id, endpoint: 'local', inputPer1M, outputPer1M })),
        reference: 'ref',
        template: 'prompt.txt',
        answer: { kind: 'judge', model: 'judge' },
        accuracy: TARGET,
        confidence: 0.95,
        seed,
        concurrency: 64,
      }),
    );
    const t0 = performance.now();
    const { report } = await runJob({ input, config: loadConfig(config) });
    return {
      items,
      savings: report.savings,
      totalCost: report.totalCost,
      referenceOnly: report.referenceOnlyCost,
      judgeCost: report.judge?.cost ?? 0,
      plan: report.plan.entries.filter((e) => e.items > 0).map((e) => `${e.id} ${count(e.items)}`).join(', '),
      guarantee: describeGuarantee(report),
      judgeLine: describeJudge(report.judge!),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { items: { type: 'string', default: '2000,20000,100000' }, seed: { type: 'string', default: '1' } } });
  const sizes = values.items.split(',').map(Number);
  const seed = Number(values.seed);
  console.log(
    `Free text on the test server (simulated answers): the cheap model says the same as the reference on ${percent(SAME_MEANING)} of items, ` +
      `a truthful judge at a tenth of the reference's price decides; target ${percent(TARGET)}, 95% confidence, seed ${seed}.`,
  );
  const rows: Row[] = [];
  for (const items of sizes) rows.push(await runOnce(items, seed));
  console.log(
    textTable(
      ['items', 'savings', 'total cost', 'reference alone', 'judge cost', 'plan', 'time'],
      rows.map((r) => [count(r.items), `${fixed(r.savings, 2)}x`, usd(r.totalCost), usd(r.referenceOnly), usd(r.judgeCost), r.plan, `${fixed(r.seconds, 1)} s`]),
      { rule: true, textColumns: [5] },
    ),
  );
  for (const r of rows) console.log(`\n${count(r.items)} items: ${r.judgeLine}\n${r.guarantee}`);
}

void main();
