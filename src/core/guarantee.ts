import type { Guarantee, Plan } from './report';
import type { BoundKind, Target } from './types';

const BOUND_NAMES: Record<BoundKind, string> = {
  'clopper-pearson': 'exact Clopper-Pearson bounds',
  anytime: 'anytime-valid bounds, which hold however often they were checked',
};

function percent(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits).replace(/\.0+$/, '')}%`;
}

function count(x: number): string {
  return x.toLocaleString('en-US');
}

export interface GuaranteeInput {
  readonly plan: Plan;
  readonly target: Target;
  readonly bound: BoundKind;
  readonly reference: string;
  readonly items: number;
  readonly profiledItems: number;
}

/**
 * The guarantee in one plain sentence. It is about agreement with the
 * reference model (not with ground truth), and the confidence is over the
 * run's randomness: the random order of the items.
 */
export function describeGuarantee(input: GuaranteeInput): Guarantee {
  const { plan, target, bound, reference, items, profiledItems } = input;
  const base = { accuracy: target.accuracy, confidence: target.confidence, bound };
  const rest = items - profiledItems;
  const used = plan.entries.filter((e) => e.items > 0 && e.id !== reference);

  if (plan.kind === 'naive' || used.length === 0) {
    return {
      ...base,
      met: true,
      statement: `All ${count(items)} outputs come from the reference model ${reference} itself, so they agree with it on every item.`,
    };
  }
  const met = plan.agreementLowerBound >= target.accuracy - 1e-12;
  const models =
    used.length === 1
      ? `${used[0].id} (agreement with ${reference} at least ${percent(used[0].lowerBound)})`
      : used.map((e) => `${e.id} on ${count(e.items)} (agreement at least ${percent(e.lowerBound)})`).join(', ');
  const refRest = plan.entries.find((e) => e.id === reference && e.items > 0);
  const topUp = refRest ? ` and ${reference} itself on ${count(refRest.items)}` : '';
  const verb = met ? 'agree' : 'are only known to agree';
  return {
    ...base,
    met,
    statement:
      `With ${percent(plan.confidence)} confidence, the outputs ${verb} with ${reference} on at least ` +
      `${percent(plan.agreementLowerBound)} of the ${count(items)} items (target ${percent(target.accuracy)}): ` +
      `${count(profiledItems)} profiled items carry ${reference}'s own output; the other ${count(rest)} come from ` +
      `${models}${topUp}; ${BOUND_NAMES[bound]}.`,
  };
}
