/**
 * What a plan does with one item. A plan is the unit the engine measures,
 * certifies and mixes (ARCHITECTURE.md, "Plans"):
 *
 * - `single`: one model answers.
 * - `gated`: two or three cheap models answer; where they all give the same
 *   answer (under the run's comparison rule) the cheapest one's output is
 *   kept, otherwise `escalate` (the reference) answers. Agreement between
 *   cheap models is the gate: no independence is assumed, since the plan's own
 *   agreement with the reference is what gets measured and certified.
 *   With `judged` (a pair, in a run whose answers a judge compares), the two
 *   outputs agree where the comparison rule finds them the same or, failing
 *   that, where the judge says the second says the same as the first: the
 *   gate for free text, whose outputs are almost never equal. The judge is
 *   then asked on every item the plan answers, and its cost is the plan's.
 * - `confident`: one model answers; where the probability it gives its own
 *   answer (from token log-probabilities) is at least `threshold` its output
 *   is kept, otherwise `escalate` answers.
 */
export type PlanSpec =
  | { readonly kind: 'single'; readonly model: string }
  | { readonly kind: 'gated'; readonly members: readonly string[]; readonly escalate: string; readonly judged?: boolean }
  | { readonly kind: 'confident'; readonly model: string; readonly threshold: number; readonly escalate: string };

export type PlanKind = PlanSpec['kind'];

/**
 * A stable id for a plan, unique within a run: the model id for a single
 * model (so reports name single-model plans as before), `a+b>ref` for a gated
 * plan, `a~b>ref` for a gate the judge decides, `a@0.9>ref` for a confidence
 * gate.
 */
export function planId(plan: PlanSpec): string {
  switch (plan.kind) {
    case 'single':
      return plan.model;
    case 'gated':
      return `${plan.members.join(plan.judged === true ? '~' : '+')}>${plan.escalate}`;
    case 'confident':
      return `${plan.model}@${plan.threshold}>${plan.escalate}`;
  }
}

/** A confidence gate's threshold; -Infinity for any other plan (a model alone keeps every output, even one without a confidence). */
export function confidenceThreshold(plan: PlanSpec): number {
  return plan.kind === 'confident' ? plan.threshold : -Infinity;
}

/** Whether a plan's gate asks the run's judge. */
export function judgedGate(plan: PlanSpec): boolean {
  return plan.kind === 'gated' && plan.judged === true;
}

/** The models a plan calls on every item, before any escalation. */
export function firstCalls(plan: PlanSpec): readonly string[] {
  switch (plan.kind) {
    case 'single':
      return [plan.model];
    case 'gated':
      return plan.members;
    case 'confident':
      return [plan.model];
  }
}

/** The model whose output a plan keeps when it does not escalate: for a gated plan, its first (cheapest) member. */
export function keptModel(plan: PlanSpec): string {
  return firstCalls(plan)[0];
}

/** The model a plan asks when its gate does not hold; undefined for a single model. */
export function escalation(plan: PlanSpec): string | undefined {
  return plan.kind === 'single' ? undefined : plan.escalate;
}

/** Every model a plan may call. */
export function planModels(plan: PlanSpec): readonly string[] {
  const escalate = escalation(plan);
  return escalate === undefined ? firstCalls(plan) : [...firstCalls(plan), escalate];
}
