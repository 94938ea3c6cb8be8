/**
 * `npm run bench:io`: the command line on large files against the loopback
 * OpenAI-compatible server, with a few ms of latency per call. Prints items
 * per second and the CLI's peak memory (max RSS):
 *
 * 1. 100,000 short items (flags: --items N, --latency-ms N, --concurrency N);
 * 2. a 1 GB input (100,000 items of about 10 KB each: the prompt uses a short
 *    field, the rest rides along into the output), to show that memory stays
 *    flat however large the file, as JSONL, CSV and Parquet (skip with
 *    --no-large; --large-formats jsonl,csv,parquet picks; --no-short skips 1).
 *
 * 3. appending lines as the response cache does (written, left to the system
 *    to flush) and as the batch journal and the audit do (each flushed to the
 *    disk): lines per second of each, the cost that keeps the cache's lines
 *    from being flushed one by one.
 *
 * --heap-mb N caps the CLI's V8 heap (--max-old-space-size): the peak memory
 * with the default heap is mostly garbage V8 has not yet collected, and a cap
 * shows what the run really needs.
 *
 * --batch: batch mode instead, on one million short items by default
 * (--items N): profiling online, the rest through the server's Files and
 * Batch APIs. Prints the time, the CLI's peak memory, the request files
 * uploaded and the batches run, and what the server was paid (each request
 * once).
 *
 * Figures, not a test: nothing here asserts a time.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as writerForNode from 'hyparquet-writer';
import { parquetWriteRows } from 'hyparquet-writer';
import { AppendOnlyLines } from '../src/io/appendOnlyLines';
import { count, seconds as inSeconds } from '../src/text/numbers';
import { OpenAiTestServer, type TestMessage } from '../test/support/openaiTestServer';
import { spamJobConfig } from '../test/support/spamJob';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

/** The reference labels by the item's number; `mid` is wrong on 1 item in 25, `tiny` on every other. */
function answer(model: string, messages: readonly TestMessage[]): string {
  const i = Number(/item (\d+)/.exec(messages[messages.length - 1].content)![1]);
  const wrong = (model === 'mid' && i % 25 === 7) || (model === 'tiny' && i % 2 === 1);
  return (i % 3 === 0) !== wrong ? 'spam' : 'ham';
}

/** The writer of a Parquet file on disk that `hyparquet-writer` gives in Node (its types describe the browser's entry point). */
const { fileWriter } = writerForNode as unknown as { fileWriter: (file: string) => Parameters<typeof parquetWriteRows>[0]['writer'] };

/**
 * Writes `items` items, each with `padding` characters riding along, as
 * Parquet, in row groups of 5,000 (about 50 MB). The padding is random text:
 * Parquet would compress a repeated one to nothing, and the file must be as
 * large as the others.
 */
async function writeParquet(file: string, items: number, padding: number): Promise<void> {
  async function* rows(): AsyncGenerator<Record<string, unknown>> {
    for (let i = 0; i < items; i++) yield { id: i, text: `item ${i}: hello`, document: randomBytes(Math.ceil((padding * 3) / 4)).toString('base64') };
  }
  await parquetWriteRows({
    writer: fileWriter(file),
    rows: rows(),
    columns: [
      { name: 'id', type: 'INT32' },
      { name: 'text', type: 'STRING' },
      { name: 'document', type: 'STRING' },
    ],
    rowGroupSize: 5000,
  });
}

/** Writes `items` items, each with `padding` characters riding along, as JSONL or as CSV with a header row. */
async function writeInput(file: string, items: number, padding: number, format: 'jsonl' | 'csv' | 'parquet'): Promise<void> {
  if (format === 'parquet') return writeParquet(file, items, padding);
  const out = createWriteStream(file);
  const pad = 'x'.repeat(padding);
  const write = async (line: string): Promise<void> => {
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  if (format === 'csv') await write(padding > 0 ? 'id,text,document\n' : 'id,text\n');
  for (let i = 0; i < items; i++) {
    if (format === 'jsonl') await write(JSON.stringify({ id: i, text: `item ${i}: hello`, ...(padding > 0 ? { document: pad } : {}) }) + '\n');
    else await write(`${i},"item ${i}: hello"${padding > 0 ? `,${pad}` : ''}\n`);
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Runs the CLI under GNU time and returns wall seconds and peak RSS in MB. */
async function runCli(input: string, config: string, heapMb: number | undefined): Promise<{ seconds: number; maxRssMb: number }> {
  const started = performance.now();
  const node = [process.execPath, ...(heapMb ? [`--max-old-space-size=${heapMb}`] : []), CLI];
  const child = spawn('/usr/bin/time', ['-f', 'maxrss_kb=%M', ...node, 'profile', input, '--config', config, '--yes', '--force'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`the CLI failed (exit ${code}):\n${stderr.slice(-2000)}`);
  const rss = /maxrss_kb=(\d+)/.exec(stderr);
  if (!rss) throw new Error('GNU time did not report the peak memory');
  return { seconds, maxRssMb: Number(rss[1]) / 1024 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: 'string' },
      'latency-ms': { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '64' },
      'no-large': { type: 'boolean', default: false },
      'no-short': { type: 'boolean', default: false },
      'large-formats': { type: 'string', default: 'jsonl,csv,parquet' },
      'heap-mb': { type: 'string' },
      batch: { type: 'boolean', default: false },
    },
  });
  const heapMb = values['heap-mb'] === undefined ? undefined : Number(values['heap-mb']);
  const items = Number(values.items ?? (values.batch ? 1_000_000 : 100_000));
  if (values.batch) {
    await batchCase(items, heapMb);
    return;
  }
  const latencyMs = Number(values['latency-ms']);
  const concurrency = Number(values.concurrency);
  const server = new OpenAiTestServer({ answer, latencyMs });
  await server.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-bench-io-'));
  try {
    writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
    const config = path.join(dir, 'smart.config.json');
    writeFileSync(config, JSON.stringify(spamJobConfig({ baseURL: server.baseURL, concurrency }, { concurrency })));
    console.log(
      `bench:io on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; server latency ${latencyMs} ms, ` +
        `${concurrency} calls in flight${heapMb ? `, CLI heap capped at ${heapMb} MB` : ''}`,
    );
    const cases: Array<{ name: string; padding: number; format: 'jsonl' | 'csv' | 'parquet' }> = [];
    if (!values['no-short']) cases.push({ name: `${count(items)} short items`, padding: 0, format: 'jsonl' });
    if (!values['no-large']) {
      const formats = values['large-formats'].split(',') as Array<'jsonl' | 'csv' | 'parquet'>;
      for (const format of formats) cases.push({ name: `${count(items)} items of ~10 KB, ${format}`, padding: 10_000, format });
    }
    for (const c of cases) {
      const input = path.join(dir, `${c.padding ? 'large' : 'short'}.${c.format}`);
      await writeInput(input, items, c.padding, c.format);
      const size = statSync(input).size;
      const callsBefore = server.counts().paid;
      const { seconds, maxRssMb } = await runCli(input, config, heapMb);
      const calls = server.counts().paid - callsBefore;
      console.log(
        `${c.name} (${count(size / 1e6)} MB in): ${inSeconds(seconds * 1000)}, ` +
          `${count(items / seconds)} items/s, ${count(calls)} calls ` +
          `(${count(calls / seconds)}/s), peak memory ${count(maxRssMb)} MB`,
      );
      rmSync(input);
      for (const output of ['short', 'large'].flatMap((b) => [`${b}.smart.jsonl`, `${b}.smart.csv`])) rmSync(path.join(dir, output), { force: true });
      rmSync(path.join(dir, '.smart'), { recursive: true, force: true });
    }
    appendCase(dir);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lines per second appended as the cache does, and flushed one by one as the journal does (a line of ~300 bytes, like a cache entry). */
function appendCase(dir: string): void {
  const line = JSON.stringify({ key: 'k'.repeat(32), text: 'x'.repeat(240) });
  const rate = (durable: boolean, lines: number): number => {
    const file = new AppendOnlyLines(path.join(dir, `${durable ? 'durable' : 'plain'}.jsonl`), durable);
    const start = performance.now();
    for (let i = 0; i < lines; i++) file.append(line);
    const seconds = (performance.now() - start) / 1000;
    file.close();
    return lines / seconds;
  };
  console.log(
    `appending ~300-byte lines: ${count(rate(false, 100_000))}/s written (the response cache), ${count(rate(true, 2_000))}/s flushed each (the batch journal, the audit's labels)`,
  );
}

/** Batch mode on `items` short items: profiling online, the rest as batches of the test server. */
async function batchCase(items: number, heapMb: number | undefined): Promise<void> {
  const server = new OpenAiTestServer({ answer });
  await server.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-bench-io-batch-'));
  try {
    writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
    const config = path.join(dir, 'smart.config.json');
    writeFileSync(config, JSON.stringify(spamJobConfig({ baseURL: server.baseURL }, { concurrency: 64, batch: { pollSeconds: 1 } })));
    console.log(
      `bench:io --batch on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; the test server in this process${heapMb ? `, CLI heap capped at ${heapMb} MB` : ''}`,
    );
    const input = path.join(dir, 'short.jsonl');
    await writeInput(input, items, 0, 'jsonl');
    const { seconds, maxRssMb } = await runCli(input, config, heapMb);
    const counts = server.counts();
    const batches = server.batches();
    const requests = batches.reduce((n, b) => n + (b.request_counts as { total: number }).total, 0);
    const paidTwice = Object.values(counts.paidPerKey).filter((n) => n > 1).length;
    console.log(
      `${count(items)} short items (${count(statSync(input).size / 1e6)} MB in): ${inSeconds(seconds * 1000)}, peak memory ${count(maxRssMb)} MB; ` +
        `${count(server.apiCalls()['files.create'] ?? 0)} request files uploaded, ${count(batches.length)} batches of ${count(requests)} requests ` +
        `(models ${[...new Set(batches.map((b) => String(b.model)))].join(', ')}); ${count(counts.paid - requests)} calls online; ` +
        `${count(counts.paid)} paid, ${count(paidTwice)} paid twice`,
    );
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
