import type { PlanSpec } from '../src/core/plans/planSpec';
import { hashUnit } from '../src/core/random';
import type { Completion, LlmClient, ModelSpec } from '../src/core/types';

/** How one simulated model behaves on every item. */
export interface SimulatedModel {
  readonly id: string;
  /** Probability that its output equals the reference's on an item. */
  readonly rate: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /**
   * The id of a model whose errors this one copies: it disagrees with the
   * reference on exactly the same items, with the same wrong answer (it needs
   * the same rate). By default every model errs independently.
   */
  readonly errsLike?: string;
  /**
   * A model that says how sure it is: its items fall in these bins, each
   * answered with the bin's probability and wrong on exactly `wrong` of its
   * `items` (which items, drawn by the seed). The bins' items add up to the
   * file's; `rate` should be the share right over all of them.
   */
  readonly bins?: readonly ConfidenceBin[];
}

/** Items a model answers with one probability, and how many of them it gets wrong. */
export interface ConfidenceBin {
  readonly confidence: number;
  readonly items: number;
  readonly wrong: number;
  /**
   * Instead of one probability, the bin's items spread evenly over
   * (confidence, confidence + spread], each its own, the wrong ones the
   * highest: a threshold can fall between any two items, and the errors
   * sit where a gate keeps them first.
   */
  readonly spread?: number;
}

/** A bin's items, in order: each one's probability and whether it is right. */
function binItems(b: ConfidenceBin): Array<{ confidence: number; agrees: boolean }> {
  const spread = b.spread ?? 0;
  return Array.from({ length: b.items }, (_, i) => ({ confidence: b.confidence + (spread * (b.items - i)) / b.items, agrees: i >= b.wrong }));
}

/**
 * A plan's true agreement with the reference in this simulation. Wrong
 * answers are all the same text, so a gate's members agree when all are right
 * or all are wrong (models that copy each other's errors count once); it
 * agrees with the reference unless all are wrong together, since where they
 * differ the reference answers.
 */
export function simulatedPlanRate(plan: PlanSpec, models: readonly SimulatedModel[]): number {
  const byId = new Map(models.map((m) => [m.id, m]));
  const rate = (id: string): number => byId.get(id)!.rate;
  switch (plan.kind) {
    case 'single':
      return rate(plan.model);
    case 'gated': {
      const groups = new Set(plan.members.map((id) => byId.get(id)!.errsLike ?? id));
      return 1 - [...groups].reduce((p, id) => p * (1 - rate(id)), 1);
    }
    case 'confident': {
      const bins = byId.get(plan.model)!.bins;
      if (!bins) throw new Error(`${plan.model} reports no answer probabilities, so it has no confidence gates`);
      const answers = bins.flatMap(binItems);
      return 1 - answers.filter((a) => !a.agrees && a.confidence >= plan.threshold).length / answers.length;
    }
  }
}

/** The reference's output on every item; a candidate's output when it agrees. */
export const AGREEING_OUTPUT = 'same as reference';
const DISAGREEING_OUTPUT = 'different from reference';

/**
 * A client for simulations, as in the paper's experiments: each model's output
 * on item i agrees with the reference's with probability `rate`, drawn once per
 * (seed, item, model) by hashing, so asking twice gives the same answer and no
 * state is kept. Answers are synchronous and reuse two preallocated
 * completions per model, so a run of 100,000 items allocates nothing here.
 * Items are their own indices.
 */
export class SimulatedClient implements LlmClient<number> {
  /**
   * Set once the application phase begins: with an `applyPriceFactor`, its
   * answers are then charged at that share of the list price, as a batch
   * engine's are.
   */
  applying = false;
  private readonly byId = new Map<
    string,
    { key: number; rate: number; agree: Completion; disagree: Completion; agreeApplied: Completion; disagreeApplied: Completion; applied: Partial<Completion> }
  >();
  /** Models with bins: per item, its probability and whether it is right (built once: a few thousand items). */
  private readonly binned = new Map<string, Array<{ confidence: number; agrees: boolean }>>();

  /** `applyPriceFactor`: the price factor of the application phase's answers (a batch discount, such as 0.5); none by default. */
  constructor(
    models: readonly SimulatedModel[],
    private readonly seed: number,
    applyPriceFactor?: number,
  ) {
    const applied = applyPriceFactor === undefined ? {} : { priceFactor: applyPriceFactor };
    const keys = new Map(models.map((m, i) => [m.id, i]));
    models.forEach((m, own) => {
      const key = m.errsLike === undefined ? own : keys.get(m.errsLike)!;
      const tokens = { inputTokens: m.inputTokens, outputTokens: m.outputTokens };
      this.byId.set(m.id, {
        key,
        rate: m.rate,
        agree: { text: AGREEING_OUTPUT, ...tokens },
        disagree: { text: DISAGREEING_OUTPUT, ...tokens },
        agreeApplied: { text: AGREEING_OUTPUT, ...tokens, ...applied },
        disagreeApplied: { text: DISAGREEING_OUTPUT, ...tokens, ...applied },
        applied,
      });
      if (m.bins) this.binned.set(m.id, binnedAnswers(m.bins, seed, own));
    });
  }

  complete(model: ModelSpec, item: number): Completion {
    const m = this.byId.get(model.id);
    if (!m) throw new Error(`simulated client: no model "${model.id}"`);
    const sure = this.binned.get(model.id);
    if (sure) {
      const answer = sure[item];
      if (!answer) throw new Error(`simulated client: ${model.id}'s bins hold ${sure.length} items, not item ${item}`);
      return { ...(answer.agrees ? m.agree : m.disagree), ...(this.applying ? m.applied : {}), confidence: answer.confidence };
    }
    const agrees = this.agrees(m.key, m.rate, item);
    if (this.applying) return agrees ? m.agreeApplied : m.disagreeApplied;
    return agrees ? m.agree : m.disagree;
  }

  /** Whether the model with this key agrees with the reference on the item. */
  private agrees(key: number, rate: number, item: number): boolean {
    if (rate >= 1) return true;
    if (rate <= 0) return false;
    return hashUnit(this.seed, item, key) < rate;
  }
}

/**
 * A binned model's answers on a file: the bins' items in an order drawn by
 * the seed, and within each bin its wrong ones drawn by the seed too.
 */
function binnedAnswers(bins: readonly ConfidenceBin[], seed: number, key: number): Array<{ confidence: number; agrees: boolean }> {
  const answers = bins.flatMap(binItems);
  const order = answers.map((_, i) => hashUnit(seed ^ 0x5b1a, i, key));
  return answers
    .map((answer, i) => ({ answer, at: order[i] }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.answer);
}
