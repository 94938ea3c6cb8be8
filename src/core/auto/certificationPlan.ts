/**
 * Planning the `auto` strategy's certification from the pilot's counts: which
 * plans to certify, on how many fresh items, and how each plan's error budget
 * is split. The expectations here only decide; the guarantee rests on the
 * certification's own items alone (ARCHITECTURE.md, "The guarantee"), at the
 * levels of the split (`lookAlpha`, `blockAlpha`) and for the count the
 * target needs (`agreeingNeeded`), fixed before the certification's first item.
 */
import { cheapestCertifiedCost, MIN_USEFUL_BOUND } from '../mix/certifiedMix';
import { hypergeometricLowerBound } from '../stats/hypergeometric';
import { passesInSequence } from './sequenceTest';

/** What the planner knows of one plan. */
export interface PlanEstimate {
  readonly id: string;
  /** Agreements with the reference and items measured, so far. */
  readonly agreements: number;
  readonly n: number;
  /** Expected USD per remaining item when the plan answers it (at the price it will be charged). */
  readonly applyCost: number;
  /** The models it calls first: each costs a call on every certification item. */
  readonly members: readonly string[];
  /** USD per certification item its gate's judge is expected to cost (0 unless the judge decides its gate). */
  readonly gateCost: number;
}

export interface PlanningInput {
  /** Items in the file (N) and items profiled so far. */
  readonly items: number;
  readonly profiled: number;
  /** Target agreement over the whole file, in (0, 1). */
  readonly accuracy: number;
  /** USD per remaining item of the reference, at the price the rest is charged. */
  readonly referenceApplyCost: number;
  /** USD per certification item of the reference and of each candidate (online price). */
  readonly profileCost: (model: string) => number;
  readonly reference: string;
}

/**
 * The shares of each plan's error budget the planner may keep for bounding
 * the agreeing outputs of the block of items the mix gives it
 * (ARCHITECTURE.md, "The guarantee", step 4); the rest bounds how many of
 * the items left it agrees on, spread over the looks. None is best when the
 * plan is expected to answer every item left (its count then needs no second
 * bound); some when it is expected to share them with the reference.
 */
export const BLOCK_SHARES: readonly number[] = [0.2, 0.1, 0];

/**
 * The looks' shares of the rest of a plan's budget: 70% at the planned size,
 * 15% at twice it, 10% at four times and 5% at eight times it (most runs stop
 * at the first look, which should cost the least). A look's bound is exact
 * for its size, and the sizes are fixed before the certification's first
 * item, so whichever look the run stops at, the chance that any look's bound
 * was wrong is at most the sum (ARCHITECTURE.md, "The guarantee"). A
 * certification the pilot misjudged can thus grow instead of failing.
 */
export const LOOK_SHARES: readonly number[] = [0.7, 0.15, 0.1, 0.05];

/**
 * The same for a certification in sequence (autoStrategy's
 * `certifyInSequence`): more of the budget at the first look, since some
 * plan of the sequence mostly passes there.
 */
export const SEQUENCE_LOOK_SHARES: readonly number[] = [0.92, 0.04, 0.025, 0.015];

/** One plan's error budget, and the share of it kept for its block. */
export interface Budget {
  readonly alphaEach: number;
  readonly blockShare: number;
}

/** The error level of a plan's bound at look j. */
export function lookAlpha(budget: Budget, j: number): number {
  return budget.alphaEach * (1 - budget.blockShare) * LOOK_SHARES[j];
}

/** The error level of the bound on its block's agreeing outputs. */
export function blockAlpha(budget: Budget): number {
  return budget.alphaEach * budget.blockShare;
}

/**
 * How many of a file's N items must agree for a share `accuracy` of them to:
 * the least whole count at or above accuracy * N (with a margin for the
 * product's rounding, 0.95 * 20,000 being 19,000.000000000004).
 */
export function agreeingNeeded(accuracy: number, items: number): number {
  return Math.ceil(accuracy * items - 1e-9);
}

/** The disagreements a target allows in a file of `items` (every profiled item carries the reference's output, so all of them may fall on the items left). */
export function allowedDisagreements(accuracy: number, items: number): number {
  return items - agreeingNeeded(accuracy, items);
}

/** The sizes of the looks of a certification whose first look is at `first` items, within `left` items. */
export function lookSizes(first: number, left: number): number[] {
  const sizes: number[] = [];
  for (let j = 0; j < LOOK_SHARES.length; j++) {
    const size = Math.min(left, first * 2 ** j);
    if (size > (sizes[sizes.length - 1] ?? 0)) sizes.push(size);
  }
  return sizes;
}

/** A planned certification. */
export interface CertificationPlan extends Budget {
  readonly plans: readonly PlanEstimate[];
  /** Fresh items to profile before the first look at the bounds; 0 means not worth certifying. */
  readonly items: number;
  /** Error budget of each plan: (1 - gamma) / plans, split between the looks and its block by `blockShare` (`lookAlpha`, `blockAlpha`). */
  readonly alphaEach: number;
  /** Expected USD for the certification and every remaining item after it. */
  readonly expectedCost: number;
}

/**
 * Gauss-Hermite rules for an expectation over a standard normal
 * (probabilists' form; Abramowitz & Stegun 25.4.46, nodes scaled by sqrt 2):
 * five points for one plan; three per plan when several are weighed, one rule
 * per plan.
 */
const RULE_5 = {
  nodes: [-2.856970013872806, -1.355626179974266, 0, 1.355626179974266, 2.856970013872806],
  weights: [0.011257411327721, 0.222075922005613, 0.533333333333333, 0.222075922005613, 0.011257411327721],
};
const RULE_3 = { nodes: [-Math.sqrt(3), 0, Math.sqrt(3)], weights: [1 / 6, 2 / 3, 1 / 6] };

/** Sample sizes tried for a certification: 0, then 30 geometric steps up to every item left. */
function sampleSizes(left: number): number[] {
  const sizes = [0];
  const first = Math.min(20, left);
  for (let k = 0; k < 30 && first > 0; k++) {
    const size = Math.round(first * Math.pow(left / first, k / 29));
    if (size > sizes[sizes.length - 1] && size <= left) sizes.push(size);
  }
  return sizes;
}

/**
 * How alike the planner takes plans' errors to be: each plan's scenario is a
 * common factor and one of its own, with this correlation. Some independence
 * is what makes certifying a second, different plan worth its share of the
 * error budget when the pilot cannot tell the best one apart; plans made of
 * the same cheap models err on the same items, so not all of it (the planner
 * decides what to try; it never enters the guarantee).
 */
const PLAN_CORRELATION = 0.5;

/**
 * The rate scenario at quadrature node z: the Laplace estimate
 * (s + 1) / (n + 2) moved z standard errors, kept inside (0, 1).
 */
function scenarioRate(plan: PlanEstimate, z: number): number {
  const p = (plan.agreements + 1) / (plan.n + 2);
  const sd = Math.sqrt((p * (1 - p)) / Math.max(1, plan.n));
  return Math.min(1 - 1e-9, Math.max(1e-9, p + z * sd));
}

/** USD per certification item: the reference and each plan's first calls, each model once, and the judged gates' verdicts. */
export function certificationCostPerItem(plans: readonly PlanEstimate[], input: PlanningInput): number {
  const models = new Set([input.reference, ...plans.flatMap((p) => p.members)]);
  let cost = 0;
  for (const m of models) cost += input.profileCost(m);
  for (const p of plans) cost += p.gateCost;
  return cost;
}

/**
 * What the items left after a certification cost when the plans are
 * certified to agree on `agreeing` of them (a count per plan): the cheapest
 * certified mix, with its blocks bounded at `blockLevel`.
 */
export function restCost(
  plans: readonly PlanEstimate[],
  agreeing: readonly number[],
  blockLevel: number,
  itemsLeft: number,
  requiredAgreeing: number,
  input: PlanningInput,
): number {
  return cheapestCertifiedCost({
    plans: plans.map((p, i) => ({ id: p.id, costPerItem: p.applyCost, agreeing: agreeing[i], blockAlpha: blockLevel })),
    referenceId: input.reference,
    referenceCostPerItem: input.referenceApplyCost,
    items: itemsLeft,
    requiredAgreeing,
  });
}

/** The error levels of a certification's look and of its plans' blocks. */
export interface Levels {
  readonly look: number;
  readonly block: number;
}

/**
 * Expected USD of certifying `plans` on `size` fresh items (each bound at
 * the look's level, on a count of the items left when the certification
 * began), then running the cheapest certified mix on what is left. `done`
 * items of the certification are already in hand, with `soFar` agreements
 * per plan.
 */
export function expectedCost(
  plans: readonly PlanEstimate[],
  size: number,
  levels: Levels,
  input: PlanningInput,
  progress: { readonly done: number; readonly soFar: readonly number[] } = { done: 0, soFar: plans.map(() => 0) },
): number {
  const left = input.items - input.profiled;
  const population = left + progress.done;
  const toCome = size - progress.done;
  const after = left - toCome;
  const required = agreeingNeeded(input.accuracy, input.items) - (input.profiled + toCome);
  const perItem = certificationCostPerItem(plans, input);
  if (size === 0 || after <= 0) return toCome * perItem + Math.max(0, after) * input.referenceApplyCost;
  const agreeing = new Map<string, number>();
  const agreeingAt = (i: number, z: number): number => {
    const expected = Math.min(size, Math.round(progress.soFar[i] + scenarioRate(plans[i], z) * toCome));
    const key = `${i}:${expected}`;
    let count = agreeing.get(key);
    if (count === undefined) agreeing.set(key, (count = hypergeometricLowerBound(expected, size, population, levels.look) - expected));
    return count;
  };
  const rest = (scenario: readonly number[]): number => restCost(plans, scenario, levels.block, after, required, input);
  let expected = 0;
  if (plans.length === 1) {
    RULE_5.nodes.forEach((z, q) => {
      expected += RULE_5.weights[q] * rest([agreeingAt(0, z)]);
    });
    return toCome * perItem + expected;
  }
  // Plans' scenarios share a common factor: z_i = sqrt(rho) z_0 + sqrt(1 - rho) e_i,
  // every combination of nodes for z_0 and each e_i (at most 3^4), weighted by the product of the weights.
  const nodes = [0, ...plans.map(() => 0)];
  for (;;) {
    const weight = nodes.reduce((w, q) => w * RULE_3.weights[q], 1);
    const common = Math.sqrt(PLAN_CORRELATION) * RULE_3.nodes[nodes[0]];
    const own = Math.sqrt(1 - PLAN_CORRELATION);
    expected += weight * rest(plans.map((_, i) => agreeingAt(i, common + own * RULE_3.nodes[nodes[i + 1]])));
    let i = 0;
    while (i < nodes.length && ++nodes[i] === RULE_3.nodes.length) nodes[i++] = 0;
    if (i === nodes.length) break;
  }
  return toCome * perItem + expected;
}

/**
 * The best certification size for these plans, and its expected cost: every
 * third size of the grid, then the sizes around the best of those (the cost
 * falls, then rises with the size; the finer look keeps a bump of the grid
 * from hiding the least).
 */
function bestSize(plans: readonly PlanEstimate[], budget: Budget, input: PlanningInput): { items: number; expectedCost: number } {
  const levels = { look: lookAlpha(budget, 0), block: blockAlpha(budget) };
  const sizes = sampleSizes(input.items - input.profiled);
  const costs = new Map<number, number>();
  const costAt = (i: number): number => {
    let cost = costs.get(i);
    if (cost === undefined) costs.set(i, (cost = expectedCost(plans, sizes[i], levels, input)));
    return cost;
  };
  let best = 0;
  for (let i = 0; i < sizes.length; i += COARSE_STEP) if (costAt(i) < costAt(best)) best = i;
  const around = best;
  for (let i = Math.max(0, around - COARSE_STEP + 1); i < Math.min(sizes.length, around + COARSE_STEP); i++) if (costAt(i) < costAt(best)) best = i;
  return { items: sizes[best], expectedCost: costAt(best) };
}

/** Grid steps between the sizes `bestSize` tries first. */
const COARSE_STEP = 3;

/** Plans cheaper than the reference, best first by the expected cost of certifying each alone. */
export function rankPlans(
  candidates: readonly PlanEstimate[],
  alpha: number,
  input: PlanningInput,
): Array<{ plan: PlanEstimate; items: number; expectedCost: number }> {
  return candidates
    .filter((p) => p.n > 0 && p.applyCost < input.referenceApplyCost && (p.agreements + 1) / (p.n + 2) >= MIN_USEFUL_BOUND)
    .map((plan) => ({ plan, ...bestSize([plan], { alphaEach: alpha, blockShare: BLOCK_SHARES[0] }, input) }))
    .sort((a, b) => a.expectedCost - b.expectedCost);
}

/**
 * The certification of one model's nested plans in sequence
 * (autoStrategy's `certifyInSequence`), sized for the sequence as a whole:
 * at each size, the expected cost of profiling that many items, then of the
 * cheapest plan that passes (in the sequence's order, which ends at the
 * first that fails), each plan at a scenario of its rate moved by the same
 * number of standard errors (nested plans err together), or of the
 * reference on every item left when none passes. `sequence` is in the
 * sequence's order; `alpha` the first look's level.
 */
export function planSequence(sequence: readonly PlanEstimate[], alpha: number, input: PlanningInput): CertificationPlan {
  const left = input.items - input.profiled;
  const none: CertificationPlan = { plans: [], items: 0, alphaEach: alpha, blockShare: 0, expectedCost: left * input.referenceApplyCost };
  const worth = sequence.filter((p) => p.n > 0 && p.applyCost < input.referenceApplyCost);
  if (worth.length === 0) return none;
  let best = none;
  for (const size of sampleSizes(left).slice(1)) {
    const cost = expectedSequenceCost(worth, size, alpha, input);
    if (cost < best.expectedCost) best = { plans: [worth[0]], items: size, alphaEach: alpha, blockShare: 0, expectedCost: cost };
  }
  return best;
}

/** `planSequence`'s expected cost of a certification in sequence of `size` items at level `alpha`. */
function expectedSequenceCost(sequence: readonly PlanEstimate[], size: number, alpha: number, input: PlanningInput): number {
  const population = input.items - input.profiled;
  const after = population - size;
  const allowed = allowedDisagreements(input.accuracy, input.items);
  let expected = 0;
  RULE_5.nodes.forEach((z, q) => {
    let rest = after * input.referenceApplyCost;
    for (const plan of sequence) {
      const agreements = Math.min(size, Math.round(scenarioRate(plan, z) * size));
      if (!passesInSequence({ agreements, items: size, population, alpha, allowed })) break;
      rest = Math.min(rest, after * plan.applyCost);
    }
    expected += RULE_5.weights[q] * rest;
  });
  return size * certificationCostPerItem(sequence.slice(0, 1), input) + expected;
}

/** How many of the best-ranked plans are weighed as partners of the best one (at most two partners at once). */
const PARTNERS = 6;

/**
 * Chooses the plans to certify, the certification's size and the share of
 * the error budget kept for the blocks. Each plan is first ranked by the
 * expected cost of certifying it alone; then the best plan alone, with one
 * partner, and with two are compared, each set at its own split of the
 * error budget, so a plan is added only when what it saves in the mix
 * outweighs the wider bounds it costs everyone. The best set is then tried
 * with the other block shares. Not certifying at all (the reference on the
 * rest) is always among the options.
 */
export function planCertification(candidates: readonly PlanEstimate[], alpha: number, input: PlanningInput): CertificationPlan {
  const none: CertificationPlan = {
    plans: [],
    items: 0,
    alphaEach: alpha,
    blockShare: 0,
    expectedCost: (input.items - input.profiled) * input.referenceApplyCost,
  };
  const ranked = rankPlans(candidates, alpha, input);
  if (ranked.length === 0) return none;
  let best = none;
  const consider = (plans: readonly PlanEstimate[], blockShare: number): void => {
    const budget = { alphaEach: alpha / plans.length, blockShare };
    const sized = bestSize(plans, budget, input);
    if (sized.items > 0 && sized.expectedCost < best.expectedCost) best = { plans, ...budget, ...sized };
  };
  const leader = ranked[0].plan;
  consider([leader], BLOCK_SHARES[0]);
  const partners = ranked.slice(1, 1 + PARTNERS).map((r) => r.plan);
  for (const a of partners) consider([leader, a], BLOCK_SHARES[0]);
  for (let i = 0; i < partners.length; i++) for (let j = i + 1; j < partners.length; j++) consider([leader, partners[i], partners[j]], BLOCK_SHARES[0]);
  const chosen = best.plans;
  if (chosen.length > 0) for (const share of BLOCK_SHARES.slice(1)) consider(chosen, share);
  return best;
}
