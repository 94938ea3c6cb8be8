/** A person's audit of the judge, in words: where it stands, and what the labels make of the guarantee. */
import type { AuditLabel, AuditResult } from '../core/report';
import { count, level, percent, plural, percentAtLeast } from './numbers';

/** "Audit of the judge: 12 of 40 pairs labelled." */
export function auditProgress(result: Pick<AuditResult, 'labelled' | 'total'>): string {
  return `Audit of the judge: ${count(result.labelled)} of ${plural(result.total, 'pair')} labelled.`;
}

/** The keys that label a pair, on the terminal and in the panel. */
export const AUDIT_KEYS: Readonly<Record<string, AuditLabel>> = { a: 'agree', d: 'disagree', s: 'skip' };

/** The question a pair asks. */
export const AUDIT_QUESTION = 'Do they agree?';

/** "Pair 3 of 40 (plan gpt-4o-mini, line 118)" */
export function auditPairHeading(pair: { readonly plan: string; readonly line: number }, position: number, total: number): string {
  return `Pair ${count(position)} of ${count(total)} (plan ${pair.plan}, line ${pair.line})`;
}

/** What the terminal and the panel say once a pair is labelled: the person's label, then the judge's verdict (always yes: the pairs are those it said yes to). */
export function auditLastLabel(last: { readonly label: AuditLabel; readonly line: number; readonly model: string }): string {
  const said = last.label === 'agree' ? 'said they agree' : last.label === 'disagree' ? 'said they disagree' : 'skipped it (counted as a disagreement)';
  return `Line ${last.line} (${last.model}): you ${said}; the judge had said yes.`;
}

/** What an audit needs of a run's report, to state its guarantee. */
export interface AuditFacts {
  readonly items: number;
  readonly reference: string;
  readonly target: { readonly accuracy: number; readonly confidence: number };
}

/** Whether the count as a person would judge reaches the target. */
export function auditMet(facts: AuditFacts, agreeingOutputs: number): boolean {
  return agreeingOutputs >= facts.target.accuracy * facts.items - 1e-9;
}

/**
 * The guarantee as a person would judge, once every pair is labelled: the
 * file's count less the caps on the judge's false yes, and how the labels
 * set those caps. Until then, what is left to label.
 */
export function auditStatement(facts: AuditFacts, result: AuditResult): string {
  const done = result.done;
  if (!done) {
    return `${auditProgress(result)} Once every pair is labelled, the guarantee is about agreement as a person would judge, not as the judge decides.`;
  }
  const falseYes = done.plans.reduce((sum, p) => sum + p.falseYes, 0);
  const sampled = done.plans.reduce((sum, p) => sum + p.sampled, 0);
  const cap = done.plans.reduce((sum, p) => sum + p.cap, 0);
  const met = auditMet(facts, done.agreeingOutputs);
  return (
    `With ${level(facts.target.confidence)} confidence, at least ${count(done.agreeingOutputs)} of the whole file's ${count(facts.items)} outputs (${percentAtLeast(done.agreeingOutputs / facts.items)}) ` +
    `${met ? 'agree' : 'are known to agree'} with ${facts.reference} as a person would judge (target ${percent(facts.target.accuracy)}): ` +
    `of the ${plural(result.total, 'pair')} you labelled (from ${plural(sampled, 'certification item')} drawn at random), the judge said yes where you did not on ${count(falseYes)}, ` +
    `so on the items left it says yes falsely on at most ${plural(cap, 'output')} the run wrote.`
  );
}
