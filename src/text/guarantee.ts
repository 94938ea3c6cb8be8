import type { Certification, Plan, RunReport } from '../core/report';
import { boundClause } from './bounds';
import { count, level, percent } from './numbers';
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
      ? `${planName(used[0].plan)} (agreement with ${reference} on those at least ${percent(used[0].lowerBound)})`
      : used.map((e) => `${planName(e.plan)} on ${count(e.items)} (agreement on those at least ${percent(e.lowerBound)})`).join(', ');
  const referenceRest = plan.entries.find((e) => e.id === reference && e.items > 0);
  const topUp = referenceRest ? ` and ${reference} itself on ${count(referenceRest.items)}` : '';
  const verb = facts.guarantee.met ? 'agree' : 'are only known to agree';
  return (
    `With ${percent(facts.guarantee.confidence)} confidence, the outputs ${verb} with ${reference} on at least ` +
    `${percent(plan.agreementLowerBound)} of the whole file's ${count(items)} items (target ${percent(target.accuracy)}): ` +
    `${count(profiledItems)} profiled items carry ${reference}'s own output; the other ${count(items - profiledItems)} come from ` +
    `${models}${topUp}; ${plan.certification ? certificationClause(plan.certification) : boundClause(bound)}` +
    `${facts.guarantee.proven ? '' : NOT_PROVEN}.`
  );
}

/** What agreement means and what the confidence is over: the note under the guarantee in the panel. */
export function agreementNote(reference: string): string {
  return `Agreement means the same answer as ${reference} under the run's comparison rule, not correctness; the confidence is over the random order in which items were profiled.`;
}

/** Before the report: what the chosen plan guarantees over the whole file. */
export function planGuarantee(plan: Pick<Plan, 'agreementLowerBound' | 'confidence'>, reference: string): string {
  return (
    `The plan keeps agreement with ${reference} at ${percent(plan.agreementLowerBound)} or more over the whole file, with ${level(plan.confidence)} confidence; ` +
    'the full statement comes with the report when the run finishes.'
  );
}

/** The guarantee section's words when there is no statement: the run is profiling, or ended without a report; and the lead of an unmet one. */
export const GUARANTEE_PENDING = 'The guarantee is decided when profiling ends.';
export const NO_GUARANTEE = 'No guarantee: the run did not finish.';
export const TARGET_NOT_MET = 'Target not met. ';
