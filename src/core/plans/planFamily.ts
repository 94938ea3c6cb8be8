import type { PlanSpec } from './planSpec';

/** Gated triples are built from this many of the cheapest candidates (20 triples at most). */
export const TRIPLE_POOL = 6;

/** Gates the judge decides are pairs of this many of the cheapest candidates (3 pairs at most): each costs a judge call on most profiled items. */
export const JUDGED_POOL = 3;

/**
 * Thresholds of the confidence gates: the probability a model gives its own
 * answer. Dense near 1, where models' probabilities crowd (on BARGAIN's
 * datasets half the proxy's answers are above 0.99999): a grid that stopped
 * at 0.999 kept most answers in every gate and could not tell the sure ones
 * from the rest. Three or four a decade of 1 - t: one model's gates are
 * certified in sequence, at no cost in error budget per gate, so a finer
 * grid only lets the run stop nearer the best one. Fixed in advance, not
 * taken from the data, so choosing among them on the pilot is a choice among
 * plans like any other (certification is on fresh items).
 */
export const CONFIDENCE_THRESHOLDS: readonly number[] = [
  0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.997, 0.998, 0.999, 0.9995, 0.9997, 0.9998, 0.9999, 0.99995, 0.99997, 0.99998, 0.99999, 0.999995,
  0.999997, 0.999998, 0.999999, 0.9999995, 0.9999997, 0.9999998, 0.9999999, 0.99999995, 0.99999999,
];

export interface FamilyInput {
  /** Candidate ids, cheapest first. */
  readonly candidates: readonly string[];
  readonly reference: string;
  /** Candidates whose answers carry a probability (token log-probabilities): they get confidence gates. */
  readonly withConfidence: ReadonlySet<string>;
  /** A judge compares the run's answers: pairs of the cheapest `JUDGED_POOL` candidates also get a gate it decides. */
  readonly judge?: boolean;
}

/**
 * The plans the `auto` strategy chooses from, given the candidates profiled
 * together on the pilot items: every single candidate; every gated pair; every
 * gated triple of the cheapest `TRIPLE_POOL`; with a judge, every pair of the
 * cheapest `JUDGED_POOL` gated by the judge; and, for models that report
 * their answer's probability, one confidence gate per threshold. Gated members
 * are listed cheapest first, so the kept answer is the cheapest one's. Every
 * gate escalates to the reference. Which plans exist depends on prices and on
 * what the endpoints report, never on answers.
 */
export function planFamily(input: FamilyInput): PlanSpec[] {
  const { candidates, reference } = input;
  const plans: PlanSpec[] = candidates.map((model) => ({ kind: 'single', model }));
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      plans.push({ kind: 'gated', members: [candidates[i], candidates[j]], escalate: reference });
    }
  }
  const pool = candidates.slice(0, TRIPLE_POOL);
  for (let i = 0; i < pool.length; i++) {
    for (let j = i + 1; j < pool.length; j++) {
      for (let k = j + 1; k < pool.length; k++) {
        plans.push({ kind: 'gated', members: [pool[i], pool[j], pool[k]], escalate: reference });
      }
    }
  }
  if (input.judge === true) {
    const judged = candidates.slice(0, JUDGED_POOL);
    for (let i = 0; i < judged.length; i++) {
      for (let j = i + 1; j < judged.length; j++) plans.push({ kind: 'gated', members: [judged[i], judged[j]], escalate: reference, judged: true });
    }
  }
  for (const model of candidates) {
    if (!input.withConfidence.has(model)) continue;
    for (const threshold of CONFIDENCE_THRESHOLDS) plans.push({ kind: 'confident', model, threshold, escalate: reference });
  }
  return plans;
}
