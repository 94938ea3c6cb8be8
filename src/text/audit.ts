/** A person's audit of the judge, in words: where it stands, and what the labels make of the guarantee. */
import type { AuditResult } from '../core/report';
import { count, level, percent, plural } from './numbers';

/** "Audit of the judge: 12 of 40 pairs labelled." */
export function auditProgress(result: Pick<AuditResult, 'labelled' | 'total'>): string {
  return `Audit of the judge: ${count(result.labelled)} of ${plural(result.total, 'pair')} labelled.`;
}

/** What an audit needs of a run's report, to state its guarantee. */
export interface AuditFacts {
  readonly items: number;
  readonly reference: string;
  readonly target: { readonly accuracy: number; readonly confidence: number };
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
  const met = done.agreeingOutputs >= facts.target.accuracy * facts.items - 1e-9;
  return (
    `With ${level(facts.target.confidence)} confidence, at least ${count(done.agreeingOutputs)} of the whole file's ${count(facts.items)} outputs (${percent(done.agreeingOutputs / facts.items)}) ` +
    `${met ? 'agree' : 'are known to agree'} with ${facts.reference} as a person would judge (target ${percent(facts.target.accuracy)}): ` +
    `of the ${plural(result.total, 'pair')} you labelled (from ${plural(sampled, 'certification item')} drawn at random), the judge said yes where you did not on ${count(falseYes)}, ` +
    `so on the items left it says yes falsely on at most ${plural(cap, 'output')} the run wrote.`
  );
}
