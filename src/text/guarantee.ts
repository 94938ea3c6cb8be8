import type { RunReport } from '../core/report';
import type { Certification } from '../core/report';
import { boundClause } from './bounds';
import { count, percent } from './numbers';
import { planName } from './plan';

/** Said of the paper's exact rule checked at every step of profiling, which its argument does not cover. */
const NOT_PROVEN = ', the paper\'s rule, valid for one look and not for the repeated checks of profiling: this confidence is not proven';

/** How `auto`'s bounds were obtained: the last clause of its guarantee's sentence. */
export function certificationClause(c: Certification): string {
  return `exact Clopper-Pearson bounds on ${count(c.items)} items profiled after the plans were chosen, looked at only at sizes fixed in advance`;
}

/** What the guarantee's sentence is made of: a report's numbers. */
export type GuaranteeFacts = Pick<RunReport, 'plan' | 'target' | 'bound' | 'reference' | 'items' | 'profiledItems' | 'guarantee'>;

/**
 * The guarantee in one plain sentence. It is about agreement with the
 * reference model (not with ground truth), and the confidence is over the
 * run's randomness: the random order of the items.
 */
export function describeGuarantee(facts: GuaranteeFacts): string {
  const { plan, target, bound, reference, items, profiledItems } = facts;
  const used = plan.entries.filter((e) => e.items > 0 && e.id !== reference);
  if (plan.kind === 'naive' || used.length === 0) {
    return `All ${count(items)} outputs come from the reference model ${reference} itself, so they agree with it on every item.`;
  }
  const models =
    used.length === 1
      ? `${planName(used[0].plan)} (agreement with ${reference} at least ${percent(used[0].lowerBound)})`
      : used.map((e) => `${planName(e.plan)} on ${count(e.items)} (agreement at least ${percent(e.lowerBound)})`).join(', ');
  const referenceRest = plan.entries.find((e) => e.id === reference && e.items > 0);
  const topUp = referenceRest ? ` and ${reference} itself on ${count(referenceRest.items)}` : '';
  const verb = facts.guarantee.met ? 'agree' : 'are only known to agree';
  return (
    `With ${percent(facts.guarantee.confidence)} confidence, the outputs ${verb} with ${reference} on at least ` +
    `${percent(plan.agreementLowerBound)} of the ${count(items)} items (target ${percent(target.accuracy)}): ` +
    `${count(profiledItems)} profiled items carry ${reference}'s own output; the other ${count(items - profiledItems)} come from ` +
    `${models}${topUp}; ${plan.certification ? certificationClause(plan.certification) : boundClause(bound)}` +
    `${facts.guarantee.proven ? '' : NOT_PROVEN}.`
  );
}
