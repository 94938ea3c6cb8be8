import type { Completion } from '../types';
import { escalation, firstCalls, keptModel, type PlanSpec } from './planSpec';

/** Whether two outputs give the same answer (the run's comparison rule). */
export type SameAnswer = (a: string, b: string) => boolean;

/**
 * Whether a plan keeps its first answer on an item, given the answers of the
 * models it calls first: for a gated plan, every member gives the kept
 * member's answer; for a confidence gate, the model's probability of its own
 * answer reaches the threshold (no probability reported: the gate fails).
 */
export function gateHolds(plan: PlanSpec, answerOf: (model: string) => Completion, same: SameAnswer): boolean {
  switch (plan.kind) {
    case 'single':
      return true;
    case 'gated': {
      const kept = answerOf(plan.members[0]).text;
      return plan.members.every((m, i) => i === 0 || same(answerOf(m).text, kept));
    }
    case 'confident': {
      const confidence = answerOf(plan.model).confidence;
      return confidence !== undefined && confidence >= plan.threshold;
    }
  }
}

/** What a plan would have done on a profiled item, where the reference's answer is known. */
export interface PlanOutcome {
  /** Its output agrees with the reference's. */
  readonly agrees: boolean;
  /** It asked its escalation model. */
  readonly escalated: boolean;
  /** USD it would have paid on this item: its first calls, plus the escalation if any. */
  readonly cost: number;
}

/**
 * Replays a plan on a profiled item from answers already in hand: every model
 * it calls first answered, and so did the reference (which is the escalation
 * model of every plan the engine builds, so an escalated item always agrees),
 * and each model's agreement with the reference is known (`agrees`: by the
 * run's comparison rule, or its judge). This is how plans are measured at no
 * extra call (ARCHITECTURE.md, "Plans").
 */
export function planOutcome(
  plan: PlanSpec,
  answerOf: (model: string) => Completion,
  agrees: (model: string) => boolean,
  same: SameAnswer,
  callCost: (model: string) => number,
): PlanOutcome {
  let cost = 0;
  for (const m of firstCalls(plan)) cost += callCost(m);
  if (gateHolds(plan, answerOf, same)) return { agrees: agrees(keptModel(plan)), escalated: false, cost };
  const escalate = escalation(plan)!;
  return { agrees: agrees(escalate), escalated: true, cost: cost + callCost(escalate) };
}
