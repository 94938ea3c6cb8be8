import solver, { type Model } from 'javascript-lp-solver';
import { cheapestMix, MILP_PRECISION, type Column } from './mixSolver';

/** A plan whose agreement bound is already certified: its bound holds without a level to choose. */
export interface CertifiedColumn {
  readonly id: string;
  /** Expected USD per item. */
  readonly costPerItem: number;
  readonly lowerBound: number;
}

export interface CertifiedMixProblem {
  /** The certified plans, reference excluded. */
  readonly plans: readonly CertifiedColumn[];
  readonly referenceId: string;
  readonly referenceCostPerItem: number;
  /** a_rest: the agreement the remaining items need (<= 1; <= 0 means anything goes). */
  readonly requiredAgreement: number;
}

export interface CertifiedShare {
  readonly id: string;
  readonly share: number;
  readonly lowerBound: number;
}

/**
 * The cheapest split of the remaining items over certified plans and the
 * reference:
 *
 *   minimise   sum_i c_i x_i + c_R x_R
 *   subject to sum_i x_i + x_R = 1,  sum_i L_i x_i + x_R >= a_rest,  x >= 0
 *
 * Every L_i is already a simultaneous bound (the certification spent the
 * error budget across the plans: ARCHITECTURE.md, "The guarantee"), so unlike
 * ModelMix there is no level to choose and the program is a plain LP. It is
 * solved with javascript-lp-solver and then exactly over every single column
 * and pair (an optimal vertex of one equality and one inequality uses at most
 * two columns); the library's answer must not beat the exact one.
 */
export function solveCertifiedMix(problem: CertifiedMixProblem): CertifiedShare[] {
  const { plans, requiredAgreement } = problem;
  if (!(requiredAgreement <= 1) || !Number.isFinite(requiredAgreement)) {
    throw new RangeError(`mix: required agreement must be a finite number <= 1, got ${requiredAgreement}`);
  }
  const reference: Column = { id: problem.referenceId, order: plans.length, cost: problem.referenceCostPerItem, bound: 1, level: 1 };
  const columns: Column[] = plans
    .map((p, order): Column => ({ id: p.id, order, cost: p.costPerItem, bound: p.lowerBound, level: 1 }))
    .filter((c) => c.cost < reference.cost);
  const exact = cheapestMix([...columns, reference], requiredAgreement);
  const exactCost = exact.reduce((sum, p) => sum + p.share * p.column.cost, 0);

  const lpCost = solveWithLibrary([...columns, reference], requiredAgreement);
  if (lpCost < exactCost * (1 - 1e-7) - 1e-15) {
    throw new Error(`mix: javascript-lp-solver found cost ${lpCost} below the exact optimum ${exactCost}`);
  }
  return exact.map((p) => ({ id: p.column.id, share: p.share, lowerBound: p.column.bound }));
}

/** The LP's optimal cost per item from javascript-lp-solver. */
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
