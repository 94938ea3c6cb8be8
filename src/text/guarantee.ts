import type { Certification, GuaranteeSubject, MixEntry, Plan, RunReport } from '../core/report';
import type { JudgeQuestion } from '../core/types';
import { boundClause } from './bounds';
import { count, level, percent, percentAtLeast } from './numbers';
import { firstCalls } from '../core/plans/planSpec';
import { planName } from './plan';

/** Said of the paper's exact rule checked at every step of profiling, which its argument does not cover. */
const NOT_PROVEN = ", the paper's rule, valid for one look and not for the repeated checks of profiling: this confidence is not proven";

/** How `auto`'s bounds were obtained: the last clause of its guarantee's sentence. */
export function certificationClause(c: Certification): string {
  const tested = c.plans.filter((p) => p.inSequence);
  // In sequence no bound is computed per gate: each passes a test on its count (sequenceTest.ts), exact for sampling without replacement too.
  const sample = `exact ${tested.length === 0 ? 'bounds' : 'tests'} for sampling without replacement from this file, on ${count(c.items)} items profiled after the plans were chosen and looked at only at sizes fixed in advance`;
  if (tested.length === 0) return `${sample}, and on the items each plan was dealt at random`;
  // One model's gates certified in sequence: every threshold at its look's whole share of the confidence, in an order fixed in advance; the plan answers every item left.
  const model = firstCalls(tested[0].plan)[0];
  const passed = tested.filter((p) => p.agreeing > 0).length;
  // Only a run whose plan answers items states this clause, so some threshold passed.
  const end = passed === tested.length ? `every one passing, and ${model} alone too` : 'down to the lowest that passed';
  return `${sample}, ${model}'s confidence thresholds tested in order from the highest without dividing the confidence among them, ${end}`;
}

/** What the guarantee's sentence is made of: a report's numbers. */
export type GuaranteeFacts = Pick<RunReport, 'plan' | 'target' | 'bound' | 'reference' | 'items' | 'profiledItems' | 'guarantee'>;

/**
 * The guarantee in one plain sentence. It is about agreement with the
 * reference model (not with ground truth), and the confidence is over the
 * run's randomness: the random order of the items. It says what the
 * argument covers: for `auto`, a count of the outputs written to this file;
 * for the paper's strategies, an expected agreement rate.
 */
export function describeGuarantee(facts: GuaranteeFacts): string {
  const { plan, target, bound, reference, items, profiledItems } = facts;
  const used = plan.entries.filter((e) => e.items > 0 && e.id !== reference);
  if (plan.kind === 'naive' || used.length === 0) {
    return `All ${count(items)} outputs come from the reference model ${reference} itself, so they agree with it on every item.`;
  }
  const outputs = facts.guarantee.about === 'outputs';
  const alone = outputs
    ? (e: MixEntry) => `at least ${count(e.agreeing ?? 0)} of them agree with ${reference}`
    : (e: MixEntry) => `expected agreement rate with ${reference} at least ${percentAtLeast(e.lowerBound)}`;
  const each = outputs
    ? (e: MixEntry) => `at least ${count(e.agreeing ?? 0)} of them agree`
    : (e: MixEntry) => `expected agreement rate at least ${percentAtLeast(e.lowerBound)}`;
  const models =
    used.length === 1 ? `${planName(used[0].plan)} (${alone(used[0])})` : used.map((e) => `${planName(e.plan)} on ${count(e.items)} (${each(e)})`).join(', ');
  const referenceRest = plan.entries.find((e) => e.id === reference && e.items > 0);
  const topUp = referenceRest ? ` and ${reference} itself on ${count(referenceRest.items)}` : '';
  const met = facts.guarantee.met;
  const claim = outputs
    ? `at least ${count(plan.agreeingOutputs ?? 0)} of the whole file's ${count(items)} outputs (${percentAtLeast(plan.agreementLowerBound)}) ${met ? 'agree' : 'are known to agree'} with ${reference}`
    : `the plan's expected agreement rate with ${reference} over the whole file's ${count(items)} items ${met ? 'is' : 'is only known to be'} at least ${percentAtLeast(plan.agreementLowerBound)}`;
  const rateNote = outputs ? '' : ", items taken as independent draws (a rate, not a count of this file's outputs)";
  const judged = facts.guarantee.judgedBy ? `, ${judgedClause(facts.guarantee.judgedBy)}` : '';
  return (
    `With ${percent(facts.guarantee.confidence)} confidence, ${claim} (target ${percent(target.accuracy)})${judged}${rateNote}: ` +
    `${count(profiledItems)} profiled items carry ${reference}'s own output; the other ${count(items - profiledItems)} come from ` +
    `${models}${topUp}; ${plan.certification ? certificationClause(plan.certification) : boundClause(bound)}` +
    `${facts.guarantee.proven ? '' : NOT_PROVEN}.`
  );
}

/** Who decides agreement, when a judge does: "as gpt-4o-mini judges agreement (the same meaning)". */
export function judgedClause(judge: { readonly model: string; readonly question: JudgeQuestion }): string {
  return `as ${judge.model} judges agreement (${JUDGE_QUESTION_WORDS[judge.question]})`;
}

/** What a judge is asked, in a few words. */
export const JUDGE_QUESTION_WORDS: Readonly<Record<JudgeQuestion, string>> = {
  equivalent: 'the same meaning',
  asGood: 'at least as good',
};

/** What agreement means and what the confidence is over: the note under the guarantee in the panel. */
export function agreementNote(reference: string, about: GuaranteeSubject, judgedBy?: { readonly model: string; readonly question: JudgeQuestion }): string {
  const over =
    about === 'outputs'
      ? 'the confidence is over the random order Smart drew for this run (and so which plan answered which item); the file itself is taken as it is'
      : 'the confidence is over the random order in which items were profiled, with items taken as independent draws';
  const means = judgedBy
    ? `Agreement means ${judgedBy.model} judged an output ${judgedBy.question === 'asGood' ? 'at least as good as' : 'to say the same as'} ${reference}'s (or found them the same but for case, punctuation and spacing): it is the judge's word, not correctness`
    : `Agreement means the same answer as ${reference} under the run's comparison rule, not correctness`;
  return `${means}; ${over}.`;
}

/** Before the report: what the chosen plan guarantees over the whole file. */
export function planGuarantee(
  plan: Pick<Plan, 'about' | 'agreeingOutputs' | 'agreementLowerBound' | 'confidence'>,
  reference: string,
  judge?: { readonly model: string; readonly question: JudgeQuestion },
): string {
  const claim =
    plan.about === 'outputs'
      ? `The plan keeps at least ${count(plan.agreeingOutputs ?? 0)} outputs (${percentAtLeast(plan.agreementLowerBound)} of the file) in agreement with ${reference}`
      : `The plan keeps the expected agreement rate with ${reference} at ${percentAtLeast(plan.agreementLowerBound)} or more over the whole file`;
  return `${claim}${judge ? `, ${judgedClause(judge)}` : ''}, with ${level(plan.confidence)} confidence; the full statement comes with the report when the run finishes.`;
}

/** The guarantee section's words when there is no statement: the run is profiling, or ended without a report; and the lead of an unmet one. */
export const GUARANTEE_PENDING = 'The guarantee is decided when profiling ends.';
export const NO_GUARANTEE = 'No guarantee: the run did not finish.';
export const TARGET_NOT_MET = 'Target not met. ';
