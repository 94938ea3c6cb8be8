/** The plan for the items left after profiling, in words. */
import type { MixEntry, Plan } from '../core/report';
import { items, level, percent, plural } from './numbers';

const KIND_WORDS: Readonly<Record<Plan['kind'], string>> = {
  mix: 'A mix of models',
  naive: 'The reference alone',
  single: 'One model',
};

/** The entries that produce outputs. */
export function usedEntries(plan: Plan): MixEntry[] {
  return plan.entries.filter((e) => e.items > 0);
}

/** What the plan is and which items it covers, in one sentence. */
export function describePlan(plan: Plan, reference: string, profiledItems: number): string {
  const used = usedEntries(plan);
  if (used.length === 0) return `All ${plural(profiledItems, 'item was', 'items were')} profiled, so every output is ${reference}'s.`;
  const rest = used.reduce((sum, e) => sum + e.items, 0);
  const kind = KIND_WORDS[plan.kind];
  if (profiledItems === 0) return `${kind} for all ${items(rest)}.`;
  return `${kind} for the ${items(rest)} left after profiling (the ${plural(profiledItems, 'profiled item keeps', 'profiled items keep')} ${reference}'s output).`;
}

/** Each used model's share and items: "gpt-4o-mini 34.7% (698 items), gpt-4o 65.3% (1,312 items)". */
export function planShares(plan: Plan): string {
  return usedEntries(plan)
    .map((e) => `${e.id} ${percent(e.share)} (${items(e.items)})`)
    .join(', ');
}

/** What one entry rests on: the reference itself, or a bound on its agreement. */
export function planEntryDetail(entry: MixEntry, reference: string): string {
  if (entry.id === reference) return 'the reference itself';
  return `agreement at least ${percent(entry.lowerBound)} (holds with ${level(entry.level)} confidence)`;
}

/** Where a candidate sits in the plan: "used on 34.7% of the rest". */
export function planUse(entry: MixEntry): string {
  return `used on ${percent(entry.share)} of the rest`;
}
