/**
 * `npm run bench:batch`: a million requests through the Batch API path
 * against the loopback test server: request files written from a stream of
 * requests (50,000 per file), uploaded, run as batches, and every answer
 * streamed back and appended to a file, as the response cache would. The
 * batch run goes in a process of its own, so its peak memory (max RSS) is
 * its own, not the server's. Prints the times, the peak memory, and what the
 * server was paid (each request once).
 *
 * Flags: --requests N (default 1,000,000), --models N (default 2: the
 * requests alternate between them), --heap-mb N (caps the run's V8 heap, to
 * show what it really needs rather than garbage not yet collected).
 *
 * Figures, not a test: nothing here asserts a time.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { runBatches } from '../src/job/batch/batchCoordinator';
import { BatchJournal } from '../src/job/batch/batchJournal';
import { BatchRequest, writeRequestFiles } from '../src/job/batch/requestFiles';
import { requestKey } from '../src/job/responseCache';
import { BatchApiClient, OPENAI_REQUEST_LINES } from '../src/llm/batchApi';
import type { ChatRequest } from '../src/llm/chatBackend';
import { chatCompletionBody } from '../src/llm/openAiChatClient';
import { OpenAiTestServer, type TestMessage } from '../test/support/openaiTestServer';

interface RunSettings {
  readonly baseURL: string;
  readonly dir: string;
  readonly requests: number;
  readonly models: number;
}

/** What the batch run prints as its last line. */
interface RunFigures {
  readonly planSeconds: number;
  readonly files: number;
  readonly runSeconds: number;
  readonly answered: number;
  readonly batches: number;
}

const answer = (model: string, messages: readonly TestMessage[]): string => (messages[0].content.length % 2 === 0 ? `${model}: spam` : `${model}: ham`);

/** The requests, made as they are read: none is held. */
function* requests(settings: RunSettings): Generator<BatchRequest> {
  for (let i = 0; i < settings.requests; i++) {
    const model = `model-${i % settings.models}`;
    const request: ChatRequest = { model, messages: [{ role: 'user', content: `Spam or ham? Message ${i}: win a prize now` }] };
    yield { key: requestKey(settings.baseURL, chatCompletionBody(request)), model, request };
  }
}

/** The batch run, in the child process. */
async function run(settings: RunSettings): Promise<void> {
  const journal = await BatchJournal.open(path.join(settings.dir, 'journal.jsonl'));
  const answers = path.join(settings.dir, 'answers.jsonl');
  let planSeconds = 0;
  let files = 0;
  const started = performance.now();
  const summary = await runBatches({
    api: new BatchApiClient({ name: 'loopback', baseURL: settings.baseURL }),
    journal,
    plan: async () => {
      const written = await writeRequestFiles(requests(settings), path.join(settings.dir, 'plan'), { lines: OPENAI_REQUEST_LINES });
      planSeconds = (performance.now() - started) / 1000;
      files = written.length;
      return written;
    },
    folder: path.join(settings.dir, 'leftovers'),
    onAnswer: (a) => appendFileSync(answers, `${JSON.stringify({ k: a.customId, text: a.text, in: a.inputTokens, out: a.outputTokens })}\n`),
    pollSeconds: 0.2,
  });
  journal.close();
  const figures: RunFigures = { planSeconds, files, runSeconds: (performance.now() - started) / 1000 - planSeconds, ...summary };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** Runs the batch run under GNU time; returns its figures and peak RSS in MB. */
async function runChild(settings: RunSettings, heapMb: number | undefined): Promise<RunFigures & { maxRssMb: number }> {
  const settingsFile = path.join(settings.dir, 'settings.json');
  writeFileSync(settingsFile, JSON.stringify(settings));
  const node = [process.execPath, ...(heapMb ? [`--max-old-space-size=${heapMb}`] : []), __filename, '--run', settingsFile];
  const child = spawn('/usr/bin/time', ['-f', 'maxrss_kb=%M', ...node], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the batch run failed (exit ${code}):\n${stderr.slice(-2000)}`);
  const rss = /maxrss_kb=(\d+)/.exec(stderr);
  if (!rss) throw new Error('GNU time did not report the peak memory');
  return { ...(JSON.parse(stdout.trim().split('\n').pop()!) as RunFigures), maxRssMb: Number(rss[1]) / 1024 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      run: { type: 'string' },
      requests: { type: 'string', default: '1000000' },
      models: { type: 'string', default: '2' },
      'heap-mb': { type: 'string' },
    },
  });
  if (values.run !== undefined) {
    await run(JSON.parse(readFileSync(values.run, 'utf8')) as RunSettings);
    return;
  }
  const server = new OpenAiTestServer({ answer });
  await server.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-bench-batch-'));
  try {
    const settings: RunSettings = { baseURL: server.baseURL, dir, requests: Number(values.requests), models: Number(values.models) };
    const heapMb = values['heap-mb'] === undefined ? undefined : Number(values['heap-mb']);
    console.log(
      `bench:batch on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; ` +
        `${settings.requests.toLocaleString('en-US')} requests over ${settings.models} model(s)${heapMb ? `, run heap capped at ${heapMb} MB` : ''}`,
    );
    const f = await runChild(settings, heapMb);
    const counts = server.counts();
    const paidTwice = Object.values(counts.paidPerKey).filter((n) => n > 1).length;
    console.log(
      `request files: ${f.files} written in ${f.planSeconds.toFixed(1)} s; batches: ${f.batches}, answered ${f.answered.toLocaleString('en-US')} ` +
        `in ${f.runSeconds.toFixed(1)} s (${Math.round(f.answered / f.runSeconds).toLocaleString('en-US')} answers/s, the server's work included); ` +
        `peak memory of the run ${f.maxRssMb.toFixed(0)} MB`,
    );
    console.log(
      `server: ${counts.paid.toLocaleString('en-US')} requests paid, ${paidTwice} paid twice; ` +
        `answers file ${(statSync(path.join(dir, 'answers.jsonl')).size / 1e6).toFixed(0)} MB`,
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
