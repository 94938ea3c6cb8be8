import type { Guarantee, Plan } from './report';
import type { GuaranteeBound, Judge, Strategy, Target } from './types';

/**
 * The guarantee as numbers: the target, the bound, and whether the plan
 * meets the target by its bounds. The sentence that states it for people is
 * src/text's `describeGuarantee`.
 */
export function guaranteeOf(
  plan: Plan,
  target: Target,
  bound: GuaranteeBound,
  reference: string,
  strategy: Strategy,
  judge?: Pick<Judge<unknown>, 'model' | 'question'>,
): Guarantee {
  const fromReferenceOnly = allFromReference(plan, reference);
  const met = fromReferenceOnly || plan.agreementLowerBound >= target.accuracy - 1e-12;
  // `auto` looks at exact bounds only at sizes fixed in advance; the paper's
  // strategies check theirs at every step, which only the anytime bound survives.
  const proven = fromReferenceOnly || strategy === 'auto' || bound === 'anytime';
  const judgedBy = judge && !fromReferenceOnly ? { judgedBy: { model: judge.model.id, question: judge.question } } : {};
  return { about: plan.about, ...judgedBy, accuracy: target.accuracy, confidence: fromReferenceOnly ? 1 : plan.confidence, bound, met, proven };
}

/** Whether every output comes from the reference: they then agree with it by definition. */
export function allFromReference(plan: Pick<Plan, 'kind' | 'entries'>, reference: string): boolean {
  return plan.kind === 'naive' || plan.entries.every((e) => e.items === 0 || e.id === reference);
}
