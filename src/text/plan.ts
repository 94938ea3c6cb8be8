/** The plan for the items left after profiling, in words. */
import { escalation, firstCalls, type PlanSpec } from '../core/plans/planSpec';
import type { MixEntry, Plan } from '../core/report';
import { usd } from './money';
import { count, exactPercent, items, level, percent, plural, percentAtLeast } from './numbers';

const KIND_WORDS: Readonly<Record<Plan['kind'], string>> = {
  mix: 'A mix of plans',
  naive: 'The reference alone',
  single: 'One plan',
};

/** The plan's kind in words; a mix whose every entry is one model is "a mix of models". */
function kindWords(plan: Plan, used: readonly MixEntry[], reference: string): string {
  if (used.length === 1 && used[0].id === reference) return KIND_WORDS.naive;
  if (plan.kind === 'mix' && used.every((e) => e.plan.kind === 'single')) return 'A mix of models';
  return KIND_WORDS[plan.kind];
}

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
 * gpt-4o)", "gpt-4.1-nano ~ gemini-2.0-flash, judged (else gpt-4o)",
 * "gpt-4.1-nano at 90% sure (else gpt-4o)". `planAction` says it in a
 * sentence.
 */
export function planName(plan: PlanSpec): string {
  switch (plan.kind) {
    case 'single':
      return plan.model;
    case 'gated':
      return plan.judged === true ? `${plan.members.join(' ~ ')}, judged (else ${plan.escalate})` : `${plan.members.join(' + ')} (else ${plan.escalate})`;
    case 'confident':
      return `${plan.model} at ${exactPercent(plan.threshold)} sure (else ${plan.escalate})`;
  }
}

/** What a plan does on an item, in a sentence: who answers, and what happens on the items it escalates. */
export function planAction(plan: PlanSpec): string {
  switch (plan.kind) {
    case 'single':
      return `${plan.model} answers every item.`;
    case 'gated':
      if (plan.judged === true)
        return `${andList(plan.members)} answer each item; where the judge finds they say the same (or they are the same but for case, punctuation and spacing), ${plan.members[0]}'s is kept, and otherwise ${plan.escalate} answers.`;
      return `${andList(plan.members)} answer each item; where they give the same answer, ${plan.members[0]}'s is kept, and where they differ, ${plan.escalate} answers.`;
    case 'confident':
      return `${plan.model} answers each item; where it gives its answer a probability of at least ${exactPercent(plan.threshold)} it is kept, otherwise ${plan.escalate} answers.`;
  }
}

/** What the plan is and which items it covers, in one sentence. */
export function describePlan(plan: Plan, reference: string, profiledItems: number): string {
  const used = usedEntries(plan);
  if (used.length === 0) return `All ${plural(profiledItems, 'item was', 'items were')} profiled, so every output is ${reference}'s.`;
  const rest = used.reduce((sum, e) => sum + e.items, 0);
  const kind = kindWords(plan, used, reference);
  if (profiledItems === 0) return `${kind} for all ${items(rest)}.`;
  return `${kind} for the ${items(rest)} left after profiling (the ${plural(profiledItems, 'profiled item keeps', 'profiled items keep')} ${reference}'s output).`;
}

/**
 * What share of the rest some entries answer, from their item counts: the
 * solver's shares, before rounding to whole items, can differ by an item (a
 * last item left to the reference is 0.1%, not 0%).
 */
export function shareOfRest(plan: Plan, entries: readonly MixEntry[]): string {
  const rest = usedEntries(plan).reduce((sum, e) => sum + e.items, 0);
  return percent(rest === 0 ? 0 : entries.reduce((sum, e) => sum + e.items, 0) / rest);
}

/** Each used plan's share and items: "gpt-4o-mini 34.7% (698 items), gpt-4o 65.3% (1,312 items)". */
export function planShares(plan: Plan): string {
  return usedEntries(plan)
    .map((e) => `${planName(e.plan)} ${shareOfRest(plan, [e])} (${items(e.items)})`)
    .join(', ');
}

/** One entry's share of the rest and its items: "34.7% · 698 items". */
export function entryShare(plan: Plan, entry: MixEntry): string {
  return `${shareOfRest(plan, [entry])} · ${items(entry.items)}`;
}

/**
 * What one entry rests on: the reference itself, or its bound, what it costs
 * per item and, for a gate, how often it keeps the cheap answer. The bound is
 * for the items this entry answers: a count of its outputs certified to
 * agree (`auto`), or its expected agreement rate (the paper's strategies).
 * The target and the guarantee are for the whole file, so an entry may sit
 * below the target while the file meets it.
 */
export function planEntryDetail(entry: MixEntry, reference: string, target: number): string {
  if (entry.id === reference) return 'the reference itself';
  const coverage = entry.coverage === undefined ? '' : `keeps the cheap answer on ${percent(entry.coverage)} of items; `;
  const below = entry.lowerBound < target ? `, below the ${level(target)} target, which is for the whole file` : '';
  const bound =
    entry.agreeing === undefined
      ? `expected agreement rate with ${reference} on the ${plural(entry.items, 'item it answers', 'items it answers')} at least ${percentAtLeast(entry.lowerBound)}`
      : `at least ${count(entry.agreeing)} of its ${plural(entry.items, 'output', 'outputs')} (${percentAtLeast(entry.lowerBound)}) ${entry.agreeing === 1 ? 'agrees' : 'agree'} with ${reference}`;
  return `${coverage}${bound}${below}; ${usd(entry.costPerItem)} per item`;
}

/**
 * How much a model answers in the plan, the `Use` beside what profiling
 * concluded: "answers 34.7% of the rest", "in a gate on 20% of the rest",
 * "not used"; for the reference, the profiled items too, and the items gates
 * pass on to it.
 */
export function modelUse(model: string, plan: Plan, reference: string, profiledItems: number): string {
  const used = usedEntries(plan);
  const rest = profiledItems > 0 ? 'the rest' : 'the items';
  const share = (entries: readonly MixEntry[]): string => `${shareOfRest(plan, entries)} of ${rest}`;
  const alone = used.filter((e) => e.plan.kind === 'single' && e.plan.model === model);
  if (model === reference) {
    const parts = [
      profiledItems > 0 ? 'the profiled items' : '',
      alone.length > 0 ? share(alone) : '',
      used.some((e) => escalation(e.plan) === model) ? 'the items gates pass on' : '',
    ].filter((p) => p !== '');
    return parts.length > 0 ? `answers ${andList(parts)}` : 'not used';
  }
  const gated = used.filter((e) => e.plan.kind !== 'single' && firstCalls(e.plan).includes(model));
  const parts = [alone.length > 0 ? `answers ${share(alone)}` : '', gated.length > 0 ? `in a gate on ${share(gated)}` : ''].filter((p) => p !== '');
  return parts.length > 0 ? parts.join('; ') : 'not used';
}
