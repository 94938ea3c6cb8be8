import solver, { type Model } from 'javascript-lp-solver';

export interface MixCandidate {
  readonly id: string;
  /** Expected USD per item. */
  readonly costPerItem: number;
  /** Lower confidence bound on its agreement with the reference at each level of `levels` (same order). */
  readonly lowerBounds: readonly number[];
}

export interface MixProblem {
  readonly candidates: readonly MixCandidate[];
  readonly referenceId: string;
  readonly referenceCostPerItem: number;
  /** Confidence levels g_j, each in [confidence, 1). */
  readonly levels: readonly number[];
  /** a_rest: the agreement the remaining items need (may be <= 0: anything goes). */
  readonly requiredAgreement: number;
  /** gamma: the product of the levels of the models used must reach it. */
  readonly confidence: number;
}

export interface MixShare {
  readonly id: string;
  readonly share: number;
  /** The level whose bound was used; 1 for the reference. */
  readonly level: number;
  readonly lowerBound: number;
}

export interface MixSolution {
  /** Models with a positive share (the reference included when used), shares summing to 1. */
  readonly shares: readonly MixShare[];
  /** Expected USD per remaining item. */
  readonly costPerItem: number;
  /** Guaranteed agreement of the mix: sum of share x lower bound (the reference counts 1). */
  readonly agreementLowerBound: number;
  /** Product of the levels used: the confidence with which the guarantee holds. */
  readonly confidence: number;
}

/**
 * The paper's grid of confidence levels: `count` evenly spaced values from
 * `confidence` up to (not including) 1, like numpy's
 * linspace(confidence, 1, count, endpoint=False): 0.95 -> 0.95, 0.96, ..., 0.99.
 */
export function confidenceGrid(confidence: number, count = 5): number[] {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  return Array.from({ length: count }, (_, j) => confidence + ((1 - confidence) * j) / count);
}

/** A column of the program: one model at one level (the reference: level 1, bound 1). */
interface Column {
  readonly id: string;
  readonly cost: number;
  readonly bound: number;
  readonly level: number;
}

/**
 * The ModelMix program (SMART, section 5; DESIGN.md section 2): choose shares
 * x_ij of the remaining items for each model i at confidence level j, and the
 * reference's share x_R, to
 *
 *   minimise   sum_ij c_i x_ij + c_R x_R
 *   subject to sum_ij x_ij + x_R = 1,  x >= 0
 *              sum_ij L_ij x_ij + x_R >= a_rest
 *              x_ij <= z_ij,  sum_j z_ij <= 1 (one level per model),  z binary
 *              sum_ij ln(g_j) z_ij >= ln(gamma)
 *
 * Each model's bound holds with probability g_j, so by the union bound all
 * the used bounds hold together with probability >= 1 - sum(1 - g_j), and the
 * product of the g_j (what the paper requires, via logarithms) is at least
 * gamma. The MILP is solved with javascript-lp-solver; the continuous part is
 * then re-solved exactly on the chosen columns (with one equality and one
 * inequality an optimal vertex uses at most two columns), so that the shares
 * returned are exactly feasible, not feasible up to the solver's tolerances.
 */
export function solveMix(problem: MixProblem): MixSolution {
  const { candidates, levels, confidence, requiredAgreement } = problem;
  for (const c of candidates) {
    if (c.lowerBounds.length !== levels.length) throw new RangeError(`candidate "${c.id}" has ${c.lowerBounds.length} bounds for ${levels.length} levels`);
  }
  const reference: Column = { id: problem.referenceId, cost: problem.referenceCostPerItem, bound: 1, level: 1 };
  // A candidate that costs as much as the reference is never worth using: the reference agrees fully.
  const useful = candidates.filter((c) => c.costPerItem < reference.cost);

  const model: Model = {
    optimize: 'cost',
    opType: 'min',
    constraints: {
      total: { equal: 1 },
      agreement: { min: requiredAgreement },
      confidence: { min: Math.log(confidence) },
    },
    variables: { reference: { cost: reference.cost, total: 1, agreement: 1 } },
    binaries: {},
  };
  useful.forEach((c, i) => {
    model.constraints[`one_level_${i}`] = { max: 1 };
    levels.forEach((g, j) => {
      model.constraints[`link_${i}_${j}`] = { max: 0 };
      model.variables[`x_${i}_${j}`] = { cost: c.costPerItem, total: 1, agreement: c.lowerBounds[j], [`link_${i}_${j}`]: 1 };
      model.variables[`z_${i}_${j}`] = { confidence: Math.log(g), [`one_level_${i}`]: 1, [`link_${i}_${j}`]: -1 };
      model.binaries![`z_${i}_${j}`] = 1;
    });
  });
  const solution = solver.Solve(model);
  if (!solution.feasible) throw new Error('the mix program has no feasible solution, yet the reference alone always is one');

  const chosen: Column[] = [reference];
  useful.forEach((c, i) => {
    levels.forEach((g, j) => {
      if (Number(solution[`z_${i}_${j}`] ?? 0) > 0.5) chosen.push({ id: c.id, cost: c.costPerItem, bound: c.lowerBounds[j], level: g });
    });
  });
  return exactMix(chosen, requiredAgreement, confidence);
}

/**
 * The cheapest shares over the given columns with sum x = 1 and
 * sum L x >= a_rest: the best single column that clears a_rest alone, or the
 * best pair (one below, one above) mixed to meet it exactly. Ties go to fewer
 * models, then to the cheaper.
 */
function exactMix(columns: readonly Column[], required: number, confidence: number): MixSolution {
  let best: { cost: number; parts: Array<{ column: Column; share: number }> } | undefined;
  const consider = (parts: Array<{ column: Column; share: number }>): void => {
    const cost = parts.reduce((s, p) => s + p.share * p.column.cost, 0);
    const better = !best || cost < best.cost - 1e-15 * Math.max(1, Math.abs(cost)) || (Math.abs(cost - best.cost) <= 1e-15 * Math.max(1, Math.abs(cost)) && parts.length < best.parts.length);
    if (better) best = { cost, parts };
  };
  for (const a of columns) {
    if (a.bound >= required) consider([{ column: a, share: 1 }]);
    for (const b of columns) {
      if (a.bound < required && b.bound > required) {
        const shareA = (b.bound - required) / (b.bound - a.bound);
        consider([{ column: a, share: shareA }, { column: b, share: 1 - shareA }]);
      }
    }
  }
  const parts = best!.parts.filter((p) => p.share > 0);
  const level = parts.reduce((product, p) => product * p.column.level, 1);
  if (level < confidence * (1 - 1e-12)) throw new Error(`internal error: the mix's confidence ${level} is below ${confidence}`);
  return {
    shares: parts.map((p) => ({ id: p.column.id, share: p.share, level: p.column.level, lowerBound: p.column.bound })),
    costPerItem: best!.cost,
    agreementLowerBound: Math.min(1, parts.reduce((s, p) => s + p.share * p.column.bound, 0)),
    confidence: level,
  };
}
