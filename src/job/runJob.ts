import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describeAnswerRule, extractAnswer } from '../io/answerExtraction';
import { DEFAULTS } from '../core/defaults';
import { runSmart, type ItemOutput, type RunResult } from '../core/engine';
import type { FileFingerprint } from '../io/fileFingerprint';
import { InputChangedError, InputError } from '../io/inputError';
import type { ItemSource } from '../core/itemSource';
import { readJsonl, type JsonlRecord } from '../io/jsonl';
import { FileExistsError, writeFileAtomic } from '../io/writeFileAtomic';
import type { CostPreview, Guarantee, ProgressEvent, RunReport } from '../core/report';
import { compileTemplate, type Template } from '../io/template';
import type { LlmClient, ModelSpec } from '../core/types';
import { OpenAiChatClient, type Log } from '../llm/openAiChatClient';
import { RateLimiterPool } from '../llm/rateLimiter';
import { RetryPolicy } from '../llm/retryPolicy';
import { ReplayClient } from '../llm/replayClient';
import { describeGuarantee } from '../text/guarantee';
import type { SmartConfig } from './config';
import { previewCost } from './costPreview';
import { JobClient, type ModelRoute } from './jobClient';
import { OrderedWriter } from './orderedWriter';
import { ResponseCache } from './responseCache';
import { RunLock } from './runLock';

/** The files a job on `input` writes: beside it, plus the cache under `.smart/`. */
export function jobFiles(input: string): { output: string; report: string; cache: string } {
  const dir = path.dirname(input);
  const base = path.basename(input).replace(/\.jsonl$/i, '');
  return {
    output: path.join(dir, `${base}.smart.jsonl`),
    report: path.join(dir, `${base}.smart-report.json`),
    cache: ResponseCache.fileFor(input),
  };
}

/** Where an API key comes from: the editor's secret storage, or the environment. */
export type KeyLookup = (endpoint: string, apiKeyEnv: string | undefined) => string | undefined;

export const environmentKeys =
  (env: NodeJS.ProcessEnv = process.env): KeyLookup =>
  (_endpoint, apiKeyEnv) =>
    apiKeyEnv === undefined ? undefined : env[apiKeyEnv];

export interface JobOptions {
  readonly input: string;
  readonly config: SmartConfig;
  /** Overwrite existing outputs. */
  readonly force?: boolean;
  /** Skip malformed lines (and lines missing a template field) instead of failing; they are listed in the report. */
  readonly skipInvalid?: boolean;
  /** Stop cleanly once this many USD are paid in this run. */
  readonly maxCost?: number;
  readonly signal?: AbortSignal;
  readonly keys?: KeyLookup;
  readonly log?: Log;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Asked once the cost preview is known, before any paid call; resolve false to stop. */
  readonly confirm?: (preview: CostPreview) => Promise<boolean>;
}

/** The engine's report plus what a job adds: the guarantee in words, files, the answer rule, skipped lines, calls paid and cached. */
export interface JobReport extends Omit<RunReport, 'guarantee'> {
  /** The engine's numbers and the sentence that states them, so that the report file reads on its own. */
  readonly guarantee: Guarantee & { readonly statement: string };
  readonly input: string;
  readonly output: string;
  readonly config: string;
  /** How outputs were compared: the guarantee is about this. */
  readonly answerRule: string;
  readonly perModel: Readonly<Record<string, { calls: number; cachedCalls: number; inputTokens: number; outputTokens: number; cost: number }>>;
  readonly paidCalls: number;
  readonly cachedCalls: number;
  readonly skippedLines: ReadonlyArray<{ line: number; problem: string }>;
  readonly preview: CostPreview;
}

export interface JobResult {
  readonly report: JobReport;
  readonly files: ReturnType<typeof jobFiles>;
}

/** Thrown when the user declined the cost preview (src/text's `describeStop` words it). */
export class DeclinedError extends Error {
  override readonly name = 'DeclinedError';
  constructor() {
    super('cost preview declined');
  }
}

const PREVIEW_SAMPLE = 200;

/**
 * Runs Smart over a JSONL file as configured: takes the file's run lock (one
 * run per file at a time), validates every line first (so bad input stops the
 * job before anything is paid), previews the cost, runs the engine with the
 * cache in front of the endpoints (each pass over the file must read what the
 * validation read), and writes the outputs (in input order, all at once or
 * not at all) and the report beside the input.
 */
export async function runJob(options: JobOptions): Promise<JobResult> {
  // Before anything else: a second run on the same file would pay for every call again.
  const lock = RunLock.acquire(options.input);
  try {
    return await runLockedJob(options);
  } finally {
    lock.release();
  }
}

async function runLockedJob(options: JobOptions): Promise<JobResult> {
  const { input, config } = options;
  const files = jobFiles(input);
  if (!options.force) {
    for (const file of [files.output, files.report]) if (existsSync(file)) throw new FileExistsError(file);
  }
  const template = compileTemplate(config.template, path.basename(config.templateFile));
  const checked = await checkInput(template, options);
  const preview = previewFor(config, checked);
  if (options.confirm && !(await options.confirm(preview))) throw new DeclinedError();

  const cache = config.replay ? undefined : await ResponseCache.open(files.cache);
  try {
    const client = cache ? callingClient(options, template, cache) : await replayClient(config);
    const run = await runEngine(options, client, checked, engineSpecs(config, preview), files.output);
    const report = jobReport(options, run.report, checked, preview, files.output);
    await writeFileAtomic(files.report, (out) => out.write(JSON.stringify(report, null, 2) + '\n'), { overwrite: true });
    return { report, files };
  } finally {
    cache?.close();
  }
}

/** The reference and the candidates, as configured. */
function modelsOfRun(config: SmartConfig): Array<SmartConfig['models'][number]> {
  return config.models.filter((m) => m.id === config.reference || config.candidates.includes(m.id));
}

/** What the run will cost, from the prompts the validation pass kept. */
function previewFor(config: SmartConfig, checked: CheckedInput): CostPreview {
  const models = modelsOfRun(config);
  return previewCost({
    items: checked.count,
    samplePrompts: checked.samplePrompts.map((p) => (config.system ?? '') + p),
    reference: models.find((m) => m.id === config.reference)!,
    candidates: models.filter((m) => m.id !== config.reference),
    answer: config.answer,
    ...(config.maxTokens !== undefined ? { maxTokens: config.maxTokens } : {}),
    minSample: config.minSample,
  });
}

/** The models as the engine sees them: prices, and the preview's token estimates until real calls report. */
function engineSpecs(config: SmartConfig, preview: CostPreview): ModelSpec[] {
  return modelsOfRun(config).map((m) => ({
    id: m.id,
    inputPer1M: m.inputPer1M,
    outputPer1M: m.outputPer1M,
    estimatedInputTokens: preview.meanInputTokens,
    estimatedOutputTokens: preview.outputTokens,
  }));
}

/** The client of a real run: rendered prompts to the endpoints, through the response cache. */
function callingClient(options: JobOptions, template: Template, cache: ResponseCache): JobClient {
  // Messages name the input as the user gave it, like the reader's own errors.
  const { input, config } = options;
  return new JobClient({
    inputName: input,
    template,
    ...(config.system !== undefined ? { system: config.system } : {}),
    ...(config.maxTokens !== undefined ? { maxTokens: config.maxTokens } : {}),
    routes: routes(config, options),
    cache,
    onCall: (model, record, request, cached) => {
      options.log?.('debug', `${cached ? 'cache hit' : 'call'}: ${model} on ${input}:${record.line}`);
      options.log?.('trace', `prompt for ${model} on ${input}:${record.line}: ${JSON.stringify(request.messages)}`);
    },
  });
}

/** Runs the engine over the valid records, writing each output in input order to `output` (all or nothing). */
function runEngine(options: JobOptions, client: LlmClient<JsonlRecord>, checked: CheckedInput, models: ModelSpec[], output: string): Promise<RunResult<JsonlRecord>> {
  const { input, config } = options;
  const rule = config.answer;
  const items: ItemSource<JsonlRecord> = {
    count: checked.count,
    open: () => validRecords(input, checked, options.signal),
  };
  // A failed write stops the run at once, with the write's error.
  const writeFailed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, writeFailed.signal]) : writeFailed.signal;
  return writeFileAtomic(
    output,
    async (out) => {
      const writer = new OrderedWriter<JsonlRecord>(out, (o) => outputLine(rule, o), (error) => writeFailed.abort(error));
      const result = await runSmart({
        items,
        models,
        reference: config.reference,
        candidates: config.candidates,
        client,
        target: { accuracy: config.accuracy, confidence: config.confidence },
        strategy: config.strategy,
        bound: config.bound,
        seed: config.seed,
        concurrency: config.concurrency,
        ...(config.checkEvery !== undefined ? { checkEvery: config.checkEvery } : {}),
        ...(config.minSample !== undefined ? { minSample: config.minSample } : {}),
        ...(options.maxCost !== undefined ? { maxSpend: options.maxCost } : {}),
        signal,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        compare: (a, b) => extractAnswer(rule, a) === extractAnswer(rule, b),
        onOutput: (o) => writer.add(o),
      });
      await writer.finish(checked.count);
      return result;
    },
    { overwrite: options.force === true },
  );
}

/** An output line: the item as it was, and what Smart adds under `smart`. */
function outputLine(rule: SmartConfig['answer'], o: ItemOutput<JsonlRecord>): string {
  const raw = o.completion.text;
  return JSON.stringify({ ...o.item.value, smart: { output: extractAnswer(rule, raw), model: o.model, raw } });
}

/** The engine's report with the guarantee's sentence and what the job adds. */
function jobReport(options: JobOptions, run: RunReport, checked: CheckedInput, preview: CostPreview, output: string): JobReport {
  return {
    ...run,
    guarantee: { statement: describeGuarantee(run), ...run.guarantee },
    input: path.resolve(options.input),
    output,
    config: options.config.file,
    answerRule: describeAnswerRule(options.config.answer),
    perModel: Object.fromEntries(
      run.models.map((m) => [m.id, { calls: m.calls, cachedCalls: m.cachedCalls, inputTokens: m.inputTokens, outputTokens: m.outputTokens, cost: m.cost }]),
    ),
    paidCalls: run.models.reduce((s, m) => s + m.calls - m.cachedCalls, 0),
    cachedCalls: run.models.reduce((s, m) => s + m.cachedCalls, 0),
    skippedLines: checked.skippedList,
    preview,
  };
}

/** What the validation pass found. */
interface CheckedInput {
  readonly count: number;
  /** Lines left out (with --skip-invalid): malformed, or missing a template field. */
  readonly skipped: ReadonlySet<number>;
  readonly skippedList: Array<{ line: number; problem: string }>;
  readonly samplePrompts: string[];
  /** The file as this pass read it: every later pass must read the same. */
  readonly fingerprint: FileFingerprint;
}

/**
 * One pass over the input before anything is paid: every line must be a JSON
 * object and hold every field the template uses. Also counts the items and
 * keeps a few rendered prompts for the cost preview.
 */
async function checkInput(template: Template, options: JobOptions): Promise<CheckedInput> {
  const { input } = options;
  const skipped = new Set<number>();
  const skippedList: Array<{ line: number; problem: string }> = [];
  const skip = (error: InputError): void => {
    skipped.add(error.line!);
    skippedList.push({ line: error.line!, problem: error.problem });
  };
  const samplePrompts: string[] = [];
  let count = 0;
  let fingerprint: FileFingerprint | undefined;
  const records = readJsonl(input, {
    skipInvalid: options.skipInvalid === true,
    onInvalid: skip,
    onFingerprint: (seen) => (fingerprint = seen),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const record of records) {
    let prompt: string;
    try {
      prompt = template.render(record.value, { file: input, line: record.line });
    } catch (error) {
      if (!(error instanceof InputError) || !options.skipInvalid) throw error;
      skip(error);
      continue;
    }
    if (samplePrompts.length < PREVIEW_SAMPLE) samplePrompts.push(prompt);
    count++;
  }
  return { count, skipped, skippedList, samplePrompts, fingerprint: fingerprint! };
}

/** The records the validation pass kept, read again; the reading stops as soon as the file is found changed since. */
async function* validRecords(input: string, checked: CheckedInput, signal: AbortSignal | undefined): AsyncGenerator<JsonlRecord> {
  let count = 0;
  // Lines already found bad were reported by the validation pass; skip them silently here.
  for await (const record of readJsonl(input, { skipInvalid: true, expect: checked.fingerprint, ...(signal ? { signal } : {}) })) {
    if (checked.skipped.has(record.line)) continue;
    // Before the end of the pass shows it, more items than counted mean new lines (edited in place, same size).
    if (++count > checked.count) throw new InputChangedError(input, `more than the ${checked.count} items it had`);
    yield record;
  }
}

function routes(config: SmartConfig, options: JobOptions): Map<string, ModelRoute> {
  const keys = options.keys ?? environmentKeys();
  const clients = new Map<string, OpenAiChatClient>();
  const result = new Map<string, ModelRoute>();
  for (const model of modelsOfRun(config)) {
    const endpoint = config.endpoints.get(model.endpoint)!;
    let client = clients.get(endpoint.name);
    if (!client) {
      const apiKey = keys(endpoint.name, endpoint.apiKeyEnv);
      if (endpoint.apiKeyEnv !== undefined && !apiKey) {
        throw new Error(`endpoint "${endpoint.name}" needs an API key: set the environment variable ${endpoint.apiKeyEnv}`);
      }
      client = new OpenAiChatClient(
        {
          name: endpoint.name,
          baseURL: endpoint.baseURL,
          ...(apiKey ? { apiKey } : {}),
          ...(endpoint.headers ? { headers: endpoint.headers } : {}),
          ...(endpoint.query ? { query: endpoint.query } : {}),
          ...(endpoint.timeoutMs !== undefined ? { timeoutMs: endpoint.timeoutMs } : {}),
          ...(endpoint.apiKeyEnv ? { apiKeySource: `the ${endpoint.apiKeyEnv} environment variable` } : {}),
        },
        {
          retry: new RetryPolicy({ budgetMs: (endpoint.retryMinutes ?? DEFAULTS.retryMinutes) * 60_000 }),
          limiters: new RateLimiterPool({
            maxConcurrent: endpoint.concurrency ?? config.concurrency,
            ...(endpoint.requestsPerMinute !== undefined ? { requestsPerMinute: endpoint.requestsPerMinute } : {}),
          }),
          ...(options.log ? { log: options.log } : {}),
        },
      );
      clients.set(endpoint.name, client);
    }
    result.set(model.id, { providerModel: model.model, baseURL: endpoint.baseURL, backend: client, ...(model.logprobs ? { logprobs: true } : {}) });
  }
  return result;
}

/** Serves the recording the config names; a model's provider name is its name in the recording. */
async function replayClient(config: SmartConfig): Promise<LlmClient<JsonlRecord>> {
  const { file, itemKey } = config.replay!;
  const providerName = new Map(config.models.map((m) => [m.id, m.model]));
  return ReplayClient.load<JsonlRecord>(
    file,
    (record) => String(record.value[itemKey]),
    (spec) => providerName.get(spec.id) ?? spec.id,
  );
}
