/**
 * `npm run bench:freetext`: free-text work end to end on the loopback test
 * server, through the job as the CLI runs it (config, cost preview, cache,
 * judge, outputs, report), on the simulated workload of freeTextWorkload.ts:
 * a cheap model that says the same as the reference on 70% of the items and
 * a judge at a tenth of the reference's price. The target is 80% agreement
 * with 95% confidence, as the judge decides; the cheap model alone cannot
 * meet it, so the run must mix it with the reference. With `--cheap 2` a
 * second cheap model joins, wrong on other items than the first: the run may
 * then use a gate the judge decides (both models answer, the first's summary
 * is kept where the judge finds they say the same).
 *
 * Prints, per file size, the savings over the reference alone (judge calls
 * included in the cost), what the judge cost, the plan and the guarantee.
 * Token counts are the test server's (a token per four characters), so a
 * judge call, which shows the prompt and both outputs, costs about what its
 * tokens say. The simulation is labelled as such: no real model answered.
 *
 * Flags: --items 2000,20000,100000 --seed N --cheap 1,2 (cheap models: one, two, or a table for each).
 *
 * Figures, not a test: nothing here asserts a savings figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/job/config';
import { runJob } from '../src/job/runJob';
import { describeGuarantee } from '../src/text/guarantee';
import { describeJudge } from '../src/text/judge';
import { usd } from '../src/text/money';
import { count, fixed, percent } from '../src/text/numbers';
import { textTable } from '../src/text/table';
import { OpenAiTestServer } from '../test/support/openaiTestServer';
import { answers, SAME_MEANING, TARGET, writeWorkload } from './freeTextWorkload';

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

async function runOnce(items: number, seed: number, cheapModels: 1 | 2): Promise<Row> {
  const server = new OpenAiTestServer({ answer: answers(seed) });
  const { baseURL } = await server.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-freetext-'));
  try {
    const input = writeWorkload(dir, baseURL, items, seed, cheapModels);
    const t0 = performance.now();
    const { report } = await runJob({ input, config: loadConfig(path.join(dir, 'smart.config.json')) });
    return {
      items,
      savings: report.savings,
      totalCost: report.totalCost,
      referenceOnly: report.referenceOnlyCost,
      judgeCost: report.judge?.cost ?? 0,
      plan: report.plan.entries
        .filter((e) => e.items > 0)
        .map((e) => `${e.id} ${count(e.items)}`)
        .join(', '),
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
  const { values } = parseArgs({
    options: { items: { type: 'string', default: '2000,20000,100000' }, seed: { type: 'string', default: '1' }, cheap: { type: 'string', default: '1' } },
  });
  const sizes = values.items.split(',').map(Number);
  const seed = Number(values.seed);
  for (const cheap of values.cheap.split(',').map(Number)) {
    if (cheap !== 1 && cheap !== 2) throw new Error(`--cheap takes 1 or 2, got ${cheap}`);
    await table(sizes, seed, cheap);
  }
}

/** One table: the runs at each size with one or two cheap models. */
async function table(sizes: readonly number[], seed: number, cheap: 1 | 2): Promise<void> {
  console.log(
    `Free text on the test server (simulated answers): ${cheap === 1 ? 'the cheap model says' : 'each of two cheap models says'} the same as the reference on ${percent(SAME_MEANING)} of items, ` +
      `a truthful judge at a tenth of the reference's price decides; target ${percent(TARGET)}, 95% confidence, seed ${seed}.`,
  );
  const rows: Row[] = [];
  for (const items of sizes) rows.push(await runOnce(items, seed, cheap));
  console.log(
    textTable(
      ['items', 'savings', 'total cost', 'reference alone', 'judge cost', 'plan', 'time'],
      rows.map((r) => [
        count(r.items),
        `${fixed(r.savings, 2)}x`,
        usd(r.totalCost),
        usd(r.referenceOnly),
        usd(r.judgeCost),
        r.plan,
        `${fixed(r.seconds, 1)} s`,
      ]),
      { rule: true, textColumns: [5] },
    ),
  );
  for (const r of rows) console.log(`\n${count(r.items)} items: ${r.judgeLine}\n${r.guarantee}`);
  console.log('');
}

void main();
