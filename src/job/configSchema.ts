/**
 * The schema of `smart.config.json`, written once. It validates a config
 * (src/job/config.ts words its issues as ConfigErrors), it gives the types of
 * a validated config, and the build turns it into the JSON Schema the editor
 * uses to complete, describe and check the file ({@link configJsonSchema}).
 * Each description is what a user reads on hover.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { DEFAULTS } from '../core/defaults';
import { BOUND_KINDS, STRATEGIES, type BoundKind, type JudgeQuestion, type Strategy } from '../core/types';
import { answerRuleSchema, labelsSchema, type AnswerRule, type JudgeRule } from '../io/answerExtraction';
import type { Template } from '../io/template';
import { judgeTemplate } from './judgeClient';
import { knownPrice } from './priceTable';
import { ENDPOINT_KINDS } from '../llm/chatBackend';
import { DELIMITERS } from '../io/delimited';
import { INPUT_FORMATS } from '../io/records';
import { OUTPUT_FORMATS } from './outputFormat';

/** What each strategy does, for the editor's completion list (package.json's `smart.strategy` says the same; a test holds them together). */
export const STRATEGY_DESCRIPTIONS: Readonly<Record<Strategy, string>> = {
  auto: 'Choose among single models, mixes and gated plans (cheap models that agree keep their answer, the reference answers where they differ) on a pilot, then certify the choice on fresh items (recommended).',
  naive: 'Reference model on every item.',
  exhaustive: "The SMART paper's: profile until decided, then one model.",
  efficient: "The SMART paper's: profile with early termination when more profiling would not pay, then one model.",
  modelmix: "The SMART paper's: as `efficient`, then the cheapest mix of models that meets the target.",
};

const BOUND_DESCRIPTIONS: Readonly<Record<BoundKind, string>> = {
  'clopper-pearson':
    "Exact Clopper-Pearson intervals, the paper's rule: valid for one look at the bounds. (For the paper's strategies; `auto` always certifies with exact bounds at looks set in advance.)",
  anytime:
    "An anytime-valid confidence sequence: the guarantee holds however often profiling looks. (For the paper's strategies; `auto` always certifies with exact bounds at looks set in advance.)",
};

/** The endpoint name models get when a run is replayed and they name none. */
const REPLAY_ENDPOINT = 'replay';

const NON_EMPTY = 'must be a non-empty string';
const ENV_NAME = 'must be the NAME of an environment variable (the key itself never goes in this file)';
/** What `apiKeyEnv` holds: the name of an environment variable. */
export const ENV_VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Whether a base URL is one Smart can call (http or https). */
export const isHttpUrl = (url: string): boolean => /^https?:\/\//.test(url);
// `patternErrorMessage` is what VS Code says when the editor finds the pattern unmatched.
const nonEmpty = z.string().regex(/\S/, { error: NON_EMPTY }).meta({ patternErrorMessage: NON_EMPTY });
const notAShare = (issue: { input?: unknown }): string => `must be between 0 and 1 (exclusive), got ${String(issue.input)}`;
const share = z.number().gt(0, { error: notAShare }).lt(1, { error: notAShare });
const price = z.number().min(0);

const endpointSchema = z
  .strictObject({
    kind: z
      .enum(ENDPOINT_KINDS)
      .default('openai')
      .describe(
        'The protocol the endpoint speaks: "openai" (the default) for any OpenAI-compatible server (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio, OpenRouter); "anthropic" for Anthropic\'s Messages API (its `baseURL` an origin such as "https://api.anthropic.com"; no log-probabilities); "gemini" for Google\'s Gemini API (its `baseURL` an origin such as "https://generativelanguage.googleapis.com"). In batch mode each takes batches: OpenAI\'s Batch API, Anthropic\'s Message Batches, Gemini\'s batch jobs.',
      ),
    baseURL: nonEmpty.describe(
      'For "openai": a base URL up to `/v1`, e.g. "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1". For "anthropic" and "gemini": an origin, e.g. "https://api.anthropic.com" (the SDK adds its own version path).',
    ),
    apiKeyEnv: z
      .string()
      .regex(ENV_VARIABLE_NAME, { error: ENV_NAME })
      .meta({ patternErrorMessage: ENV_NAME })
      .optional()
      .describe('The *name* of the environment variable holding the key, e.g. "OPENAI_API_KEY"; omit for local servers. Keys never go in this file.'),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe("Extra request headers. A secret header such as Azure's `api-key` is better given with `apiKeyEnv`."),
    query: z.record(z.string(), z.string()).optional().describe('Extra query parameters, e.g. Azure\'s { "api-version": "2024-10-21" }.'),
    timeoutMs: z.int().min(1).optional().describe(`Time allowed per attempt, in milliseconds (default ${DEFAULTS.timeoutMs}).`),
    concurrency: z.int().min(1).optional().describe('Calls in flight at once per model on this endpoint (default: the top-level `concurrency`).'),
    requestsPerMinute: z.number().min(1).optional().describe('A request rate limit per model on this endpoint (default: none).'),
    retryMinutes: z
      .number()
      .positive()
      .optional()
      .describe(
        `How long failed calls to this endpoint are retried while it answers nothing at all, and how long one request may keep failing alone while it answers others (default ${DEFAULTS.retryMinutes} minutes). Rate limits lower the calls in flight meanwhile.`,
      ),
    batch: z
      .boolean()
      .optional()
      .describe('`false`: this endpoint serves no Batch API (Ollama, LM Studio), so in batch mode its models are still called online (default `true`).'),
  })
  .describe('An OpenAI-compatible endpoint.');

const modelSchema = z
  .strictObject({
    id: nonEmpty.describe('The name the run uses (in `reference`, `candidates` and reports).'),
    endpoint: nonEmpty.optional().describe('The endpoint that serves it: a name under `endpoints` (not needed with `replay`).'),
    model: nonEmpty.optional().describe("The provider's model name sent in requests (default: the id)."),
    inputPer1M: price
      .optional()
      .describe('USD per million input tokens. Optional for models in the built-in price table (gpt-4o, gpt-4o-mini, gpt-4.1, -mini, -nano, ...).'),
    outputPer1M: price
      .optional()
      .describe('USD per million output tokens. Optional for models in the built-in price table (gpt-4o, gpt-4o-mini, gpt-4.1, -mini, -nano, ...).'),
    logprobs: z
      .boolean()
      .optional()
      .describe(
        'Ask this model for token log-probabilities (OpenAI, vLLM and others support `logprobs`): the probability it gives its own answer then lets `auto` keep confident answers and ask the reference about the rest. Only for endpoints that accept the parameter.',
      ),
  })
  .transform((m, context) => {
    const model = m.model ?? m.id;
    const listed = knownPrice(model);
    const inputPer1M = m.inputPer1M ?? listed?.inputPer1M;
    const outputPer1M = m.outputPer1M ?? listed?.outputPer1M;
    if (inputPer1M === undefined || outputPer1M === undefined) {
      context.addIssue({
        code: 'custom',
        path: [inputPer1M === undefined ? 'inputPer1M' : 'outputPer1M'],
        message:
          `no price is known for model "${model}": set "inputPer1M" and "outputPer1M" (USD per million tokens) on it, ` +
          `e.g. { "id": "${m.id}", ..., "inputPer1M": 0.15, "outputPer1M": 0.6 }`,
      });
      return z.NEVER;
    }
    return { id: m.id, endpoint: m.endpoint, model, inputPer1M, outputPer1M, logprobs: m.logprobs === true };
  })
  .describe('A model Smart may use.');

const BATCH = DEFAULTS.batchSettings;

/** Batch mode's settings, each with its default. */
const batchSettingsSchema = z
  .strictObject({
    pollSeconds: z.number().gt(0).default(BATCH.pollSeconds).describe(`Seconds between two polls of the running batches (default ${BATCH.pollSeconds}).`),
    discount: z
      .number()
      .gt(0)
      .max(1)
      .default(BATCH.discount)
      .describe(
        `The share of the list price the batch engine charges: it prices the calls it answers and weighs the plan (default ${BATCH.discount}, OpenAI's and most providers' half price).`,
      ),
    maxRequestsPerBatch: z
      .int()
      .min(1)
      .default(BATCH.maxRequestsPerBatch)
      .describe(`Requests one batch may hold (default ${BATCH.maxRequestsPerBatch}, OpenAI's limit).`),
    maxBytesPerBatch: z
      .int()
      .min(1)
      .default(BATCH.maxBytesPerBatch)
      .describe(`Bytes one batch's request file may hold (default ${BATCH.maxBytesPerBatch}, under OpenAI's 200 MB).`),
    stragglers: z
      .enum(['online', 'wait'])
      .default(BATCH.stragglers)
      .describe(
        `What becomes of requests batches keep leaving unanswered: "online" (default) answers them online at list price once two batches ended without answering them (expired, or their line failed), or once the run has waited \`maxHours\`, so that a run always finishes; "wait" keeps resubmitting them (an expired batch that answered others uses no attempt).`,
      ),
    maxHours: z
      .number()
      .gt(0)
      .default(BATCH.maxHours)
      .describe(`With "stragglers": "online", the hours a run waits for its batches before whatever they left goes online (default ${BATCH.maxHours}).`),
  })
  .describe('Batch mode with these settings.');

/** Batch mode's settings, defaults filled in. */
export type BatchSettings = z.output<typeof batchSettingsSchema>;

/** Why batch mode cannot be used with a recording. */
export const BATCH_WITH_REPLAY = 'does not apply with "replay": the recording answers every call';

/** The file as written: every field, its type, range and default. */
export const configFileSchema = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema of this file, which editors use to complete and check it.'),
    endpoints: z
      .record(z.string(), endpointSchema)
      .optional()
      .describe(
        'OpenAI-compatible endpoints by name, e.g. { "openai": { "baseURL": "https://api.openai.com/v1", "apiKeyEnv": "OPENAI_API_KEY" } }. Not needed with `replay`.',
      ),
    models: z
      .array(modelSchema)
      .min(1, { error: 'must be a non-empty list of models' })
      .describe('The models Smart may use: the reference and the cheaper candidates.'),
    reference: nonEmpty.describe('The id of the reference model: the one whose outputs you would otherwise use on every item.'),
    candidates: z
      .array(nonEmpty)
      .optional()
      .describe('The ids of the cheaper models to profile against the reference (default: every other model but a judge).'),
    template: nonEmpty.describe(
      'The prompt template file, relative to this file: `{{field}}`, `{{nested.field}}` and `{{list.0}}` placeholders are filled from each JSONL object.',
    ),
    system: nonEmpty.optional().describe('An optional system prompt.'),
    labels: labelsSchema.optional(),
    answer: answerRuleSchema.optional(),
    accuracy: share
      .default(DEFAULTS.accuracy)
      .describe(`The target: the share of items whose output must agree with the reference model's, between 0 and 1 (default ${DEFAULTS.accuracy}).`),
    confidence: share
      .default(DEFAULTS.confidence)
      .describe(
        `The confidence with which the target must hold, between 0 and 1 (default ${DEFAULTS.confidence}): for "auto", the chance that the share of this file's outputs agreeing with the reference reaches the target; for the paper's strategies, that the expected agreement rate does.`,
      ),
    strategy: z
      .enum(STRATEGIES)
      .default(DEFAULTS.strategy)
      .meta({
        description: `How Smart decides which models process the items (default "${DEFAULTS.strategy}").`,
        markdownEnumDescriptions: STRATEGIES.map((s) => STRATEGY_DESCRIPTIONS[s]),
      }),
    bound: z
      .enum(BOUND_KINDS)
      .default(DEFAULTS.bound)
      .meta({
        description: `The confidence bound with which the paper's strategies decide whether a model meets the target (default "${DEFAULTS.bound}"); "auto" always certifies with exact Clopper-Pearson bounds looked at only at sizes fixed in advance.`,
        markdownEnumDescriptions: BOUND_KINDS.map((b) => BOUND_DESCRIPTIONS[b]),
      }),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional()
      .describe(
        'The seed of the random order in which items are profiled, a whole number below 2^32. By default one is drawn at random the first time a file is run and kept in `.smart/`, so reruns and resumes take the same order. ' +
          'Set one only before running: trying seeds until a run looks good weakens the guarantee.',
      ),
    inputFormat: z
      .enum(INPUT_FORMATS)
      .optional()
      .describe(
        'The format of the input file, when its extension does not say it (by default `.jsonl`/`.ndjson`, `.csv`, `.tsv`/`.tab`, `.json`, `.parquet` tell it).',
      ),
    delimiter: z
      .enum(DELIMITERS)
      .optional()
      .describe('A CSV input\'s field delimiter, when the one told from its header row is not it (",", ";", "|" or a tab).'),
    outputFormat: z
      .enum(OUTPUT_FORMATS)
      .optional()
      .describe("The format of the outputs (default: the input's own for CSV, TSV and Parquet, JSONL for the others)."),
    maxTokens: z.int().min(1).optional().describe('`max_tokens` for every call (requests always use temperature 0).'),
    concurrency: z.int().min(1).default(DEFAULTS.concurrency).describe(`Calls in flight at once over the whole run (default ${DEFAULTS.concurrency}).`),
    checkEvery: z
      .int()
      .min(1)
      .default(DEFAULTS.checkEvery)
      .describe(`Profiling checks the bounds every this many items (default ${DEFAULTS.checkEvery}, as in the paper).`),
    minSample: z
      .int()
      .min(0)
      .default(DEFAULTS.minSample)
      .describe(`Profiling considers stopping early only after this many items (default ${DEFAULTS.minSample}, as in the paper).`),
    replay: nonEmpty
      .optional()
      .describe(
        'A recording to serve every call from instead of endpoints, relative to this file: a JSONL file of { "item", "model", "text", "inputTokens", "outputTokens" } lines.',
      ),
    itemKey: nonEmpty.optional().describe(`With \`replay\`: the item field whose value a recording's "item" gives (default "${DEFAULTS.itemKey}").`),
    batch: z
      .union([z.boolean(), batchSettingsSchema], { error: (issue) => `must be true, false or an object of batch settings, got ${JSON.stringify(issue.input)}` })
      .default(DEFAULTS.batch)
      .describe(
        "Batch mode: profiling stays online; the items after it go to the providers' Batch APIs, at their discount (usually half price), with results within 24 hours. " +
          '`true` for the default settings, or an object of settings (default `false`: every call online).',
      ),
  })
  .superRefine(
    (c, context) => {
      const report = (field: PropertyKey[], message: string): void => context.addIssue({ code: 'custom', path: field, message });
      checkEndpoints(c, report);
      checkModelChoice(c, report);
      if (c.labels !== undefined && c.answer !== undefined) report(['labels'], 'give either "labels" or "answer", not both');
      if (c.replay !== undefined && c.batch !== false) report(['batch'], BATCH_WITH_REPLAY);
      checkJudge(c, report);
    },
    // Cross-field checks read a value of the right shape only.
    { when: ({ issues }) => issues.length === 0 },
  )
  .meta({
    title: 'smart.config.json',
    description: 'A Smart job: the models, the prompt, how outputs are compared, and the target the outputs must meet, with the confidence it must hold with.',
  });

export type ConfigFile = z.output<typeof configFileSchema>;
/** A model as a config (or the editor's `smart.models` setting) writes it. */
export type ModelEntry = z.input<typeof modelSchema>;
type Report = (field: PropertyKey[], message: string) => void;

/** Endpoints are needed (and must be http URLs) unless calls are replayed; every model names one that exists. */
function checkEndpoints(c: ConfigFile, report: Report): void {
  if (c.replay !== undefined) return;
  if (c.itemKey !== undefined) report(['itemKey'], 'only applies with "replay"');
  if (c.endpoints === undefined) return report(['endpoints'], 'is required (or "replay", to serve calls from a recording)');
  for (const [name, endpoint] of Object.entries(c.endpoints)) {
    if (!isHttpUrl(endpoint.baseURL)) report(['endpoints', name, 'baseURL'], `must start with http:// or https://, got "${endpoint.baseURL}"`);
  }
  const names = Object.keys(c.endpoints);
  c.models.forEach((m, i) => {
    if (m.endpoint === undefined) report(['models', i, 'endpoint'], 'is required');
    else if (!names.includes(m.endpoint)) report(['models', i, 'endpoint'], `unknown endpoint "${m.endpoint}" (defined: ${names.join(', ') || 'none'})`);
    // A confidence gate needs the model's probability of its answer, which Anthropic's API does not give.
    else if (m.logprobs === true && c.endpoints?.[m.endpoint]?.kind === 'anthropic')
      report(['models', i, 'logprobs'], `endpoint "${m.endpoint}" is of kind "anthropic", whose API gives no log-probabilities: remove "logprobs"`);
  });
}

/** Model ids are distinct; the reference and the candidates name models; no candidate is the reference or listed twice. */
function checkModelChoice(c: ConfigFile, report: Report): void {
  const ids = new Set<string>();
  c.models.forEach((m, i) => {
    if (ids.has(m.id)) report(['models', i, 'id'], `"${m.id}" is used by two models`);
    ids.add(m.id);
  });
  const known = `(models: ${[...ids].join(', ')})`;
  if (!ids.has(c.reference)) report(['reference'], `unknown model id "${c.reference}" ${known}`);
  const candidates = candidatesOf(c);
  if (candidates.length === 0) report(['candidates'], 'must name at least one model to profile against the reference');
  for (const id of candidates) {
    if (!ids.has(id)) report(['candidates'], `unknown model id "${id}" ${known}`);
    if (id === c.reference) report(['candidates'], `"${id}" is the reference; it cannot also be a candidate`);
  }
  if (new Set(candidates).size !== candidates.length) report(['candidates'], 'lists a model twice');
}

/** A judge names one of the models, and needs an endpoint to ask: a recording holds no verdicts. */
function checkJudge(c: ConfigFile, report: Report): void {
  const answer = c.answer;
  if (answer?.kind !== 'judge') return;
  if (!c.models.some((m) => m.id === answer.model))
    report(['answer', 'model'], `unknown model id "${answer.model}" (models: ${c.models.map((m) => m.id).join(', ')})`);
  if (c.replay !== undefined) report(['answer'], JUDGE_WITH_REPLAY);
}

/** Why a judge and a recording do not go together. */
export const JUDGE_WITH_REPLAY = 'a judge is asked online, and a recording holds no verdicts: remove "replay" or compare outputs without a judge';

/** The candidates: as listed, else every model but the reference and the judge (a model named to judge is there to judge). */
function candidatesOf(c: ConfigFile): string[] {
  const judge = c.answer?.kind === 'judge' ? c.answer.model : undefined;
  return c.candidates ?? c.models.map((m) => m.id).filter((id) => id !== c.reference && id !== judge);
}

/**
 * The schema of a config file at `file`: {@link configFileSchema}, then the
 * files it names (template, recording), resolved against the file's folder
 * and checked to exist, and every default filled in.
 */
export function smartConfigSchema(file: string) {
  const dir = path.dirname(path.resolve(file));
  return configFileSchema.transform((c, context) => {
    const templateFile = path.resolve(dir, c.template);
    const replayFile = c.replay === undefined ? undefined : path.resolve(dir, c.replay);
    const judgeFile = c.answer?.kind === 'judge' && c.answer.template !== undefined ? path.resolve(dir, c.answer.template) : undefined;
    const problems = [
      [['template'], fileProblem(templateFile)],
      [['replay'], replayFile === undefined ? undefined : fileProblem(replayFile)],
      [['answer', 'template'], judgeFile === undefined ? undefined : fileProblem(judgeFile)],
    ] as const;
    for (const [field, message] of problems) if (message !== undefined) context.addIssue({ code: 'custom', path: [...field], message });
    if (problems.some(([, message]) => message !== undefined)) return z.NEVER;
    const answer: AnswerRule = c.labels !== undefined ? { kind: 'label', labels: c.labels } : (c.answer ?? { kind: 'trim' });
    const judge = answer.kind === 'judge' ? judgeOf(answer, judgeFile) : undefined;
    if (judge instanceof Error) {
      context.addIssue({ code: 'custom', path: ['answer', 'template'], message: judge.message });
      return z.NEVER;
    }
    return {
      file: path.resolve(file),
      endpoints: new Map(Object.entries(c.endpoints ?? {}).map(([name, endpoint]) => [name, { name, ...endpoint }])),
      models: c.models.map((m) => ({ ...m, endpoint: m.endpoint ?? REPLAY_ENDPOINT })),
      reference: c.reference,
      candidates: candidatesOf(c),
      templateFile,
      template: readFileSync(templateFile, 'utf8').replace(/^\uFEFF/, ''),
      system: c.system,
      answer,
      accuracy: c.accuracy,
      confidence: c.confidence,
      strategy: c.strategy,
      bound: c.bound,
      seed: c.seed,
      maxTokens: c.maxTokens,
      /** How the input is read and the outputs written, where the file's extension is not to decide. */
      inputFormat: c.inputFormat,
      delimiter: c.delimiter,
      outputFormat: c.outputFormat,
      concurrency: c.concurrency,
      checkEvery: c.checkEvery,
      minSample: c.minSample,
      /** Batch mode's settings; undefined when every call goes online. */
      batch: c.batch === false ? undefined : c.batch === true ? batchSettingsSchema.parse({}) : c.batch,
      /** A recording to replay instead of calling endpoints, and the item field that keys it. */
      replay: replayFile === undefined ? undefined : { file: replayFile, itemKey: c.itemKey ?? DEFAULTS.itemKey },
      /** The judge that decides agreement, when the answer rule has one: its model id, question, compiled prompt and criteria. */
      judge,
    };
  });
}

/** A judge rule's settings for the run: its prompt compiled (the file's, else the default for the question) and checked. */
function judgeOf(rule: JudgeRule, file: string | undefined): SmartJudge | Error {
  try {
    const source = file === undefined ? undefined : readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    const template = judgeTemplate(source, rule.question, file === undefined ? 'the default judge prompt' : path.basename(file));
    return {
      model: rule.model,
      question: rule.question,
      auditItems: rule.auditItems,
      template,
      ...(rule.criteria !== undefined ? { criteria: rule.criteria } : {}),
    };
  } catch (error) {
    return error as Error;
  }
}

/** A run's judge as the config gives it. */
export interface SmartJudge {
  readonly model: string;
  readonly question: JudgeQuestion;
  /** Items per plan a person labels to audit the judge; 0 for no audit. */
  readonly auditItems: number;
  readonly template: Template;
  readonly criteria?: string;
}

/** Why a file a config names cannot be read as one, if it cannot. */
function fileProblem(file: string): string | undefined {
  if (!existsSync(file)) return `file not found: ${file}`;
  if (statSync(file).isDirectory()) return `${file} is a folder, not a file`;
  return undefined;
}

/** A validated config: paths resolved against the config file's folder, the template read, defaults filled in. */
export type SmartConfig = z.output<ReturnType<typeof smartConfigSchema>>;

/**
 * The JSON Schema of the file (draft-07, which VS Code's JSON language
 * service reads): it describes the file as written, so defaults show and
 * everything is optional that has one. Descriptions are also given as
 * `markdownDescription`, which VS Code renders on hover.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configFileSchema, {
    target: 'draft-07',
    io: 'input',
    override: ({ jsonSchema }) => {
      if (typeof jsonSchema.description === 'string') jsonSchema.markdownDescription = jsonSchema.description;
      // zod bounds every integer by the largest safe one; the editor would only repeat that bound in its messages.
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    },
  });
}
