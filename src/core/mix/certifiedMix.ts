/**
 * The `auto` strategy's mix: how many of the items left each certified plan
 * answers, so that the outputs certified to agree reach the count the target
 * needs, at the least expected cost (ARCHITECTURE.md, "The guarantee", steps
 * 4 and 5).
 */
import solver, { type Model } from 'javascript-lp-solver';
import { BoundedCache } from '../boundedCache';
import { firstTrue } from '../stats/firstTrue';
import { blockLowerBound, blockLowerBoundGuess, blockMayReach } from '../stats/hypergeometric';
import { largestRemainder } from './largestRemainder';
import { cheapestMix, MILP_PRECISION, type Column, type Part } from './mixSolver';

/**
 * The least certified agreement (a share of the items left) with which a
 * plan may answer items: the target's slack is for a cheaper model's
 * occasional disagreements, not for outputs known to be mostly wrong. (A
 * plan certified to agree on nothing needs no certification at all, so
 * without this floor the cheapest mix would hand the slack to any model,
 * however useless.)
 */
export const MIN_USEFUL_BOUND = 0.5;

/** A plan whose agreement on the items left is certified. */
export interface CertifiedColumn {
  readonly id: string;
  /** Expected USD per item it answers. */
  readonly costPerItem: number;
  /** How many of the items left it is certified to agree on (a lower bound on a count of this file's items). */
  readonly agreeing: number;
  /**
   * The error level at which its block's agreeing outputs are bounded, given
   * `agreeing` (the block is a uniformly random subset of the items left); 0
   * bounds them by the worst case, every disagreement in the block.
   */
  readonly blockAlpha: number;
}

export interface CertifiedMixProblem {
  /** The certified plans, reference excluded. */
  readonly plans: readonly CertifiedColumn[];
  readonly referenceId: string;
  readonly referenceCostPerItem: number;
  /** The items left, and how many of their outputs must agree (<= 0: anything goes). */
  readonly items: number;
  readonly requiredAgreeing: number;
}

/** One plan's block of the items left. */
export interface CertifiedBlock {
  readonly id: string;
  readonly items: number;
  /** Of its outputs, how many are certified to agree: all of them for the reference. */
  readonly agreeing: number;
}

/** A split of the items left, with its cost. */
export interface CertifiedSplit {
  /** The plans that answer items, then the reference (always last, perhaps with 0 items). */
  readonly blocks: readonly CertifiedBlock[];
  /** Expected USD for all the items left. */
  readonly cost: number;
}

/**
 * The cheapest split of the items left over certified plans and the
 * reference whose certified agreeing outputs reach `requiredAgreeing`. A plan
 * that answers a block of m of the M items left, and agrees on at least K of
 * them, has at least y(m) = blockLowerBound(K, M, m, blockAlpha) agreeing
 * outputs there: exact, but not linear in m (a small block is bounded more
 * loosely than its share of K). So the split is found in two steps:
 *
 * 1. The linear relaxation, each plan agreeing at the rate K / M on any
 *    block: the cheapest shares (one equality and one inequality, so an
 *    optimal vertex uses at most two columns). When they are two plans, the
 *    relaxation is solved again at the rates their blocks turn out to be
 *    bounded at (a block's bound is looser the smaller it is), and each of
 *    them is tried alone with the reference.
 * 2. Each relaxed split made whole: its blocks scaled down together, the
 *    items taken from them going to the reference, to the largest size whose
 *    exact bounds reach the count. The cheapest result wins.
 *
 * The planner prices its scenarios with this function, so the plan chosen
 * is priced with the bounds it will be certified with.
 */
export function cheapestCertifiedMix(problem: CertifiedMixProblem): CertifiedSplit {
  const M = problem.items;
  const { plans, items, cost } = cheapestSizes(problem);
  const blocks = plans
    .map((plan, i) => ({ id: plan.id, items: items[i], agreeing: blockLowerBound(plan.agreeing, M, items[i], plan.blockAlpha) }))
    .filter((b) => b.items > 0);
  const referenceItems = M - items.reduce((a, b) => a + b, 0);
  return { blocks: [...blocks, { id: problem.referenceId, items: referenceItems, agreeing: referenceItems }], cost };
}

/** What cheapestCertifiedMix's split costs, without the bounds of its blocks: the planner's price of a scenario. */
export function cheapestCertifiedCost(problem: CertifiedMixProblem): number {
  return cheapestSizes(problem).cost;
}

/** The plans answering items in a split, their block sizes, and the split's cost (the reference answers the rest). */
interface Sizes {
  readonly plans: readonly CertifiedColumn[];
  readonly items: readonly number[];
  readonly cost: number;
}

/** The cheapest split's sizes. */
function cheapestSizes(problem: CertifiedMixProblem): Sizes {
  const M = problem.items;
  const reference: Column = { id: problem.referenceId, order: problem.plans.length, cost: problem.referenceCostPerItem, bound: 1, level: 1 };
  const columns = usefulColumns(problem);
  const allReference: Sizes = { plans: [], items: [], cost: M * reference.cost };
  if (M === 0 || columns.length === 0) return allReference;
  const required = Math.min(1, problem.requiredAgreeing / M);
  const sized = (parts: readonly Part[]): Sizes => {
    const used = parts.filter((p) => p.column !== reference);
    // Every item must agree (a target that needs them all): only the reference will do.
    if (used.length === 0) return allReference;
    const counts = largestRemainder(
      M,
      parts.map((p) => p.share),
    );
    const plans = used.map((p) => problem.plans[p.column.order]);
    const items = wholeSizes(
      plans,
      used.map((p) => counts[parts.indexOf(p)]),
      M,
      M - problem.requiredAgreeing,
    );
    const onPlans = items.reduce((a, b) => a + b, 0);
    return { plans, items, cost: plans.reduce((sum, plan, i) => sum + items[i] * plan.costPerItem, 0) + (M - onPlans) * reference.cost };
  };
  const optimum = cheapestMix([...columns, reference], required);
  const tried = [sized(optimum)];
  const pair = optimum.filter((p) => p.column !== reference).map((p) => p.column);
  if (pair.length > 1) {
    // The pair again at the rates its blocks are bounded at once made whole, and each plan alone.
    const { items } = tried[0];
    const bounded = pair.map((c, i) =>
      items[i] > 0 ? { ...c, bound: blockLowerBound(problem.plans[c.order].agreeing, M, items[i], problem.plans[c.order].blockAlpha) / items[i] } : c,
    );
    tried.push(sized(cheapestMix([...bounded, reference], required)), ...pair.map((c) => sized(cheapestMix([c, reference], required))));
  }
  return tried.reduce((best, t) => (t.cost < best.cost ? t : best), allReference);
}

/** Plans cheaper than the reference and certified to agree on at least MIN_USEFUL_BOUND of the items left, as relaxed columns. */
function usefulColumns(problem: CertifiedMixProblem): Column[] {
  return problem.plans
    .map((p, order): Column => ({ id: p.id, order, cost: p.costPerItem, bound: p.agreeing / problem.items, level: 1 }))
    .filter((c) => c.cost < problem.referenceCostPerItem && c.bound >= MIN_USEFUL_BOUND);
}

/**
 * Sizes already found. The planner prices the same plan at the same bounds
 * in many scenarios (each plan alone, and beside each partner), and the
 * search is the dearest step of its pricing.
 */
const wholeSizesFound = new BoundedCache<string, readonly number[]>(100_000);

/**
 * The relaxed counts `wanted` of these plans scaled by s / max(wanted) for
 * the largest whole s at which the blocks may hold at most `allowed`
 * disagreements at their exact bounds (the items left less the agreeing
 * outputs the target needs); the reference answers the rest.
 */
function wholeSizes(plans: readonly CertifiedColumn[], wanted: readonly number[], M: number, allowed: number): readonly number[] {
  const key = `${M} ${allowed} ${wanted.join(',')} ${plans.map((p) => `${p.agreeing}@${p.blockAlpha}`).join(',')}`;
  return wholeSizesFound.get(key, () => searchWholeSizes(plans, wanted, M, allowed));
}

function searchWholeSizes(plans: readonly CertifiedColumn[], wanted: readonly number[], M: number, allowed: number): number[] {
  const top = Math.max(...wanted);
  const sizes = (s: number): number[] => wanted.map((w) => Math.floor((s * w) / top));
  const exact = (plan: CertifiedColumn, m: number): number => blockLowerBound(plan.agreeing, M, m, plan.blockAlpha);
  const disagreements = (s: number, bound: (plan: CertifiedColumn, m: number) => number): number =>
    sizes(s).reduce((sum, m, i) => sum + m - bound(plans[i], m), 0);
  // Where the exact search starts: the largest s the normal approximation allows, by bisection.
  let lo = 0;
  let hi = top;
  for (let i = 0; i < 50 && hi - lo > 0.5; i++) {
    const mid = (lo + hi) / 2;
    if (disagreements(mid, (plan, m) => blockLowerBoundGuess(plan.agreeing, M, m, plan.blockAlpha)) > allowed) hi = mid;
    else lo = mid;
  }
  // Both the sizes and each block's bound grow with s, so its disagreements do too. One plan
  // needs no bound to be found at each s, only whether the block may hold more than `allowed`
  // disagreements: blockLowerBound(m) >= m - allowed exactly when blockMayReach says so.
  const over =
    plans.length === 1
      ? (t: number): boolean => !blockMayReach(plans[0].agreeing, M, sizes(t)[0], sizes(t)[0] - allowed, plans[0].blockAlpha)
      : (t: number): boolean => disagreements(t, exact) > allowed;
  return sizes(Math.max(0, firstTrue(over, top, lo + 1) - 1));
}

/**
 * cheapestCertifiedMix, with its relaxation checked by javascript-lp-solver:
 * the library's optimum of the linear program must not beat the exact one
 * over every single column and pair. What the run uses.
 */
export function solveCertifiedMix(problem: CertifiedMixProblem): CertifiedSplit {
  if (!Number.isInteger(problem.items) || problem.items < 0) throw new RangeError(`mix: items must be a non-negative integer, got ${problem.items}`);
  if (!Number.isFinite(problem.requiredAgreeing) || problem.requiredAgreeing > problem.items) {
    throw new RangeError(`mix: the required agreeing outputs must be a finite number at most the ${problem.items} items, got ${problem.requiredAgreeing}`);
  }
  if (problem.items > 0) {
    const reference: Column = { id: problem.referenceId, order: problem.plans.length, cost: problem.referenceCostPerItem, bound: 1, level: 1 };
    const columns = [...usefulColumns(problem), reference];
    const required = problem.requiredAgreeing / problem.items;
    const exactCost = cheapestMix(columns, required).reduce((sum, p) => sum + p.share * p.column.cost, 0);
    const lpCost = solveWithLibrary(columns, required);
    if (lpCost < exactCost * (1 - 1e-7) - 1e-15) throw new Error(`mix: javascript-lp-solver found cost ${lpCost} below the exact optimum ${exactCost}`);
  }
  return cheapestCertifiedMix(problem);
}

/** The relaxation's optimal cost per item from javascript-lp-solver. */
function solveWithLibrary(columns: readonly Column[], required: number): number {
  // Costs in units of the dearest column keep the library's absolute tolerances meaningful.
  const scale = Math.max(...columns.map((c) => c.cost), Number.MIN_VALUE);
  const variables: Model['variables'] = {};
  columns.forEach((c, i) => {
    variables[`x${i}`] = { cost: c.cost / scale, total: 1, agreement: c.bound };
  });
  const model: Model = {
    optimize: 'cost',
    opType: 'min',
    constraints: { total: { equal: 1 }, agreement: { min: required } },
    variables,
  };
  const result: unknown = solver.Solve(model, MILP_PRECISION);
  const values = result as { feasible?: unknown; result?: unknown } | null;
  if (values?.feasible !== true || typeof values.result !== 'number') {
    throw new Error('mix: javascript-lp-solver found no solution, yet the reference alone is one');
  }
  return values.result * scale;
}
