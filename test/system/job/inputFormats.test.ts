import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readDataset } from '../../../src/io/shards';
import { loadConfig } from '../../../src/job/config';
import { jobFiles, runJob } from '../../../src/job/runJob';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { tempFolderPerTest } from '../../support/files';
import { withOpenAiTestServer, type TestMessage } from '../../support/openaiTestServer';
import { spamJobConfig } from '../../support/spamJob';

/** `big` right on every message, `mid` wrong on one in 25, `tiny` on every other. */
function answer(model: string, messages: readonly TestMessage[]): string {
  const i = Number(/message (\d+)/.exec(messages[messages.length - 1].content)![1]);
  const wrong = (model === 'mid' && i % 25 === 7) || (model === 'tiny' && i % 2 === 1);
  return (i % 3 === 0) !== wrong ? 'Spam.' : 'Ham.';
}

const ROWS = Array.from({ length: 900 }, (_, i) => ({
  id: String(i),
  'the text': `message ${i}, "quoted"\nand a second line`,
  note: i % 7 === 0 ? '' : `n${i}`,
}));

/** What Smart adds to an item: `smart` in JSONL, its columns in CSV and TSV. */
const SMART_KEYS = new Set(['smart', 'smart_output', 'smart_model', 'smart_raw']);

/** The same rows in each format Smart reads. */
const FORMATS: Record<string, (rows: typeof ROWS) => string | Buffer> = {
  'items.jsonl': (rows) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n',
  'items.csv': (rows) => ['id,the text,note', ...rows.map((r) => [r.id, `"${r['the text'].replace(/"/g, '""')}"`, r.note].join(','))].join('\r\n') + '\r\n',
  'items.tsv': (rows) => ['id\tthe text\tnote', ...rows.map((r) => [r.id, `"${r['the text'].replace(/"/g, '""')}"`, r.note].join('\t'))].join('\n') + '\n',
  'items.json': (rows) => JSON.stringify(rows, null, 2),
  'items.parquet': (rows) =>
    Buffer.from(
      parquetWriteBuffer({
        columnData: (['id', 'the text', 'note'] as const).map((name) => ({ name, data: rows.map((r) => r[name]), type: 'STRING' as const })),
        rowGroupSize: 256,
      }),
    ),
};

describe('one job from every input format (issue 18)', function () {
  this.timeout(120_000);
  const folder = tempFolderPerTest('smart-formats-');

  it('pays the same calls and writes the same answers from JSONL, CSV, TSV, a JSON array, Parquet and a folder of CSV shards, each output in its format', async () => {
    const results = new Map<string, { paid: Record<string, number>; answers: string[]; cost: number }>();
    for (const [name, write] of Object.entries({ ...FORMATS, shards: FORMATS['items.csv'] })) {
      await withOpenAiTestServer({ answer }, async (server) => {
        const dir = path.join(folder(), name.replace('.', '-'));
        // A folder of 8 CSV shards, part-0.csv to part-7.csv (read part-2 before part-10), or one file.
        const input = name === 'shards' ? path.join(dir, 'data') : path.join(dir, name);
        mkdirSync(name === 'shards' ? input : dir, { recursive: true });
        if (name === 'shards') {
          for (let shard = 0; shard < 8; shard++) writeFileSync(path.join(input, `part-${shard}.csv`), write(ROWS.slice(shard * 113, (shard + 1) * 113)));
        } else writeFileSync(input, write(ROWS));
        writeFileSync(path.join(dir, 'prompt.txt'), 'Label this message as spam or ham: {{the text}}');
        const config = path.join(dir, 'smart.config.json');
        writeFileSync(config, JSON.stringify(spamJobConfig({ baseURL: server.baseURL, timeoutMs: 5000 }, { seed: 5 })));
        const { report, files } = await runJob({ input, config: loadConfig(config) });
        assert.equal(
          path.extname(files.output),
          /\.csv$|^shards$/.test(name) ? '.csv' : name.endsWith('.tsv') ? '.tsv' : name.endsWith('.parquet') ? '.parquet' : '.jsonl',
          files.output,
        );
        assert.deepEqual(files.outputs, jobFiles(input).outputs);
        assert.equal(files.outputs.length, name === 'shards' ? 8 : 1);
        const answers: string[] = [];
        const originals: unknown[] = [];
        for await (const { value } of readDataset(files.outputs)) {
          const smart = value.smart as { output: string; model: string } | undefined;
          answers.push(smart ? `${smart.output} ${smart.model}` : `${String(value.smart_output)} ${String(value.smart_model)}`);
          originals.push(Object.fromEntries(Object.entries(value).filter(([key]) => !SMART_KEYS.has(key))));
        }
        assert.deepEqual(originals, ROWS, `${name}: the rows did not come back as they were`);
        assert.equal(server.maxPaidPerRequest(), 1);
        results.set(name, { paid: server.counts().paidPerKey, answers, cost: report.totalCost });
      });
    }
    const [first, ...rest] = [...results.entries()];
    for (const [name, got] of rest) {
      assert.deepEqual(got.paid, first[1].paid, `${name} paid other calls than ${first[0]}`);
      assert.deepEqual(got.answers, first[1].answers, `${name} wrote other answers than ${first[0]}`);
      assert.equal(got.cost, first[1].cost);
    }
    assert.ok(readFileSync(path.join(folder(), 'items-csv', 'items.smart.csv'), 'utf8').startsWith('id,the text,note,smart_output,smart_model,smart_raw\n'));
  });

  it('reads a file whose extension does not say its format, with a delimiter given, and writes the outputs in the format asked (issue 18)', async () => {
    await withOpenAiTestServer({ answer }, async (server) => {
      const dir = path.join(folder(), 'chosen');
      mkdirSync(dir, { recursive: true });
      const input = path.join(dir, 'export.txt');
      writeFileSync(input, ['id;the text', ...ROWS.slice(0, 120).map((r) => `${r.id};"${r['the text'].replace(/"/g, '""')}"`)].join('\n') + '\n');
      writeFileSync(path.join(dir, 'prompt.txt'), 'Label this message as spam or ham: {{the text}}');
      const config = path.join(dir, 'smart.config.json');
      writeFileSync(
        config,
        JSON.stringify(spamJobConfig({ baseURL: server.baseURL, timeoutMs: 5000 }, { seed: 5, inputFormat: 'csv', delimiter: ';', outputFormat: 'jsonl' })),
      );
      const { files } = await runJob({ input, config: loadConfig(config) });
      assert.equal(files.output, path.join(dir, 'export.txt.smart.jsonl'));
      const lines = readFileSync(files.output, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; smart: { output: string } });
      assert.deepEqual(
        lines.map((l) => l.id),
        ROWS.slice(0, 120).map((r) => r.id),
      );
      assert.ok(lines.every((l) => ['spam', 'ham'].includes(l.smart.output)));
      assert.throws(() => loadConfig(config, { delimiter: ':' }), /delimiter/);
    });
  });
});
