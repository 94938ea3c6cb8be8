import type { Guarantee, Plan } from './report';
import type { BoundKind, Target } from './types';

/**
 * The guarantee as numbers: the target, the bound, and whether the plan
 * provably meets the target. The sentence that states it for people is
 * src/text's `describeGuarantee`.
 */
export function guaranteeOf(plan: Plan, target: Target, bound: BoundKind, reference: string): Guarantee {
  // Outputs that all come from the reference agree with it by definition.
  const fromReferenceOnly = plan.kind === 'naive' || plan.entries.every((e) => e.items === 0 || e.id === reference);
  const met = fromReferenceOnly || plan.agreementLowerBound >= target.accuracy - 1e-12;
  return { accuracy: target.accuracy, confidence: target.confidence, bound, met };
}
