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
  /** a_rest: agreement the remaining items need (may be <= 0, then anything goes; <= 1). */
  readonly requiredAgreement: number;
  /** gamma: the product of the levels of the models used must reach it. */
  readonly confidence: number;
}

export interface MixShare {
  readonly id: string;
  readonly share: number;
  /** Level whose bound was used; 1 for the reference. */
  readonly level: number;
  readonly lowerBound: number;
}

export interface MixSolution {
  /** Models with a positive share (reference included when used), shares summing to 1. */
  readonly shares: readonly MixShare[];
  /** Expected USD per remaining item. */
  readonly costPerItem: number;
  /** Guaranteed agreement of the mix: sum of share * lower bound (reference counts 1). */
  readonly agreementLowerBound: number;
  /** Product of the levels used: the confidence the mix's guarantee holds with. */
  readonly confidence: number;
}

/**
 * The paper's grid of confidence levels for ModelMix (SMART): `count`
 * evenly spaced values from `confidence` up to, not including, 1, computed as
 * numpy's linspace(confidence, 1, count, endpoint=False) does:
 * 0.95 -> [0.95, 0.96, 0.97, 0.98, 0.99].
 */
export function confidenceGrid(confidence: number, count = 5): number[] {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  const step = (1 - confidence) / count;
  return Array.from({ length: count }, (_, j) => j * step + confidence);
}

/** Slack allowed when checking the returned solution: sums, agreement, product of levels. */
const EXACT = 1e-12;

/**
 * javascript-lp-solver's precision (its default is 1e-8): the tolerance of its
 * pivots and integrality tests, and what it rounds the objective to. With the
 * cost units of `chooseColumns`, 80,000 random instances (prices up to 1e10
 * apart) all matched a brute force to 1e-15 relative at 1e-10; at 1e-8 some
 * missed by 4e-9.
 */
export const MILP_PRECISION = 1e-10;

/** One column of the program: a model at one level (the reference: level 1, bound 1). */
export interface Column {
  readonly id: string;
  /** Position in the output: candidates in input order, then the reference. */
  readonly order: number;
  readonly cost: number;
  readonly bound: number;
  readonly level: number;
}

export interface Part {
  readonly column: Column;
  readonly share: number;
}

/**
 * ModelMix (Jo & Trummer, "SMART", arXiv 2403.13835, application phase with
 * a mix of models; ARCHITECTURE.md, "The paper's strategies"): split the remaining items over models
 * so that the expected cost is least while the guaranteed agreement with the
 * reference reaches a_rest. With x_ij the share of candidate i at confidence
 * level g_j (lower bound L_ij) and x_R the reference's share:
 *
 *   minimise   sum_ij c_i x_ij + c_R x_R
 *   subject to sum_ij x_ij + x_R = 1,  x >= 0
 *              sum_ij L_ij x_ij + x_R >= a_rest
 *              x_ij <= z_ij,  sum_j z_ij <= 1 per model,  z binary
 *              sum_ij ln(g_j) z_ij >= ln(gamma)
 *
 * The MILP (javascript-lp-solver, branch and cut) picks the levels z. It works
 * to floating tolerances, so the shares are then re-solved exactly over the
 * chosen columns: with one equality and one inequality an optimal vertex uses
 * at most two columns, so checking every single and pair is exact. Ties
 * (costs within 1e-12 relative) go to fewer models, then to the cheaper.
 *
 * The product of the levels is the paper's joint confidence. It needs no
 * independence between the bounds when each L_ij is the lower end of an
 * equal-tailed interval at level g_j, as Clopper-Pearson's is: that end fails
 * with probability <= (1 - g_j) / 2, so by the union bound all hold with
 * probability >= 1 - sum_j (1 - g_j) / 2 >= 1 + ln(prod_j g_j) / 2, which is
 * >= gamma whenever prod_j g_j >= gamma >= 0.21.
 *
 * Throws a RangeError on invalid input, and an Error when the library fails or
 * returns a solution that does not check out.
 */
export function solveMix(problem: MixProblem): MixSolution {
  validate(problem);
  const reference: Column = { id: problem.referenceId, order: problem.candidates.length, cost: problem.referenceCostPerItem, bound: 1, level: 1 };
  // A candidate that costs at least as much as the reference is dominated by
  // it (the reference's bound is 1): leaving it out keeps the MILP small.
  const useful = problem.candidates
    .map((c, order) => ({ c, order }))
    .filter(({ c }) => c.costPerItem < reference.cost)
    .map(({ c, order }) => problem.levels.map((level, j): Column => ({ id: c.id, order, cost: c.costPerItem, bound: c.lowerBounds[j], level })));
  const chosen = chooseColumns(useful, reference, problem);
  const parts = cheapestMix([...chosen.columns, reference], problem.requiredAgreement);

  const cost = parts.reduce((sum, p) => sum + p.share * p.column.cost, 0);
  // The MILP's own shares are feasible for the exact LP up to its tolerance,
  // so the exact optimum cannot be dearer than the MILP's objective by more.
  if (cost / chosen.scale > chosen.objective + chosen.tolerance) {
    throw new Error(`mix solver: javascript-lp-solver reported cost ${chosen.objective * chosen.scale}, but its chosen levels cost ${cost}`);
  }
  return {
    shares: parts.map((p) => ({ id: p.column.id, share: p.share, level: p.column.level, lowerBound: p.column.bound })),
    costPerItem: cost,
    agreementLowerBound: Math.min(
      1,
      parts.reduce((sum, p) => sum + p.share * p.column.bound, 0),
    ),
    confidence: parts.reduce((product, p) => product * p.column.level, 1),
  };
}

function validate(problem: MixProblem): void {
  const { candidates, levels, confidence, requiredAgreement } = problem;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`mix: confidence must be in (0, 1), got ${confidence}`);
  for (const g of levels) {
    if (!(g >= confidence && g < 1)) throw new RangeError(`mix: each level must be in [${confidence}, 1), got ${g}`);
  }
  if (!(requiredAgreement <= 1) || !Number.isFinite(requiredAgreement)) {
    throw new RangeError(`mix: required agreement must be a finite number <= 1, got ${requiredAgreement}`);
  }
  const isCost = (c: number): boolean => Number.isFinite(c) && c >= 0;
  if (!isCost(problem.referenceCostPerItem)) throw new RangeError(`mix: reference cost must be finite and >= 0, got ${problem.referenceCostPerItem}`);
  const ids = new Set([problem.referenceId]);
  for (const c of candidates) {
    if (ids.has(c.id)) throw new RangeError(`mix: model id "${c.id}" appears twice`);
    ids.add(c.id);
    if (!isCost(c.costPerItem)) throw new RangeError(`mix: cost of "${c.id}" must be finite and >= 0, got ${c.costPerItem}`);
    if (c.lowerBounds.length !== levels.length) throw new RangeError(`mix: "${c.id}" has ${c.lowerBounds.length} bounds for ${levels.length} levels`);
    if (!c.lowerBounds.every((b) => b >= 0 && b <= 1)) throw new RangeError(`mix: bounds of "${c.id}" must be in [0, 1], got ${c.lowerBounds.join(', ')}`);
  }
}

interface Chosen {
  /** The columns whose z is 1: at most one level per model, product of levels >= gamma. */
  readonly columns: readonly Column[];
  /** The MILP's optimal objective, in units of `scale` USD. */
  readonly objective: number;
  readonly scale: number;
  /** How far above `objective` the exact cost of the chosen columns may be (floating error grows with the largest cost). */
  readonly tolerance: number;
}

/** Solves the MILP above; `useful[i][j]` is candidate i at level j. */
function chooseColumns(useful: readonly (readonly Column[])[], reference: Column, problem: MixProblem): Chosen {
  // The library's tolerances are absolute, so costs are put in units of the
  // cheapest column that reaches a_rest alone. That column bounds the optimum
  // from above, so the objective stays at most 1 while the cost differences
  // that decide it stay well above the precision. (In units of the reference,
  // random instances missed the optimum by up to 1e-3 relative at the default
  // precision, and by 26% at 1e-10 when prices were 1e10 apart.)
  const alone = [reference, ...useful.flat()].filter((c) => c.bound >= problem.requiredAgreement && c.cost > 0);
  const scale = alone.length > 0 ? Math.min(...alone.map((c) => c.cost)) : 1;
  const logGamma = Math.log(problem.confidence);
  const constraints: Model['constraints'] = { total: { equal: 1 }, agreement: { min: problem.requiredAgreement }, confidence: { min: -1 } };
  const variables: Model['variables'] = { xR: { cost: reference.cost / scale, total: 1, agreement: 1 } };
  const binaries: Record<string, 1> = {};
  useful.forEach((levels, i) => {
    constraints[`one${i}`] = { max: 1 };
    levels.forEach((column, j) => {
      const link = `link${i}_${j}`;
      constraints[link] = { max: 0 };
      variables[`x${i}_${j}`] = { cost: column.cost / scale, total: 1, agreement: column.bound, [link]: 1 };
      variables[`z${i}_${j}`] = { [link]: -1, [`one${i}`]: 1, confidence: Math.log(column.level) / -logGamma };
      binaries[`z${i}_${j}`] = 1;
    });
  });
  const model: Model = { optimize: 'cost', opType: 'min', constraints, variables, binaries };

  const result: unknown = solver.Solve(model, MILP_PRECISION);
  if (typeof result !== 'object' || result === null) throw new Error('mix solver: javascript-lp-solver returned no result');
  const values = result as Record<string, unknown>;
  if (values.feasible !== true || typeof values.result !== 'number' || !Number.isFinite(values.result)) {
    // The reference alone is always feasible, so this is the library failing.
    throw new Error(`mix solver: javascript-lp-solver found no solution (feasible: ${String(values.feasible)}), yet the reference alone is one`);
  }
  const value = (name: string): number => {
    const v = values[name];
    return typeof v === 'number' ? v : 0; // the library leaves out variables at 0
  };

  const columns: Column[] = [];
  useful.forEach((levels, i) => {
    const picked = levels.filter((_, j) => {
      const z = value(`z${i}_${j}`);
      if (Math.abs(z - Math.round(z)) > 1e-6) throw new Error(`mix solver: javascript-lp-solver returned z = ${z} for a binary`);
      return z > 0.5;
    });
    if (picked.length > 1) throw new Error(`mix solver: javascript-lp-solver chose ${picked.length} levels for "${levels[0].id}"`);
    columns.push(...picked);
  });
  const product = columns.reduce((p, c) => p * c.level, 1);
  if (product < problem.confidence - EXACT) {
    throw new Error(`mix solver: javascript-lp-solver chose levels whose product ${product} is below ${problem.confidence}`);
  }
  return { columns, objective: values.result, scale, tolerance: 1e-6 * Math.max(1, reference.cost / scale) };
}

/**
 * The exact optimum of: minimise sum c x subject to sum x = 1, sum L x >= a,
 * x >= 0, over `columns`. Some optimal vertex is either one column with
 * L >= a, or two columns lo, hi with L_lo < a < L_hi mixed so that the
 * agreement is exactly a: x_hi = (a - L_lo) / (L_hi - L_lo). Returns the
 * parts with positive share, in output order.
 */
export function cheapestMix(columns: readonly Column[], required: number): Part[] {
  let best: { parts: Part[]; cost: number } | undefined;
  const consider = (parts: Part[]): void => {
    const cost = parts.reduce((sum, p) => sum + p.share * p.column.cost, 0);
    const tie = best !== undefined && Math.abs(cost - best.cost) <= EXACT * Math.max(cost, best.cost);
    const better =
      best === undefined || (tie ? parts.length < best.parts.length || (parts.length === best.parts.length && cost < best.cost) : cost < best.cost);
    if (better) best = { parts, cost };
  };
  for (const column of columns) {
    if (column.bound >= required) consider([{ column, share: 1 }]);
  }
  for (const lo of columns) {
    for (const hi of columns) {
      if (!(lo.bound < required && required < hi.bound)) continue;
      // Floating subtraction is monotone, so x_hi stays in (0, 1]; x_lo is
      // then taken as 1 - x_hi so the shares sum to 1 up to one rounding.
      const high = (required - lo.bound) / (hi.bound - lo.bound);
      const parts = [
        { column: lo, share: 1 - high },
        { column: hi, share: high },
      ].filter((p) => p.share > 0);
      consider(parts.sort((a, b) => a.column.order - b.column.order));
    }
  }
  // The reference column (bound 1 >= a_rest) is always among them.
  if (best === undefined) throw new Error('mix solver: no column reaches the required agreement');
  return best.parts;
}
