/** The plan for the items left after profiling, in words. */
import type { PlanSpec } from '../core/plans/planSpec';
import type { MixEntry, Plan } from '../core/report';
import { usd } from './money';
import { items, level, percent, plural } from './numbers';

const KIND_WORDS: Readonly<Record<Plan['kind'], string>> = {
  mix: 'A mix of plans',
  naive: 'The reference alone',
  single: 'One plan',
};

/** The entries that produce outputs. */
export function usedEntries(plan: Plan): MixEntry[] {
  return plan.entries.filter((e) => e.items > 0);
}

/** A model list in words: "a", "a and b", "a, b and c". */
function andList(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * A plan's short name: the model for a single model; for a gate, the models
 * it asks and the one it escalates to: "gpt-4.1-nano + gemini-2.0-flash (else
 * gpt-4o)", "gpt-4.1-nano at 90% sure (else gpt-4o)". `planAction` says it
 * in a sentence.
 */
export function planName(plan: PlanSpec): string {
  switch (plan.kind) {
    case 'single':
      return plan.model;
    case 'gated':
      return `${plan.members.join(' + ')} (else ${plan.escalate})`;
    case 'confident':
      return `${plan.model} at ${level(plan.threshold)} sure (else ${plan.escalate})`;
  }
}

/** What a plan does on an item, in a sentence: who answers, and what happens on the items it escalates. */
export function planAction(plan: PlanSpec): string {
  switch (plan.kind) {
    case 'single':
      return `${plan.model} answers every item.`;
    case 'gated':
      return `${andList(plan.members)} answer each item; where they give the same answer, ${plan.members[0]}'s is kept, and where they differ, ${plan.escalate} answers.`;
    case 'confident':
      return `${plan.model} answers each item; where it gives its answer a probability of at least ${level(plan.threshold)} it is kept, otherwise ${plan.escalate} answers.`;
  }
}

/** What the plan is and which items it covers, in one sentence. */
export function describePlan(plan: Plan, reference: string, profiledItems: number): string {
  const used = usedEntries(plan);
  if (used.length === 0) return `All ${plural(profiledItems, 'item was', 'items were')} profiled, so every output is ${reference}'s.`;
  const rest = used.reduce((sum, e) => sum + e.items, 0);
  const kind = used.length === 1 && used[0].id === reference ? KIND_WORDS.naive : KIND_WORDS[plan.kind];
  if (profiledItems === 0) return `${kind} for all ${items(rest)}.`;
  return `${kind} for the ${items(rest)} left after profiling (the ${plural(profiledItems, 'profiled item keeps', 'profiled items keep')} ${reference}'s output).`;
}

/** Each used plan's share and items: "gpt-4o-mini 34.7% (698 items), gpt-4o 65.3% (1,312 items)". */
export function planShares(plan: Plan): string {
  return usedEntries(plan)
    .map((e) => `${planName(e.plan)} ${percent(e.share)} (${items(e.items)})`)
    .join(', ');
}

/**
 * What one entry rests on: the reference itself, or its bound, what it costs
 * per item and, for a gate, how often it keeps the cheap answer. The bound is
 * for the items this plan answers; the guarantee is for the whole file.
 */
export function planEntryDetail(entry: MixEntry, reference: string): string {
  if (entry.id === reference) return 'the reference itself';
  const coverage = entry.coverage === undefined ? '' : `keeps the cheap answer on ${percent(entry.coverage)} of items; `;
  return `${coverage}agreement on its items at least ${percent(entry.lowerBound)}; ${usd(entry.costPerItem)} per item`;
}

/** Where a candidate sits in the plan: "in plans for 34.7% of the rest". */
export function planUse(entries: readonly MixEntry[]): string {
  return `in the plan for ${percent(entries.reduce((sum, e) => sum + e.share, 0))} of the rest`;
}
