import { existsSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { answersMatch, describeAnswerRule } from '../io/answerExtraction';
import { DEFAULTS } from '../core/defaults';
import { runSmart, type BulkAnswers, type RunOptions, type RunResult } from '../core/engine';
import type { FileFingerprint } from '../io/fileFingerprint';
import { InputChangedError, InputError } from '../io/inputError';
import type { Delimiter } from '../io/delimited';
import { baseName, delimiterOf, type InputFormat } from '../io/records';
import { datasetFormat, datasetName, isSharded, readDataset, shardsOf } from '../io/shards';
import type { InputRecord } from '../io/readingPass';
import { FileExistsError, writeFileAtomic } from '../io/writeFileAtomic';
import type { BatchesProgress, BatchPreview, CostPreview, DisagreementSample, Guarantee, ModelSummary, ProgressEvent, RunReport } from '../core/report';
import { compileTemplate, taskMissing, type Template } from '../io/template';
import type { Judge, LlmClient, ModelSpec } from '../core/types';
import type { ChatBackend } from '../llm/chatBackend';
import type { BatchProvider } from '../llm/batchProvider';
import { createBatchProvider, createChatBackend } from '../llm/chatBackends';
import type { EndpointConfig, Log } from '../llm/openAiEndpoint';
import { RateLimiterPool } from '../llm/rateLimiter';
import { RetryPolicy } from '../llm/retryPolicy';
import { ReplayClient } from '../llm/replayClient';
import { describeGuarantee } from '../text/guarantee';
import { standing, type Standing } from '../text/modelStatus';
import { BatchAnswers } from './batch/batchAnswers';
import type { AbortChoice } from './batch/batchCoordinator';
import { BatchExchange } from './batch/batchExchange';
import { BatchSession } from './batch/batchSession';
import { ConfigError, servesBatchApi, withBatch, type BatchSettings, type SmartConfig } from './config';
import { judgeCallTokens, previewCost } from './costPreview';
import { PromptLengths, type PromptTokenCounts } from './promptLengths';
import { CachedAnswerCount } from './cachedAnswers';
import { JobClient, type CallTarget, type ModelRoute, type RequestSettings } from './jobClient';
import { JobJudge } from './judgeClient';
import { DisagreementSampler } from './disagreements';
import { auditSetup, type AuditSetup } from './audit';
import { evidenceFileFor, evidenceHeader, evidenceLine, readEvidence } from './evidence';
import { ShardWriters, writeFilesAtomic } from './shardWriters';
import { outputFormatOf, outputText, writeParquetOutput, type FormatChoice } from './outputFormat';
import { ResponseCache } from './responseCache';
import { RunLock } from './runLock';
import { orderSeed, type OrderSeed } from './runSeed';

/** How a run's report file name ends (`<name>.smart-report.json`). */
export const REPORT_SUFFIX = '.smart-report.json';

/**
 * The files a job on `input` writes: beside it, plus the cache and the
 * evidence under `.smart/`. The outputs are in the input's format where
 * Smart writes it (`items.csv` gives `items.smart.csv`), else JSONL; a folder
 * of shards has one output beside each shard, and its report beside the
 * folder; a pattern's report is in its folder (`data/part-*.jsonl` gives
 * `data/part-%.smart-report.json`).
 */
export function jobFiles(input: string, formats: FormatChoice = {}): { output: string; outputs: string[]; report: string; cache: string; evidence: string } {
  const outputs = shardsOf(input).map((file) => outputFileFor(file, formats));
  return {
    output: outputs[0],
    outputs,
    report: path.join(path.dirname(input), `${baseName(datasetName(input))}${REPORT_SUFFIX}`),
    cache: ResponseCache.fileFor(input),
    evidence: evidenceFileFor(input),
  };
}

/** The output of one input file: beside it, `<name>.smart.<format>`. */
function outputFileFor(file: string, formats: FormatChoice): string {
  return path.join(path.dirname(file), `${baseName(file)}.smart.${outputFormatOf(file, formats)}`);
}

/** An API key, and where it came from in words, for the hint of a refused key: "the SMART_KEY environment variable". */
export interface ApiKey {
  readonly key: string;
  readonly source: string;
}

/** Where an endpoint's API key comes from: the editor's secret storage, or the environment. */
export type KeyLookup = (endpoint: string, apiKeyEnv: string | undefined) => ApiKey | undefined;

/** The key in the environment variable an endpoint names. */
export function environmentKey(apiKeyEnv: string | undefined, env: NodeJS.ProcessEnv = process.env): ApiKey | undefined {
  const key = apiKeyEnv === undefined ? undefined : env[apiKeyEnv];
  return key ? { key, source: `the ${apiKeyEnv} environment variable` } : undefined;
}

export const environmentKeys =
  (env: NodeJS.ProcessEnv = process.env): KeyLookup =>
  (_endpoint, apiKeyEnv) =>
    environmentKey(apiKeyEnv, env);

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
  /**
   * Batch mode through a folder instead of the providers' Batch APIs: write
   * the application phase's request files there and stop (`importing`
   * false), or read the output files found there and go on. Implies batch
   * mode (the config's batch settings, else the defaults).
   */
  readonly batchFolder?: { readonly dir: string; readonly importing: boolean };
  /**
   * Let Smart choose between online and batch mode (`--batch auto`): batch
   * where the wait is worth it (`chooseBatch`), online otherwise; the
   * preview says which and why.
   */
  readonly batchAuto?: boolean;
  /** Told every change of the run's batches (batch mode). */
  readonly onBatches?: (progress: BatchesProgress) => void;
  /** What becomes of the running batches when the run is cancelled, from the abort's reason (default: left running, for a resume). */
  readonly onBatchAbort?: (reason: unknown) => AbortChoice;
}

/** The engine's report plus what a job adds: the guarantee in words, files, the answer rule, skipped lines, calls paid and cached. */
export interface JobReport extends Omit<RunReport, 'guarantee'> {
  /** The engine's numbers and the sentence that states them, so that the report file reads on its own. */
  readonly guarantee: Guarantee & { readonly statement: string };
  readonly input: string;
  /** The input's format, as it was read (absent from reports written before Smart read more than JSONL). */
  readonly inputFormat?: InputFormat;
  /** The output (a folder of shards: the first shard's). */
  readonly output: string;
  /** A folder of shards: how many, and every output, one beside each shard, in the order read. */
  readonly shards?: number;
  readonly outputs?: readonly string[];
  readonly config: string;
  /** How outputs were compared: the guarantee is about this. */
  readonly answerRule: string;
  /** Every profiled item's outcome, which `smart verify` recomputes the bounds and the guarantee from. */
  readonly evidence: string;
  /**
   * Per model, in the words of the command line and the panel: what profiling
   * concluded about it (`status` and `ruledOutBy` are the engine's flags) and
   * how much of the rest the plan gave it.
   */
  readonly standings: Readonly<Record<string, Standing>>;
  /** Per model: its calls and tokens; online calls, batch calls and cached ones apart, each with what it cost (a cached call costs nothing now). */
  readonly perModel: Readonly<Record<string, ModelCosts>>;
  /** Calls paid in this run: online and batch. */
  readonly paidCalls: number;
  readonly onlineCalls: number;
  readonly batchCalls: number;
  readonly cachedCalls: number;
  /** Of `paidCost`, the online calls' and the batch calls' (at the batch discount). */
  readonly onlineCost: number;
  readonly batchCost: number;
  readonly skippedLines: ReadonlyArray<{ line: number; problem: string }>;
  /** With a judge: the pairs a person labels to audit it (`smart audit`, or the panel), and what the audit's bounds need. */
  readonly audit?: AuditSetup;
  /** A few profiled items per candidate where it disagreed with the reference, as excerpts. */
  readonly disagreements: readonly DisagreementSample[];
  /** With a judge: the verdicts it gave that could not be read, even asked again (counted as disagreement), by input line and candidate. */
  readonly unreadableVerdicts?: ReadonlyArray<{ line: number; model: string }>;
  readonly preview: CostPreview;
}

/** One model's calls and costs in a job's report. */
export interface ModelCosts {
  readonly calls: number;
  readonly onlineCalls: number;
  readonly batchCalls: number;
  readonly cachedCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** All its calls as charged, cached ones included (what the job costs). */
  readonly cost: number;
  readonly onlineCost: number;
  readonly batchCost: number;
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

async function runLockedJob(given: JobOptions): Promise<JobResult> {
  const { input, config } = given;
  const files = jobFiles(input, config);
  if (!given.force) {
    for (const file of [...files.outputs, files.report]) if (existsSync(file)) throw new FileExistsError(file);
  }
  if (given.batchFolder) BatchExchange.checkFolder(given.batchFolder.dir, input, given.batchFolder.importing);
  // A drafted template whose task was never written is refused before anything is read or paid.
  const missing = taskMissing(config.template);
  if (missing) throw new ConfigError(config.templateFile, [{ field: '', problem: missing }]);
  const template = compileTemplate(config.template, path.basename(config.templateFile));
  // Loaded before the validation pass, which counts the answers it already holds for the preview.
  const cache = config.replay ? undefined : await ResponseCache.open(files.cache);
  try {
    const counter = cache && cache.size > 0 ? new CachedAnswerCount(cache, callTargets(config), requestSettings(config)) : undefined;
    const checked = await checkInput(template, given, counter);
    // Nothing to process is bad input, not a run: no question, no seed drawn, nothing written.
    if (checked.count === 0) throw new InputError({ file: input }, nothingToProcess(checked));
    const order = await orderSeed(input, config.seed);
    const preview = (options: JobOptions): Promise<CostPreview> => previewFor(options, checked, template, cache, counter, order);
    const { options, preview: shown } = given.batchAuto ? await chooseBatch(given, preview) : { options: given, preview: await preview(given) };
    const batch = batchSettings(options);
    if (options.confirm && !(await options.confirm(shown))) throw new DeclinedError();

    const session = cache && batch ? await BatchSession.open(input, config.file) : undefined;
    if (cache && !session && BatchSession.exists(input)) {
      options.log?.('warn', `${input} has a batch run that has not finished (${BatchSession.folderFor(input)}): run in batch mode to collect its answers`);
    }
    const { client, bulk } = cache ? callingClients(options, template, cache, session, batch) : { client: await replayClient(config), bulk: undefined };
    const judge = client instanceof JobClient ? judgeOf(options, client, shown) : undefined;
    const sampler = new DisagreementSampler(
      config.answer,
      config.reference,
      (record) => template.render(record.value, { file: record.file ?? input, line: record.line }),
      isSharded(input),
    );
    const parquet = outputFormatOf(checked.shards[0], config) === 'parquet';
    // Parquet is written from lines kept under .smart/ while the run goes, once it is over.
    const lines = parquet ? files.outputs.map((output) => path.join(path.dirname(files.cache), `${path.basename(output)}.lines.jsonl`)) : files.outputs;
    // Lines a killed run left are its own, never the person's: started afresh.
    if (parquet) for (const file of lines) rmSync(file, { force: true });
    const run = await runEngine(
      options,
      { client, checked, models: engineSpecs(options.config, shown, batch), order, ...(judge ? { judge } : {}) },
      { ...files, outputs: lines },
      bulk,
      sampler,
    );
    if (parquet) {
      for (const [i, output] of files.outputs.entries()) await writeParquetOutput(lines[i], output, { overwrite: options.force === true });
    }
    const unreadable = await unreadableVerdicts(options, checked, run.report);
    const audit = await auditOf(options, checked, template, run.report, files.evidence);
    const report = jobReport(options, run.report, checked, shown, files, { unreadable, disagreements: sampler.samples(), audit });
    await writeFileAtomic(files.report, (out) => out.write(JSON.stringify(report, null, 2) + '\n'), { overwrite: true });
    session?.remove();
    return { report, files };
  } finally {
    cache?.close();
  }
}

/** The clients of a run that calls endpoints: the job's client, and in batch mode the bulk source of the application phase's answers. */
function callingClients(
  options: JobOptions,
  template: Template,
  cache: ResponseCache,
  session: BatchSession | undefined,
  settings: BatchSettings | undefined,
): { client: JobClient; bulk: BulkAnswers<InputRecord> | undefined } {
  const endpoints = endpointConfigs(options.config, options);
  const client = callingClient(options, template, cache, endpoints, session);
  const bulk = session && settings ? bulkAnswers(options, { client, cache, session, settings, endpoints }) : undefined;
  return { client, bulk };
}

/** Batch mode's settings when the run uses it: the config's, or the defaults when only a batch folder was given. */
function batchSettings(options: JobOptions): BatchSettings | undefined {
  return options.config.batch ?? (options.batchFolder ? { ...DEFAULTS.batchSettings } : undefined);
}

/** What the bulk sources need. */
interface BulkParts {
  readonly client: JobClient;
  readonly cache: ResponseCache;
  readonly session: BatchSession;
  readonly settings: BatchSettings;
  readonly endpoints: ReadonlyMap<string, EndpointConfig>;
}

/** Batch mode's source of the application phase's answers: the Batch APIs of the endpoints, or a folder of files. */
function bulkAnswers(options: JobOptions, parts: BulkParts): BulkAnswers<InputRecord> {
  const { config } = options;
  const common = { client: parts.client, cache: parts.cache, session: parts.session, settings: parts.settings, concurrency: config.concurrency };
  if (options.batchFolder) {
    return new BatchExchange({ ...common, input: options.input, ...options.batchFolder, hasBatchApi: (endpoint) => servesBatchApi(config, endpoint) });
  }
  const apis = new Map<string, BatchProvider>();
  for (const [name, endpoint] of parts.endpoints) {
    if (servesBatchApi(config, name)) apis.set(name, createBatchProvider(config.endpoints.get(name)!.kind, endpoint, options.log ? { log: options.log } : {}));
  }
  return new BatchAnswers({
    ...common,
    apis,
    ...(options.onBatches ? { onProgress: options.onBatches } : {}),
    ...(options.onBatchAbort ? { onAbort: options.onBatchAbort } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}

/** The reference and the candidates, as configured. */
function modelsOfRun(config: SmartConfig): Array<SmartConfig['models'][number]> {
  return config.models.filter((m) => m.id === config.reference || config.candidates.includes(m.id));
}

/** Every model the run calls: the reference, the candidates and the judge (once, should it also be one of them). */
function modelsCalled(config: SmartConfig): Array<SmartConfig['models'][number]> {
  const judge = config.judge?.model;
  return config.models.filter((m) => m.id === config.reference || config.candidates.includes(m.id) || m.id === judge);
}

/**
 * The run's judge, when the answer rule has one: its model's prices, with a
 * token estimate until its first call (the task, two outputs and the judge's
 * own words in; a word out), asked through the job's client.
 */
function judgeOf(options: JobOptions, client: JobClient, preview: CostPreview): Judge<InputRecord> | undefined {
  const { config } = options;
  const judge = config.judge;
  if (!judge) return undefined;
  const model = config.models.find((m) => m.id === judge.model)!;
  const spec: ModelSpec = {
    id: model.id,
    inputPer1M: model.inputPer1M,
    outputPer1M: model.outputPer1M,
    estimatedInputTokens: judgeCallTokens(preview.meanInputTokens, preview.outputTokens).input,
    estimatedOutputTokens: judgeCallTokens(preview.meanInputTokens, preview.outputTokens).output,
  };
  const jobJudge = new JobJudge({
    client,
    model: spec,
    template: judge.template,
    inputName: options.input,
    ...(judge.criteria !== undefined ? { criteria: judge.criteria } : {}),
  });
  return { model: spec, question: judge.question, auditItems: judge.auditItems, client: jobJudge };
}

/**
 * What the run will cost, from the prompts the validation pass kept and the
 * answers it found in the cache; when every item has some answer there, the
 * run is played on the cache alone to see whether anything will be paid.
 */
async function previewFor(
  options: JobOptions,
  checked: CheckedInput,
  template: Template,
  cache: ResponseCache | undefined,
  counter: CachedAnswerCount | undefined,
  order: OrderSeed,
): Promise<CostPreview> {
  const { config } = options;
  const models = modelsOfRun(config);
  const estimate = {
    prompts: checked.prompts,
    reference: models.find((m) => m.id === config.reference)!,
    // The judge is priced on a line of its own, not as a model profiled.
    candidates: models.filter((m) => config.candidates.includes(m.id)),
    answer: config.answer,
    ...(config.maxTokens !== undefined ? { maxTokens: config.maxTokens } : {}),
    strategy: config.strategy,
    checkEvery: config.checkEvery,
    ...(counter ? { cached: counter.result } : {}),
    ...(config.judge ? { judge: config.models.find((m) => m.id === config.judge!.model)! } : {}),
    ...batchPreview(options),
  };
  const preview = previewCost(estimate);
  if (!cache || !counter || checked.count === 0 || counter.result.itemsCovered < checked.count) return preview;
  const fullyCached = await answeredByCache(
    options,
    template,
    cache,
    { checked, models: engineSpecs(config, preview, batchSettings(options)), order },
    preview,
  );
  return fullyCached ? previewCost({ ...estimate, fullyCached }) : preview;
}

/**
 * Online or batch in the preview: when the run sends its rest to the
 * providers' batch engines, its reference's endpoint could, or Smart chose
 * between the two (an export to a folder is neither: its engine is the
 * person's own).
 */
function batchPreview(options: JobOptions): { batch?: BatchPreview } {
  const { config } = options;
  if (options.batchFolder !== undefined || config.replay !== undefined) return {};
  const reference = config.models.find((m) => m.id === config.reference)!;
  const referenceBatches = servesBatchApi(config, reference.endpoint);
  const chosen = config.batch !== undefined;
  if (!chosen && !referenceBatches && !options.batchAuto) return {};
  const settings = config.batch ?? DEFAULTS.batchSettings;
  const auto = options.batchAuto ? { auto: DEFAULTS.batchAuto } : {};
  return { batch: { chosen, referenceBatches, discount: settings.discount, maxHours: settings.maxHours, ...auto } };
}

/**
 * `--batch auto`: batch mode where the wait is worth it, by the rule of
 * `DEFAULTS.batchAuto` applied to the online preview (the reference's
 * endpoint takes batches; enough items; a discount and a saving on the
 * reference alone large enough); online otherwise. Resolves with the options
 * of the mode chosen and its preview.
 */
async function chooseBatch(given: JobOptions, preview: (options: JobOptions) => Promise<CostPreview>): Promise<{ options: JobOptions; preview: CostPreview }> {
  const online = { ...given, config: withBatch(given.config, false) };
  const settings = given.config.batch ?? DEFAULTS.batchSettings;
  const measured = await preview(online);
  // The online preview at the batch settings this run would take.
  const onlinePreview = measured.batch ? { ...measured, batch: { ...measured.batch, discount: settings.discount, maxHours: settings.maxHours } } : measured;
  const rule = DEFAULTS.batchAuto;
  const b = onlinePreview.batch;
  const worth =
    b !== undefined &&
    b.referenceBatches &&
    given.config.replay === undefined &&
    onlinePreview.items >= rule.minItems &&
    1 - b.discount >= rule.minShare &&
    onlinePreview.referenceOnlyCost * (1 - b.discount) >= rule.minSavingUsd;
  if (!worth) return { options: online, preview: onlinePreview };
  const batch = { ...given, config: withBatch(given.config, true) };
  return { options: batch, preview: await preview(batch) };
}

/**
 * The models as the engine sees them: prices, the preview's token estimates
 * until real calls report, and in batch mode the discount at which the items
 * after profiling will be charged, for the models whose endpoint serves
 * batches.
 */
function engineSpecs(config: SmartConfig, preview: CostPreview, batch: BatchSettings | undefined): ModelSpec[] {
  return modelsOfRun(config).map((m) => ({
    id: m.id,
    inputPer1M: m.inputPer1M,
    outputPer1M: m.outputPer1M,
    estimatedInputTokens: preview.meanInputTokens,
    estimatedOutputTokens: preview.outputTokens,
    ...(batch && servesBatchApi(config, m.endpoint) ? { applyPriceFactor: batch.discount } : {}),
  }));
}

/** The client of a real run: rendered prompts to the endpoints, through the response cache. */
function callingClient(
  options: JobOptions,
  template: Template,
  cache: ResponseCache,
  endpoints: ReadonlyMap<string, EndpointConfig>,
  session: BatchSession | undefined,
): JobClient {
  // Messages name the input as the user gave it, like the reader's own errors.
  const { input, config } = options;
  return new JobClient({
    inputName: input,
    template,
    ...requestSettings(config),
    routes: routes(config, options, endpoints),
    cache,
    ...(session ? { runId: session.runId } : {}),
    onCall: (model, record, request, cached) => {
      options.log?.('debug', `${cached ? 'cache hit' : 'call'}: ${model} on ${input}:${record.line}`);
      options.log?.('trace', `prompt for ${model} on ${input}:${record.line}: ${JSON.stringify(request.messages)}`);
    },
  });
}

/** What the engine runs on: the valid records, the models as it sees them, the seed of the order, the client and the judge, if any. */
interface EngineInput {
  readonly client: LlmClient<InputRecord>;
  readonly checked: CheckedInput;
  readonly models: ModelSpec[];
  readonly order: OrderSeed;
  readonly judge?: Judge<InputRecord>;
}

/**
 * Runs the engine over the valid records, writing each output in input
 * order to the output file and each profiled item's outcome to the evidence
 * file (both all or nothing).
 */
function runEngine(
  options: JobOptions,
  engine: EngineInput,
  files: ReturnType<typeof jobFiles>,
  bulk: BulkAnswers<InputRecord> | undefined,
  sampler: DisagreementSampler,
): Promise<RunResult<InputRecord>> {
  const { config } = options;
  const rule = config.answer;
  // A failed write stops the run at once, with the write's error.
  const writeFailed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, writeFailed.signal]) : writeFailed.signal;
  const overwrite = options.force === true;
  mkdirSync(path.dirname(files.evidence), { recursive: true });
  return writeFilesAtomic(
    files.outputs,
    (outs) =>
      // The evidence is the run's, written anew each time: a rerun replaces it.
      writeFileAtomic(
        files.evidence,
        async (evidence) => {
          let written = evidence.writeLine(
            evidenceHeader({
              input: path.resolve(options.input),
              seed: engine.order.seed,
              items: engine.checked.count,
              reference: config.reference,
              answer: rule,
            }),
          );
          const format = outputText(outputFormatOf(engine.checked.shards[0], config), rule, engine.checked.delimiter);
          const writer = new ShardWriters<InputRecord>(outs, engine.checked.counts, format, (error) => writeFailed.abort(error));
          const result = await runSmart({
            ...engineOptions(options, engine),
            ...(options.maxCost !== undefined ? { maxSpend: options.maxCost } : {}),
            signal,
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
            onOutput: (o) => writer.add(o),
            onProfiled: (p) => {
              sampler.add(p);
              written = written.then(() => evidence.writeLine(evidenceLine(p)));
              written.catch((error: unknown) => writeFailed.abort(error));
            },
            ...(bulk ? { bulk } : {}),
          });
          await writer.finish();
          await written;
          return result;
        },
        { overwrite: true },
      ),
    { overwrite },
  );
}

/** What the engine is told of the job: the same for the run and for its play on the cache alone. */
function engineOptions(options: JobOptions, { client, checked, models, order, judge }: EngineInput): RunOptions<InputRecord> {
  const { input, config } = options;
  const rule = config.answer;
  return {
    items: { count: checked.count, open: () => validRecords(input, checked, options.signal) },
    promptTokens: checked.prompts,
    models,
    reference: config.reference,
    candidates: config.candidates,
    client,
    target: { accuracy: config.accuracy, confidence: config.confidence },
    strategy: config.strategy,
    bound: config.bound,
    seed: order.seed,
    seedOrigin: order.origin,
    concurrency: config.concurrency,
    ...(config.checkEvery !== undefined ? { checkEvery: config.checkEvery } : {}),
    ...(config.minSample !== undefined ? { minSample: config.minSample } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    compare: (a, b) => answersMatch(rule, a, b),
    ...(judge ? { judge } : {}),
  };
}

/** Thrown by the play on the cache alone at the first call the cache does not answer. */
class NotCached extends Error {
  override readonly name = 'NotCached';
}

/**
 * Whether the cache answers every call the run will make: the run played
 * to its end with a client that answers from the cache alone. The engine
 * decides from the answers and the seed only, so the run proper makes the
 * same calls. Only tried when every item has some answer in the cache.
 */
async function answeredByCache(
  options: JobOptions,
  template: Template,
  cache: ResponseCache,
  engine: Omit<EngineInput, 'client' | 'judge'>,
  preview: CostPreview,
): Promise<boolean> {
  const refuse: ChatBackend = {
    chat: () => {
      throw new NotCached();
    },
  };
  const routes = new Map([...callTargets(options.config)].map(([id, target]) => [id, { ...target, backend: refuse }]));
  const client = new JobClient({ inputName: options.input, template, ...requestSettings(options.config), routes, cache });
  try {
    const judge = judgeOf(options, client, preview);
    await runSmart({ ...engineOptions(options, { ...engine, client, ...(judge ? { judge } : {}) }), onOutput: () => undefined });
    return true;
  } catch (error) {
    if (error instanceof NotCached) return false;
    throw error;
  }
}

/**
 * The verdicts the judge gave that could not be read, by input line and
 * candidate: the engine names items by their position, so the file is read
 * once more to find their lines (only when there are any).
 */
async function unreadableVerdicts(options: JobOptions, checked: CheckedInput, run: RunReport): Promise<JobReport['unreadableVerdicts']> {
  const wanted = run.judge?.unreadable ?? [];
  if (wanted.length === 0) return [];
  const lines = new Map<number, number>();
  const indexes = new Set(wanted.map((w) => w.index));
  const last = Math.max(...indexes);
  let index = 0;
  for await (const record of validRecords(options.input, checked, options.signal)) {
    if (indexes.has(index)) lines.set(index, record.line);
    if (++index > last) break;
  }
  return wanted.map((w) => ({ line: lines.get(w.index)!, model: w.model }));
}

/**
 * The audit a person can make of the run's judge: the pairs to label, with
 * the prompt each item's models saw (read from the input once more, for the
 * few lines sampled). None without a judge, or without a plan to audit.
 */
async function auditOf(options: JobOptions, checked: CheckedInput, template: Template, run: RunReport, evidence: string): Promise<AuditSetup | undefined> {
  if (run.auditAlpha === undefined) return undefined;
  const setup = auditSetup(run, readEvidence(evidence).outcomes, options.config.answer);
  if (!setup) return undefined;
  const lines = new Set(setup.pairs.map((p) => p.line));
  const prompts = new Map<number, string>();
  for await (const record of validRecords(options.input, checked, options.signal)) {
    if (lines.has(record.line))
      prompts.set(
        record.line,
        (options.config.system === undefined ? '' : `${options.config.system}\n\n`) + template.render(record.value, { file: options.input, line: record.line }),
      );
    if (prompts.size === lines.size) break;
  }
  return { ...setup, pairs: setup.pairs.map((p) => ({ ...p, input: prompts.get(p.line)! })) };
}

/** The engine's report with the guarantee's sentence and what the job adds. */
function jobReport(
  options: JobOptions,
  run: RunReport,
  checked: CheckedInput,
  preview: CostPreview,
  files: { readonly output: string; readonly outputs: readonly string[] },
  seen: { unreadable: JobReport['unreadableVerdicts']; disagreements: readonly DisagreementSample[]; audit: AuditSetup | undefined },
): JobReport {
  return {
    ...run,
    guarantee: { statement: describeGuarantee(run), ...run.guarantee },
    input: path.resolve(options.input),
    inputFormat: checked.format,
    output: files.output,
    ...(isSharded(options.input) ? { shards: checked.shards.length, outputs: [...files.outputs] } : {}),
    config: options.config.file,
    answerRule: describeAnswerRule(options.config.answer),
    evidence: evidenceFileFor(options.input),
    standings: Object.fromEntries(run.models.map((m) => [m.id, standing(m, run)])),
    perModel: Object.fromEntries(run.models.map((m) => [m.id, modelCosts(m)])),
    ...totals(run.models.map(modelCosts)),
    skippedLines: checked.skippedList,
    ...(run.judge && seen.unreadable ? { unreadableVerdicts: seen.unreadable } : {}),
    disagreements: seen.disagreements,
    ...(seen.audit ? { audit: seen.audit } : {}),
    preview,
  };
}

/** A model's calls and costs, online, batch and cached apart. */
function modelCosts(m: ModelSummary): ModelCosts {
  const batchCalls = m.batchCalls ?? 0;
  const batchCost = m.batchCost ?? 0;
  return {
    calls: m.calls,
    onlineCalls: m.calls - m.cachedCalls - batchCalls,
    batchCalls,
    cachedCalls: m.cachedCalls,
    inputTokens: m.inputTokens,
    outputTokens: m.outputTokens,
    cost: m.cost,
    onlineCost: (m.paidCost ?? m.cost) - batchCost,
    batchCost,
  };
}

/** The run's calls and costs, online, batch and cached apart. */
function totals(models: readonly ModelCosts[]): Pick<JobReport, 'paidCalls' | 'onlineCalls' | 'batchCalls' | 'cachedCalls' | 'onlineCost' | 'batchCost'> {
  const sum = (of: (m: ModelCosts) => number): number => models.reduce((s, m) => s + of(m), 0);
  return {
    paidCalls: sum((m) => m.onlineCalls + m.batchCalls),
    onlineCalls: sum((m) => m.onlineCalls),
    batchCalls: sum((m) => m.batchCalls),
    cachedCalls: sum((m) => m.cachedCalls),
    onlineCost: sum((m) => m.onlineCost),
    batchCost: sum((m) => m.batchCost),
  };
}

/** What the validation pass found. */
interface CheckedInput {
  /** The files read: the input, or its shards in the order they are read. */
  readonly shards: readonly string[];
  readonly count: number;
  /** Valid items per shard. */
  readonly counts: readonly number[];
  /** Lines left out (with --skip-invalid): malformed, or missing a template field; by shard and line (see `lineKey`). */
  readonly skipped: ReadonlySet<string>;
  readonly skippedList: Array<{ line: number; problem: string; file?: string }>;
  /** Each valid item's prompt tokens (system prompt included), as the cost preview and the reference alone price them. */
  readonly prompts: PromptTokenCounts;
  /** Each shard as this pass read it: every later pass must read the same. */
  readonly fingerprints: readonly FileFingerprint[];
  /** The input's format, and a CSV or TSV input's delimiter (which its outputs take too), as every later pass reads them. */
  readonly format: InputFormat;
  readonly delimiter: Delimiter | undefined;
}

/** A line of a shard, as the skipped ones are kept. */
function lineKey(shard: number, line: number): string {
  return `${shard}:${line}`;
}

/**
 * One pass over the input (every shard of it) before anything is paid:
 * every item must read and hold every field the template uses. Also counts
 * the items, measures every prompt's length (its tokens, for the cost
 * preview and the reference alone) and tells `cached` every prompt, to count
 * the answers the cache holds.
 */
async function checkInput(template: Template, options: JobOptions, cached: CachedAnswerCount | undefined): Promise<CheckedInput> {
  const { input } = options;
  const shards = shardsOf(input);
  const sharded = isSharded(input);
  const skipped = new Set<string>();
  const skippedList: Array<{ line: number; problem: string; file?: string }> = [];
  const skip = (error: InputError): void => {
    skipped.add(lineKey(shards.indexOf(error.file), error.line!));
    skippedList.push({ line: error.line!, problem: error.problem, ...(sharded ? { file: error.file } : {}) });
  };
  const lengths = new PromptLengths();
  const system = options.config.system ?? '';
  const counts = shards.map(() => 0);
  let fingerprints: FileFingerprint[] = [];
  const reading = { format: options.config.inputFormat, delimiter: options.config.delimiter };
  const records = readDataset(shards, {
    ...reading,
    skipInvalid: options.skipInvalid === true,
    onInvalid: skip,
    onFingerprints: (seen) => (fingerprints = seen),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const record of records) {
    let prompt: string;
    try {
      prompt = template.render(record.value, { file: record.file, line: record.line });
    } catch (error) {
      if (!(error instanceof InputError) || !options.skipInvalid) throw error;
      skip(error);
      continue;
    }
    lengths.add(system + prompt);
    cached?.add(prompt);
    counts[record.shard]++;
  }
  const format = datasetFormat(input, reading.format);
  const delimiter = format === 'csv' || format === 'tsv' ? await delimiterOf(shards[0], reading) : undefined;
  const count = counts.reduce((a, b) => a + b, 0);
  return { shards, count, counts, skipped, skippedList, prompts: lengths.finish(), fingerprints, format, delimiter };
}

/** Why a file with no valid item cannot be run: it holds none, or every line was skipped as invalid. */
function nothingToProcess(checked: CheckedInput): string {
  const skipped = checked.skippedList.length;
  if (skipped === 0) return 'has no items to process (it is empty, or holds only blank lines)';
  const firstSkipped = checked.skippedList[0];
  return `has no items to process: ${skipped === 1 ? 'its one line was' : `all ${skipped} of its lines were`} skipped as invalid (first: ${firstSkipped.file !== undefined ? `${firstSkipped.file}, ` : ''}line ${firstSkipped.line}, ${firstSkipped.problem})`;
}

/** The records the validation pass kept, read again; the reading stops as soon as a shard is found changed since. */
async function* validRecords(input: string, checked: CheckedInput, signal: AbortSignal | undefined): AsyncGenerator<InputRecord> {
  const reading = { format: checked.format, delimiter: checked.delimiter };
  let count = 0;
  // Lines already found bad were reported by the validation pass; skip them silently here.
  for await (const record of readDataset(checked.shards, { ...reading, skipInvalid: true, expect: checked.fingerprints, ...(signal ? { signal } : {}) })) {
    if (checked.skipped.has(lineKey(record.shard, record.line))) continue;
    // Before the end of the pass shows it, more items than counted mean new lines (edited in place, same size).
    if (++count > checked.count) throw new InputChangedError(input, `more than the ${checked.count} items it had`);
    yield record;
  }
}

/** The endpoints the run's models use, as the clients are configured for them: the key from the lookup. */
function endpointConfigs(config: SmartConfig, options: JobOptions): Map<string, EndpointConfig> {
  const keys = options.keys ?? environmentKeys();
  const result = new Map<string, EndpointConfig>();
  for (const model of modelsCalled(config)) {
    const endpoint = config.endpoints.get(model.endpoint)!;
    if (result.has(endpoint.name)) continue;
    const found = keys(endpoint.name, endpoint.apiKeyEnv);
    if (endpoint.apiKeyEnv !== undefined && !found) {
      throw new Error(`endpoint "${endpoint.name}" needs an API key: set the environment variable ${endpoint.apiKeyEnv}`);
    }
    result.set(endpoint.name, {
      name: endpoint.name,
      baseURL: endpoint.baseURL,
      // The refused key's hint names where it came from: secret storage or the variable.
      ...(found ? { apiKey: found.key, apiKeySource: found.source } : {}),
      ...(endpoint.headers ? { headers: endpoint.headers } : {}),
      ...(endpoint.query ? { query: endpoint.query } : {}),
      ...(endpoint.timeoutMs !== undefined ? { timeoutMs: endpoint.timeoutMs } : {}),
    });
  }
  return result;
}

/** How each model of the run is reached: one chat client per endpoint, of the endpoint's kind, shared by its models. */
function routes(config: SmartConfig, options: JobOptions, endpoints: ReadonlyMap<string, EndpointConfig>): Map<string, ModelRoute> {
  const clients = new Map<string, ChatBackend>();
  const result = new Map<string, ModelRoute>();
  for (const [id, target] of callTargets(config)) {
    const endpoint = config.endpoints.get(target.endpoint)!;
    let client = clients.get(endpoint.name);
    if (!client) {
      client = createChatBackend(endpoint.kind, endpoints.get(endpoint.name)!, {
        retry: new RetryPolicy({ budgetMs: (endpoint.retryMinutes ?? DEFAULTS.retryMinutes) * 60_000 }),
        limiters: new RateLimiterPool({
          maxConcurrent: endpoint.concurrency ?? config.concurrency,
          ...(endpoint.requestsPerMinute !== undefined ? { requestsPerMinute: endpoint.requestsPerMinute } : {}),
        }),
        ...(options.log ? { log: options.log } : {}),
      });
      clients.set(endpoint.name, client);
    }
    result.set(id, { ...target, backend: client });
  }
  return result;
}

/** Where each model of the run sends its calls, by id. */
function callTargets(config: SmartConfig): Map<string, CallTarget> {
  return new Map(
    modelsCalled(config).map((model) => {
      const endpoint = config.endpoints.get(model.endpoint)!;
      return [model.id, { providerModel: model.model, endpoint: endpoint.name, baseURL: endpoint.baseURL, ...(model.logprobs ? { logprobs: true } : {}) }];
    }),
  );
}

/** What every request of the run holds besides the prompt. */
function requestSettings(config: SmartConfig): RequestSettings {
  return { ...(config.system !== undefined ? { system: config.system } : {}), ...(config.maxTokens !== undefined ? { maxTokens: config.maxTokens } : {}) };
}

/** Serves the recording the config names; a model's provider name is its name in the recording. */
async function replayClient(config: SmartConfig): Promise<LlmClient<InputRecord>> {
  const { file, itemKey } = config.replay!;
  const providerName = new Map(config.models.map((m) => [m.id, m.model]));
  return ReplayClient.load<InputRecord>(
    file,
    (record) => String(record.value[itemKey]),
    (spec) => providerName.get(spec.id) ?? spec.id,
  );
}
