/**
 * A person's audit of the judge. With a judge, `auto`'s guarantee counts
 * outputs that agree *as the judge decides*. To make it about what a person
 * would judge, a share of the error budget is kept (`auditAlpha`), and the
 * person labels a random sample of the pairs the judge said yes to: for each
 * plan the run uses, items drawn at random from its certification's first
 * look (a uniformly random sample of the items left after the pilot, drawn
 * before any verdict was seen), and of those, the ones where the judge's yes
 * decided agreement. Each label says whether the person agrees; a skip counts
 * as a disagreement. From the count of the judge's false yes in the sample,
 * an exact hypergeometric bound caps its false yes on the items left, and the
 * guarantee becomes: at least the certified count, less that cap, agree as a
 * person would judge (ARCHITECTURE.md, "The guarantee", the audit).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { DEFAULTS } from '../core/defaults';
import { firstCalls, keptModel, planId, type PlanSpec } from '../core/plans/planSpec';
import { gateHolds, gateVerdictOf } from '../core/plans/planOutcome';
import { mulberry32 } from '../core/random';
import type { AuditLabel, AuditPair, AuditResult } from '../core/report';
export type { AuditLabel, AuditPair } from '../core/report';
import { hypergeometricLowerBound } from '../core/stats/hypergeometric';
import { answersMatch, type AnswerRule } from '../io/answerExtraction';
import { AppendOnlyLines } from '../io/appendOnlyLines';
import { answerOfOutcome, type ProfiledOutcome } from './evidence';
import { stateFileFor } from '../io/stateFile';

/** What a run keeps for its audit: the error level per plan, the items left when certification began, each plan's sample and the pairs to label. */
export interface AuditSetup<Pair = AuditPair> {
  readonly alpha: number;
  readonly population: number;
  readonly plans: ReadonlyArray<{ readonly plan: string; readonly sampled: number }>;
  readonly pairs: readonly Pair[];
}

/** What the audit needs of a run's report. */
export interface AuditedRun {
  readonly seed: number;
  readonly items: number;
  readonly profiledItems: number;
  readonly reference: string;
  readonly auditAlpha?: number;
  readonly auditItems?: number;
  readonly plan: {
    readonly entries: ReadonlyArray<{ readonly id: string; readonly plan: PlanSpec; readonly items: number; readonly agreeing?: number }>;
    readonly certification?: { readonly pilotItems: number; readonly plannedItems: number; readonly plans: ReadonlyArray<{ readonly id: string }> };
  };
}

/**
 * The audit of a run whose judge decided agreement: each used plan's sample
 * of its certification's first look and the pairs in it the judge said yes
 * to. Undefined when there is nothing to audit (no judge, or no plan but the
 * reference's).
 */
export function auditSetup(run: AuditedRun, outcomes: readonly ProfiledOutcome[], rule: AnswerRule): AuditSetup<Omit<AuditPair, 'input'>> | undefined {
  const certification = run.plan.certification;
  if (run.auditAlpha === undefined || !certification) return undefined;
  const used = run.plan.entries.filter((e) => e.items > 0 && e.id !== run.reference && certification.plans.some((p) => p.id === e.id));
  if (used.length === 0) return undefined;
  const firstLook = outcomes.filter((o) => o.stage === 'certification').slice(0, certification.plannedItems);
  const plans: Array<{ plan: string; sampled: number }> = [];
  const pairs: Array<Omit<AuditPair, 'input'>> = [];
  for (const entry of used) {
    const sample = sampleOf(firstLook, Math.min(run.auditItems ?? DEFAULTS.auditItems, firstLook.length), run.seed, entry.id);
    plans.push({ plan: entry.id, sampled: sample.length });
    for (const o of sample) {
      const kept = judgedYes(entry.plan, o, rule);
      if (kept !== undefined)
        pairs.push({ plan: entry.id, model: kept, line: o.line, referenceOutput: o.outputs[run.reference], candidateOutput: o.outputs[kept] });
    }
  }
  // The union runs over every certified plan, whichever the run came to use.
  return { alpha: run.auditAlpha / certification.plans.length, population: run.items - certification.pilotItems, plans, pairs };
}

/** `count` items drawn without replacement, seeded by the run and the plan: the same sample whenever asked. */
function sampleOf<T>(items: readonly T[], count: number, seed: number, plan: string): T[] {
  const next = mulberry32(seed ^ createHash('sha256').update(plan).digest().readUInt32LE(0));
  const pool = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}

/** The model whose output a plan kept on an item, when the judge's yes made it agree; undefined otherwise (escalated, found the same by the rule, or judged no). */
function judgedYes(plan: PlanSpec, o: ProfiledOutcome, rule: AnswerRule): string | undefined {
  if (!firstCalls(plan).every((m) => m in o.outputs)) return undefined;
  const answerOf = answerOfOutcome(o);
  // A gate that does not hold escalates to the reference, whose output agrees by definition.
  if (!gateHolds(plan, answerOf, (a, b) => answersMatch(rule, a, b), gateVerdictOf(o.gates?.[planId(plan)]).said)) return undefined;
  const kept = keptModel(plan);
  return o.judged?.[kept] === 'yes' ? kept : undefined;
}

const labelSchema = z.strictObject({
  key: z.string(),
  plan: z.string(),
  line: z.int().min(1),
  label: z.enum(['agree', 'disagree', 'skip']),
  at: z.iso.datetime(),
});

/** The labels of an input's audit: `.smart/<input name>.audit.jsonl` beside it, one line per label, appended. */
export function auditFileFor(input: string): string {
  return stateFileFor(input, '.audit.jsonl');
}

/** What identifies a pair's label: the plan, the line and both outputs (a pair from another run is another pair). */
export function pairKey(pair: Omit<AuditPair, 'input'>): string {
  return createHash('sha256')
    .update(JSON.stringify([pair.plan, pair.line, pair.referenceOutput, pair.candidateOutput]))
    .digest('hex')
    .slice(0, 32);
}

/** Appends a label, durably: a person's work survives a power cut once this returns (the latest label of a pair is the one that counts). */
export function saveLabel(file: string, pair: AuditPair, label: AuditLabel): void {
  const lines = new AppendOnlyLines(file, true);
  try {
    lines.append(JSON.stringify({ key: pairKey(pair), plan: pair.plan, line: pair.line, label, at: new Date().toISOString() }));
  } finally {
    lines.close();
  }
}

/**
 * The labels given so far, by pair key (the latest for each).
 * @throws Error naming the file and the line of one that is not a label.
 */
export function readLabels(file: string): Map<string, AuditLabel> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const labels = new Map<string, AuditLabel>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A label torn by a crash mid-write: it was not given (the next label starts on a line of its own).
      return;
    }
    const result = labelSchema.safeParse(value);
    if (!result.success) throw new Error(`${file}:${i + 1}: is not an audit label (${result.error.issues[0].message})`);
    labels.set(result.data.key, result.data.label);
  });
  return labels;
}

/**
 * What the labels make of the guarantee. Per audited plan, with n items
 * sampled of the |R| items left when certification began and f of them a
 * false yes (a pair labelled disagree or skip): the judge's false yes on R is
 * at most U = |R| - (the exact lower bound on R's other items from n - f),
 * at the audit's level; the sampled items are certification items, so on
 * the items left it is at most U - f, and so on the plan's block. The count
 * a person would find agreeing is the certified count less those caps.
 */
export function auditResult(run: AuditedRun, setup: AuditSetup, labels: ReadonlyMap<string, AuditLabel>): AuditResult {
  const labelled = setup.pairs.filter((p) => labels.has(pairKey(p))).length;
  if (labelled < setup.pairs.length) return { labelled, total: setup.pairs.length };
  const plans = setup.plans.map(({ plan, sampled }) => {
    const falseYes = setup.pairs.filter((p) => p.plan === plan && labels.get(pairKey(p)) !== 'agree').length;
    const otherwise = sampled === 0 ? 0 : hypergeometricLowerBound(sampled - falseYes, sampled, setup.population, setup.alpha);
    const entry = run.plan.entries.find((e) => e.id === plan)!;
    return { plan, sampled, falseYes, cap: Math.min(entry.agreeing ?? 0, setup.population - otherwise - falseYes) };
  });
  const certified = run.profiledItems + run.plan.entries.reduce((sum, e) => sum + (e.agreeing ?? 0), 0);
  return { labelled, total: setup.pairs.length, done: { plans, agreeingOutputs: certified - plans.reduce((sum, p) => sum + p.cap, 0) } };
}
