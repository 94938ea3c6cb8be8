import type { CallCost } from '../costMeter';
import type { Completion } from '../types';
import { escalation, firstCalls, judgedGate, keptModel, type PlanSpec } from './planSpec';

/** Whether two outputs give the same answer (the run's comparison rule). */
export type SameAnswer = (a: string, b: string) => boolean;

/**
 * Whether a plan keeps its first answer on an item, given the answers of the
 * models it calls first: for a gated plan, every member gives the kept
 * member's answer (for a judged gate, by the rule or else by `judgeSaid`, the
 * judge's verdict on the pair: no verdict, no agreement); for a confidence
 * gate, the model's probability of its own answer reaches the threshold (no
 * probability reported: the gate fails).
 */
export function gateHolds(plan: PlanSpec, answerOf: (model: string) => Completion, same: SameAnswer, judgeSaid?: boolean): boolean {
  switch (plan.kind) {
    case 'single':
      return true;
    case 'gated': {
      if (needsJudge(plan, answerOf, same)) return judgeSaid === true;
      const kept = answerOf(plan.members[0]).text;
      return plan.members.every((m, i) => i === 0 || same(answerOf(m).text, kept));
    }
    case 'confident': {
      const confidence = answerOf(plan.model).confidence;
      return confidence !== undefined && confidence >= plan.threshold;
    }
  }
}

/** Whether a plan's gate must ask the judge on an item: a judged gate whose members' outputs the rule does not find the same. */
export function needsJudge(plan: PlanSpec, answerOf: (model: string) => Completion, same: SameAnswer): boolean {
  if (!judgedGate(plan)) return false;
  const [kept, other] = firstCalls(plan);
  return !same(answerOf(other).text, answerOf(kept).text);
}

/** What a plan would have done on a profiled item, where the reference's answer is known. */
export interface PlanOutcome {
  /** Its output agrees with the reference's. */
  readonly agrees: boolean;
  /** It asked its escalation model. */
  readonly escalated: boolean;
  /** USD it would have paid on this item: its first calls, its gate's judge if asked, plus the escalation if any. */
  readonly cost: number;
  /** The part of `cost` its calls paid for the item's prompt: what grows with the item's length. */
  readonly inputCost: number;
  /** Its gate asked the judge. */
  readonly judged: boolean;
}

/** A judged gate's verdict on a profiled item (undefined where it was not asked), and what a verdict costs. */
export interface GateVerdict {
  readonly said: boolean | undefined;
  readonly cost: number;
}

/** A judged gate's recorded verdict (yes, no, unreadable, or not asked) as `planOutcome` takes it, at no cost: for replaying a run's evidence. */
export function gateVerdictOf(recorded: 'yes' | 'no' | 'unreadable' | undefined, cost = 0): GateVerdict {
  return { said: recorded === undefined ? undefined : recorded === 'yes', cost };
}

/**
 * Replays a plan on a profiled item from answers already in hand: every model
 * it calls first answered, and so did the reference (which is the escalation
 * model of every plan the engine builds, so an escalated item always agrees),
 * and each model's agreement with the reference is known (`agrees`: by the
 * run's comparison rule, or its judge). This is how plans are measured at no
 * extra call (ARCHITECTURE.md, "Plans"); a judged gate's verdict on the item
 * (`gate`) is the one call a plan may need beyond the answers.
 */
export function planOutcome(
  plan: PlanSpec,
  answerOf: (model: string) => Completion,
  agrees: (model: string) => boolean,
  same: SameAnswer,
  callCost: (model: string) => CallCost,
  gate?: GateVerdict,
): PlanOutcome {
  let cost = 0;
  let inputCost = 0;
  const pay = (model: string): void => {
    const c = callCost(model);
    cost += c.input + c.output;
    inputCost += c.input;
  };
  for (const m of firstCalls(plan)) pay(m);
  const judged = needsJudge(plan, answerOf, same);
  if (judged) cost += gate?.cost ?? 0;
  if (gateHolds(plan, answerOf, same, gate?.said)) return { agrees: agrees(keptModel(plan)), escalated: false, cost, inputCost, judged };
  const escalate = escalation(plan)!;
  pay(escalate);
  return { agrees: agrees(escalate), escalated: true, cost, inputCost, judged };
}
