/**
 * The schema of a run's report file (`<name>.smart-report.json`, a
 * {@link JobReport}), written once. Reports are read back by the editor (the
 * panel shows the last run's), by `smart audit` (which labels the pairs it
 * holds) and by `smart verify`; each reads it through this schema rather than
 * casting what `JSON.parse` gives, so that a truncated, hand-edited or foreign
 * file stops with the file and the field that is wrong instead of a crash in
 * the panel or an audit worked out on a wrong number.
 *
 * It is declared as a `z.ZodType<JobReport>`, so the compiler holds it to the
 * type: a field added to the report (or a kind added to one of its unions)
 * without its schema here breaks the build. Objects are not strict: a report
 * written by a newer version, with fields this one does not know, still reads.
 */
import * as z from 'zod';
import { INPUT_FORMATS } from '../io/records';
import type { GuaranteeSubject } from '../core/report';
import { BOUND_KINDS, JUDGE_QUESTIONS, STRATEGIES, type ModelStatus, type SeedOrigin } from '../core/types';
import { readJsonFile } from '../io/jsonFile';
import type { JobReport } from './runJob';

/**
 * A zod enum of every value of a union of strings. The object must list each
 * value once as its own key and no other, so the compiler refuses it when the
 * union gains a value this schema would then refuse in a report.
 */
const everyOf = <T extends string>(values: { readonly [K in T]: K }): z.ZodEnum<{ [K in T]: K }> => z.enum(values);

/** Calls, tokens, items: whole numbers, none negative. */
const count = z.int().min(0);
/** A 1-based line of the input. */
const line = z.int().min(1);

const modelStatus = everyOf<ModelStatus>({ unknown: 'unknown', invalid: 'invalid', satisfied: 'satisfied' });
const seedOrigin = everyOf<SeedOrigin>({ config: 'config', drawn: 'drawn', kept: 'kept' });
const guaranteeSubject = everyOf<GuaranteeSubject>({ outputs: 'outputs', rate: 'rate' });
const guaranteeBound = z.enum([...BOUND_KINDS, 'hypergeometric']);
const judgeQuestion = z.enum(JUDGE_QUESTIONS);

const intervalSchema = z.object({ lower: z.number(), upper: z.number() });

const planSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('single'), model: z.string() }),
  z.object({ kind: z.literal('gated'), members: z.array(z.string()), escalate: z.string(), judged: z.boolean().exactOptional() }),
  z.object({ kind: z.literal('confident'), model: z.string(), threshold: z.number(), escalate: z.string() }),
]);

const modelSummarySchema = z.object({
  id: z.string(),
  role: z.enum(['reference', 'candidate']),
  status: modelStatus,
  ruledOutBy: z.enum(['bound', 'cost']).exactOptional(),
  agreements: count,
  n: count,
  interval: intervalSchema.exactOptional(),
  calls: count,
  cachedCalls: count,
  batchCalls: count.exactOptional(),
  inputTokens: count,
  outputTokens: count,
  cost: z.number(),
  paidCost: z.number().exactOptional(),
  batchCost: z.number().exactOptional(),
  costPerItem: z.number(),
  itemsProduced: count,
});

const judgeSummarySchema = z.object({
  model: z.string(),
  question: judgeQuestion,
  comparisons: count,
  judged: count,
  gateVerdicts: count,
  unreadable: z.array(z.object({ index: count, model: z.string() })),
  calls: count,
  cachedCalls: count,
  inputTokens: count,
  outputTokens: count,
  cost: z.number(),
  paidCost: z.number(),
});

const mixEntrySchema = z.object({
  id: z.string(),
  plan: planSpecSchema,
  share: z.number(),
  items: count,
  agreeing: count.exactOptional(),
  lowerBound: z.number(),
  level: z.number(),
  costPerItem: z.number(),
  coverage: z.number().exactOptional(),
});

const certifiedPlanSchema = z.object({
  id: z.string(),
  plan: planSpecSchema,
  pilotAgreements: count,
  pilotItems: count,
  agreements: count,
  items: count,
  agreeing: count,
  lowerBound: z.number(),
  alpha: z.number(),
  blockAlpha: z.number(),
  inSequence: z.literal(true).exactOptional(),
  costPerItem: z.number(),
  coverage: z.number().exactOptional(),
});

const certificationSchema = z.object({
  pilotItems: count,
  pilotModels: z.array(z.string()),
  plansConsidered: count,
  plannedItems: count,
  items: count,
  looks: count,
  stoppedEarly: z.literal('not-worth-it').exactOptional(),
  plans: z.array(certifiedPlanSchema),
});

const planSchema = z.object({
  kind: z.enum(['naive', 'single', 'mix']),
  entries: z.array(mixEntrySchema),
  about: guaranteeSubject,
  agreeingOutputs: count.exactOptional(),
  agreementLowerBound: z.number(),
  confidence: z.number(),
  certification: certificationSchema.exactOptional(),
});

const guaranteeSchema = z.object({
  about: guaranteeSubject,
  judgedBy: z.object({ model: z.string(), question: judgeQuestion }).exactOptional(),
  accuracy: z.number(),
  confidence: z.number(),
  bound: guaranteeBound,
  met: z.boolean(),
  proven: z.boolean(),
  statement: z.string(),
});

const referenceOnlySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('per-item'), answered: count, inputRatio: z.number(), outputTokens: z.number() }),
  z.object({ kind: z.literal('mean'), answered: count }),
]);

const modelCostsSchema = z.object({
  calls: count,
  onlineCalls: count,
  batchCalls: count,
  cachedCalls: count,
  inputTokens: count,
  outputTokens: count,
  cost: z.number(),
  onlineCost: z.number(),
  batchCost: z.number(),
});

const auditSetupSchema = z.object({
  alpha: z.number(),
  population: count,
  plans: z.array(z.object({ plan: z.string(), sampled: count })),
  pairs: z.array(z.object({ plan: z.string(), model: z.string(), line, input: z.string(), referenceOutput: z.string(), candidateOutput: z.string() })),
});

const disagreementSchema = z.object({
  file: z.string().exactOptional(),
  line,
  model: z.string(),
  input: z.string(),
  referenceOutput: z.string(),
  candidateOutput: z.string(),
  referenceAnswer: z.string().exactOptional(),
  candidateAnswer: z.string().exactOptional(),
  verdict: z.enum(['no', 'unreadable']).exactOptional(),
});

const costPreviewSchema = z.object({
  items: count,
  sampledItems: count,
  meanInputTokens: z.number(),
  outputTokens: count,
  outputEstimate: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('label'), label: z.string(), labelTokens: count, margin: count }),
    z.object({ kind: z.literal('maxTokens') }),
    z.object({ kind: z.literal('default') }),
  ]),
  referenceOnlyCost: z.number(),
  referenceOnlyUncached: z.number(),
  cached: z.object({ reference: count, calls: count }),
  leastProfiling: z.object({ cost: z.number(), items: count, candidates: count }),
  worstCaseProfilingCost: z.number(),
  fullyCached: z.boolean(),
  judge: z.object({ model: z.string(), perCall: z.number(), atMost: z.number(), gates: count }).exactOptional(),
});

/** A whole run report, as `runJob` writes it. */
const reportObject = z.object({
  // The engine's report (RunReport).
  strategy: z.enum(STRATEGIES),
  bound: guaranteeBound,
  seed: z.int(),
  seedOrigin: seedOrigin.exactOptional(),
  auditAlpha: z.number().exactOptional(),
  auditItems: count.exactOptional(),
  target: z.object({ accuracy: z.number(), confidence: z.number() }),
  checkEvery: count,
  minSample: count,
  items: count,
  profiledItems: count,
  reference: z.string(),
  models: z.array(modelSummarySchema),
  judge: judgeSummarySchema.exactOptional(),
  plan: planSchema,
  totalCost: z.number(),
  paidCost: z.number(),
  referenceOnlyCost: z.number(),
  referenceOnly: referenceOnlySchema,
  savings: z.number(),
  guarantee: guaranteeSchema,
  timings: z.object({ startedAt: z.iso.datetime(), profilingMs: z.number(), applyingMs: z.number(), totalMs: z.number() }),
  // What the job adds.
  input: z.string(),
  inputFormat: z.enum(INPUT_FORMATS).exactOptional(),
  output: z.string(),
  shards: count.exactOptional(),
  outputs: z.array(z.string()).exactOptional(),
  config: z.string(),
  answerRule: z.string(),
  evidence: z.string(),
  standings: z.record(z.string(), z.object({ profiling: z.string(), use: z.string() })),
  perModel: z.record(z.string(), modelCostsSchema),
  paidCalls: count,
  onlineCalls: count,
  batchCalls: count,
  cachedCalls: count,
  onlineCost: z.number(),
  batchCost: z.number(),
  skippedLines: z.array(z.object({ line, problem: z.string() })),
  audit: auditSetupSchema.exactOptional(),
  disagreements: z.array(disagreementSchema),
  unreadableVerdicts: z.array(z.object({ line, model: z.string() })).exactOptional(),
  preview: costPreviewSchema,
});

/** The whole report, held to its type by the compiler. */
export const jobReportSchema: z.ZodType<JobReport> = reportObject;

/** The one field a report is read for when only its config matters (the last run's settings on a file): an older or partial report still names it. */
const reportConfigSchema = reportObject.pick({ config: true });

/**
 * Reads a run report. Errors of the file system (no report there) pass as
 * they are, for the caller to word.
 * @throws StateFileError naming the file, and the field that is wrong, when it is not a report.
 */
export function readReportFile(file: string): JobReport {
  return readJsonFile(file, jobReportSchema, 'a Smart run report');
}

/** The config a report says its run used. @throws StateFileError naming the file when it names none. */
export function readReportConfig(file: string): string {
  return readJsonFile(file, reportConfigSchema, 'a Smart run report').config;
}
