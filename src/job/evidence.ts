/**
 * The evidence a run's decisions rest on: every profiled item's outcome,
 * kept in `.smart/<file>.evidence.jsonl` beside the response cache (written
 * with the outputs, all at once or not at all). A header line says which run
 * it is; then one line per profiled item, in the random order: its position
 * and line, why it was profiled (pilot, certification, profiling), each
 * model's output, whether each agreed with the reference, and the judge's
 * verdicts where a judge decided (on a candidate's output, and on the pair of
 * a gate it decides, by the gate's plan id). `smart verify` recomputes the report's
 * bounds and guarantee from it.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { ProfiledItem } from '../core/runContext';
import type { Completion } from '../core/types';
import { answerRuleSchema } from '../io/answerExtraction';
import type { InputRecord } from '../io/readingPass';
import { stateFileFor } from '../io/stateFile';

/** The evidence file of an input: `.smart/<input name>.evidence.jsonl` beside it. */
export function evidenceFileFor(input: string): string {
  return stateFileFor(input, '.evidence.jsonl');
}

const headerSchema = z.strictObject({
  smartEvidence: z.literal(1),
  /** The input file, the seed of its order and its items. */
  input: z.string(),
  seed: z.int().min(0),
  items: z.int().min(0),
  reference: z.string(),
  /** The comparison rule the outcomes were decided by. */
  answer: answerRuleSchema,
});

const outcomeSchema = z.strictObject({
  index: z.int().min(0),
  line: z.int().min(1),
  stage: z.enum(['pilot', 'certification', 'profiling']),
  outputs: z.record(z.string(), z.string()),
  /** Log-probability confidences, for the models that reported one. */
  confidence: z.record(z.string(), z.number().min(0).max(1)).optional(),
  agrees: z.record(z.string(), z.boolean()),
  judged: z.record(z.string(), z.enum(['yes', 'no', 'unreadable'])).optional(),
  gates: z.record(z.string(), z.enum(['yes', 'no', 'unreadable'])).optional(),
});

export type EvidenceHeader = z.output<typeof headerSchema>;
export type ProfiledOutcome = z.output<typeof outcomeSchema>;

/** The header line of a run's evidence. */
export function evidenceHeader(header: Omit<EvidenceHeader, 'smartEvidence'>): string {
  return JSON.stringify({ smartEvidence: 1, ...header });
}

/** The line of one profiled item. */
export function evidenceLine(profiled: ProfiledItem & { readonly item: InputRecord }): string {
  const outputs: Record<string, string> = {};
  const confidence: Record<string, number> = {};
  for (const [model, completion] of profiled.answers) {
    outputs[model] = completion.text;
    if (completion.confidence !== undefined) confidence[model] = completion.confidence;
  }
  const outcome: ProfiledOutcome = {
    index: profiled.index,
    line: profiled.item.line,
    stage: profiled.stage,
    outputs,
    ...(Object.keys(confidence).length > 0 ? { confidence } : {}),
    agrees: Object.fromEntries(profiled.agrees),
    ...(profiled.judged.size > 0 ? { judged: Object.fromEntries(profiled.judged) } : {}),
    ...(profiled.gates.size > 0 ? { gates: Object.fromEntries(profiled.gates) } : {}),
  };
  return JSON.stringify(outcome);
}

/** A recorded outcome's answers, as plans replay them (tokens are not kept). */
export function answerOfOutcome(o: ProfiledOutcome): (model: string) => Completion {
  return (model) => ({
    text: o.outputs[model] ?? '',
    inputTokens: 0,
    outputTokens: 0,
    ...(o.confidence?.[model] !== undefined ? { confidence: o.confidence[model] } : {}),
  });
}

/** A problem with an evidence file, naming the file and the line. */
export class EvidenceError extends Error {
  override readonly name = 'EvidenceError';
}

/**
 * Reads an evidence file back, every line checked.
 * @throws EvidenceError naming the file and line of the first one that is not what a run writes.
 */
export function readEvidence(file: string): { header: EvidenceHeader; outcomes: ProfiledOutcome[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EvidenceError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new EvidenceError(`${file}: is empty`);
  const parse = <T>(schema: z.ZodType<T>, line: string, number: number): T => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new EvidenceError(`${file}:${number}: is not JSON`);
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new EvidenceError(`${file}:${number}: ${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
    }
    return result.data;
  };
  const header = parse(headerSchema, lines[0], 1);
  return { header, outcomes: lines.slice(1).map((line, i) => parse(outcomeSchema, line, i + 2)) };
}
