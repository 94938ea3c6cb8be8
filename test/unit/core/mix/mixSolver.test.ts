import * as assert from 'node:assert/strict';
import solver from 'javascript-lp-solver';
import { confidenceGrid, solveMix, type MixCandidate, type MixProblem, type MixSolution } from '../../../../src/core/mix/mixSolver';
import { mulberry32 } from '../../../../src/core/random';

interface BruteColumn {
  readonly cost: number;
  readonly bound: number;
}

/** The cheapest mix over `columns` (sum x = 1, sum L x >= a), by every single and pair. */
function exactLp(columns: readonly BruteColumn[], a: number): number {
  let best = Infinity;
  for (const p of columns) {
    if (p.bound >= a) best = Math.min(best, p.cost);
    for (const q of columns) {
      if (p.bound < a && a < q.bound) {
        const x = (a - p.bound) / (q.bound - p.bound);
        best = Math.min(best, (1 - x) * p.cost + x * q.cost);
      }
    }
  }
  return best;
}

/**
 * The optimum by enumeration: every choice of level-or-unused per candidate
 * whose levels multiply to >= gamma (all choices when `productRule` is off),
 * with the LP over the chosen columns and the reference solved exactly.
 */
function bruteForce(problem: MixProblem, productRule = true): number {
  let best = Infinity;
  const walk = (i: number, columns: BruteColumn[], product: number): void => {
    if (i === problem.candidates.length) {
      if (productRule && product < problem.confidence - 1e-12) return;
      best = Math.min(best, exactLp([...columns, { cost: problem.referenceCostPerItem, bound: 1 }], problem.requiredAgreement));
      return;
    }
    const c = problem.candidates[i];
    walk(i + 1, columns, product);
    problem.levels.forEach((g, j) => walk(i + 1, [...columns, { cost: c.costPerItem, bound: c.lowerBounds[j] }], product * g));
  };
  walk(0, [], 1);
  return best;
}

/** The returned solution is exactly feasible and consistent with the problem. */
function assertFeasible(problem: MixProblem, s: MixSolution): void {
  const total = s.shares.reduce((sum, x) => sum + x.share, 0);
  assert.ok(Math.abs(total - 1) <= 1e-12, `shares sum to ${total}`);
  assert.ok(
    s.shares.every((x) => x.share > 0),
    'a share is not positive',
  );
  assert.equal(new Set(s.shares.map((x) => x.id)).size, s.shares.length, 'a model appears twice');
  let cost = 0;
  let agreement = 0;
  let product = 1;
  for (const x of s.shares) {
    if (x.id === problem.referenceId) {
      assert.deepEqual([x.level, x.lowerBound], [1, 1]);
      cost += x.share * problem.referenceCostPerItem;
    } else {
      const c = problem.candidates.find((m) => m.id === x.id);
      assert.ok(c, `unknown model ${x.id}`);
      const j = problem.levels.indexOf(x.level);
      assert.ok(j >= 0, `level ${x.level} is not on the grid`);
      assert.equal(x.lowerBound, c.lowerBounds[j], 'lower bound is not the one at its level');
      cost += x.share * c.costPerItem;
    }
    agreement += x.share * x.lowerBound;
    product *= x.level;
  }
  assert.ok(agreement >= problem.requiredAgreement - 1e-12, `agreement ${agreement} < ${problem.requiredAgreement}`);
  assert.ok(product >= problem.confidence - 1e-12, `product of levels ${product} < ${problem.confidence}`);
  assert.ok(Math.abs(cost - s.costPerItem) <= 1e-12 * cost, `cost ${s.costPerItem}, recomputed ${cost}`);
  assert.ok(Math.abs(agreement - s.agreementLowerBound) <= 1e-12, `agreement ${s.agreementLowerBound}, recomputed ${agreement}`);
  assert.ok(Math.abs(product - s.confidence) <= 1e-12, `confidence ${s.confidence}, recomputed ${product}`);
}

const close = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${what}: ${actual}, expected ${expected}`);
};

describe('confidenceGrid', () => {
  it("is numpy's linspace(gamma, 1, 5, endpoint=False), bit for bit", () => {
    // Printed by numpy 1.26: np.linspace(g, 1, 5, endpoint=False).tolist()
    assert.deepEqual(confidenceGrid(0.95), [0.95, 0.96, 0.97, 0.98, 0.99]);
    assert.deepEqual(confidenceGrid(0.9), [0.9, 0.92, 0.9400000000000001, 0.96, 0.98]);
    assert.deepEqual(confidenceGrid(0.99), [0.99, 0.992, 0.994, 0.996, 0.998]);
  });

  it('takes a count and stays in [gamma, 1)', () => {
    const grid = confidenceGrid(0.8, 10);
    assert.equal(grid.length, 10);
    assert.equal(grid[0], 0.8);
    assert.ok(grid.every((g, j) => g < 1 && (j === 0 || g > grid[j - 1])));
    assert.deepEqual(confidenceGrid(0.95, 1), [0.95]);
  });

  it('rejects a confidence outside (0, 1) and a bad count', () => {
    for (const bad of [0, 1, -0.5, 1.5, NaN]) assert.throws(() => confidenceGrid(bad), RangeError);
    for (const bad of [0, 2.5, -1]) assert.throws(() => confidenceGrid(0.95, bad), RangeError);
  });
});

describe('solveMix against brute force', () => {
  /** Bounds that fall as the level rises: a more confident interval has a lower end. */
  function falling(random: () => number, levels: number): number[] {
    let bound = random() < 0.1 ? 0 : random();
    return Array.from({ length: levels }, () => (bound = Math.max(0, bound - random() * random() * 0.1)));
  }

  function randomProblem(random: () => number): MixProblem {
    const confidence = [0.8, 0.9, 0.95, 0.99][Math.floor(random() * 4)];
    const levels = confidenceGrid(confidence);
    const candidates: MixCandidate[] = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => ({
      id: `m${i}`,
      // Prices up to six decades apart: the solver's tolerances must not care.
      costPerItem: 1e-3 * Math.exp(-14 * random()),
      lowerBounds: falling(random, levels.length),
    }));
    const pick = random();
    const requiredAgreement =
      pick < 0.1
        ? -random() // the profiled items already carry the file
        : pick < 0.15
          ? 0
          : pick < 0.25
            ? 1 - random() * 1e-4 // near 1
            : pick < 0.3
              ? 1
              : pick < 0.4
                ? candidates[0].lowerBounds[Math.floor(random() * levels.length)] // exactly on a bound
                : random();
    return { candidates, referenceId: 'ref', referenceCostPerItem: 1e-3 * Math.exp(-random()), levels, requiredAgreement, confidence };
  }

  it('matches the enumerated optimum on 300 random instances, exactly feasible', () => {
    const random = mulberry32(20240321);
    let candidatePairs = 0;
    let referenceMixes = 0;
    let productBinds = 0;
    for (let t = 0; t < 300; t++) {
      const problem = randomProblem(random);
      const s = solveMix(problem);
      assertFeasible(problem, s);
      const expected = bruteForce(problem);
      assert.ok(Math.abs(s.costPerItem - expected) <= 1e-9 * expected, `instance ${t}: ${s.costPerItem}, optimum ${expected}`);
      if (s.shares.length === 2) {
        if (s.shares.some((x) => x.id === problem.referenceId)) referenceMixes++;
        else candidatePairs++;
      }
      if (bruteForce(problem, false) < expected * (1 - 1e-9)) productBinds++;
    }
    // The instances must exercise every kind of answer, or the check above proves little.
    assert.ok(candidatePairs >= 20, `only ${candidatePairs} mixes of two candidates`);
    assert.ok(referenceMixes >= 20, `only ${referenceMixes} mixes with the reference`);
    assert.ok(productBinds >= 10, `the product of levels bound only ${productBinds} times`);
  });
});

describe('solveMix on numerically hard instances', () => {
  // Found by long random searches: each made the library miss the optimum
  // with its default precision or with costs in units of the reference.
  const cases: Array<[string, MixProblem]> = [
    [
      'bounds that barely differ between levels, a_rest near 1',
      {
        candidates: [{ id: 'm0', costPerItem: 0.000571055, lowerBounds: [0.146858, 0.146704, 0.131986, 0.0855292, 0.0834821] }],
        referenceId: 'ref',
        referenceCostPerItem: 0.0974653,
        levels: confidenceGrid(0.99),
        requiredAgreement: 0.999982022,
        confidence: 0.99,
      },
    ],
    [
      'candidates six decades cheaper than the reference',
      {
        candidates: [
          { id: 'm0', costPerItem: 1e-6, lowerBounds: [0.622578, 0.620604, 0.618152, 0.614853, 0.609572] },
          { id: 'm1', costPerItem: 1.08926e-6, lowerBounds: [0.930117, 0.92903, 0.927668, 0.925814, 0.922796] },
        ],
        referenceId: 'ref',
        referenceCostPerItem: 0.860123,
        levels: confidenceGrid(0.95),
        requiredAgreement: 0.798019,
        confidence: 0.95,
      },
    ],
    [
      'candidates ten decades cheaper than the reference',
      {
        candidates: [
          { id: 'm0', costPerItem: 2.72668e-11, lowerBounds: [0.8745, 0.873124, 0.871385, 0.868996, 0.865058] },
          { id: 'm1', costPerItem: 2.03604e-11, lowerBounds: [0.786717, 0.785052, 0.782953, 0.780079, 0.775368] },
          { id: 'm2', costPerItem: 3.06136e-10, lowerBounds: [0.958992, 0.958114, 0.956996, 0.955444, 0.952852] },
          { id: 'm3', costPerItem: 0.001, lowerBounds: [0.893558, 0.892267, 0.890635, 0.888389, 0.884682] },
        ],
        referenceId: 'ref',
        referenceCostPerItem: 0.185513,
        levels: confidenceGrid(0.99),
        requiredAgreement: 0.799025,
        confidence: 0.99,
      },
    ],
  ];
  for (const [name, problem] of cases) {
    it(name, () => {
      const s = solveMix(problem);
      assertFeasible(problem, s);
      const expected = bruteForce(problem);
      assert.ok(Math.abs(s.costPerItem - expected) <= 1e-9 * expected, `${s.costPerItem}, optimum ${expected}`);
    });
  }
});

describe('solveMix on hand-made cases', () => {
  const levels = confidenceGrid(0.95);
  const flat = (b: number): number[] => levels.map(() => b);
  const problem = (candidates: MixCandidate[], requiredAgreement: number, referenceCostPerItem = 1): MixProblem => ({
    candidates,
    referenceId: 'ref',
    referenceCostPerItem,
    levels,
    requiredAgreement,
    confidence: 0.95,
  });
  const solve = (p: MixProblem): MixSolution => {
    const s = solveMix(p);
    assertFeasible(p, s);
    return s;
  };
  const ids = (s: MixSolution): string[] => s.shares.map((x) => x.id);

  it('gives all items to a candidate whose bound clears a_rest alone', () => {
    const s = solve(problem([{ id: 'a', costPerItem: 0.1, lowerBounds: [0.97, 0.965, 0.96, 0.955, 0.95] }], 0.95));
    assert.deepEqual(ids(s), ['a']);
    assert.equal(s.shares[0].share, 1);
    close(s.costPerItem, 0.1, 'cost');
  });

  it('leaves out a candidate that never agrees when a model that does is cheaper', () => {
    const s = solve(
      problem(
        [
          { id: 'zero', costPerItem: 0.2, lowerBounds: flat(0) },
          { id: 'good', costPerItem: 0.1, lowerBounds: flat(0.96) },
        ],
        0.9,
      ),
    );
    assert.deepEqual(ids(s), ['good']);
  });

  it('uses a candidate that never agrees only for the slack 1 - a_rest, and not at all when a_rest = 1', () => {
    // Bound 0 still fits the formula x = (1 - a_rest) / (1 - L): the
    // reference's items carry the whole guarantee.
    const cheap = [{ id: 'zero', costPerItem: 0.1, lowerBounds: flat(0) }];
    const s = solve(problem(cheap, 0.95));
    assert.deepEqual(ids(s), ['zero', 'ref']);
    close(s.shares[0].share, 0.05, 'share of the zero-bound model');
    assert.deepEqual(ids(solve(problem(cheap, 1))), ['ref']);
  });

  it('tops a cheap model up with the reference: x_cheap = (1 - a_rest) / (1 - L)', () => {
    // The bound is highest at the lowest level, so that level is the one to use.
    const s = solve(problem([{ id: 'cheap', costPerItem: 0.1, lowerBounds: [0.8, 0.79, 0.78, 0.77, 0.76] }], 0.9));
    assert.deepEqual(ids(s), ['cheap', 'ref']);
    const [cheap, ref] = s.shares;
    assert.equal(cheap.level, 0.95);
    close(cheap.share, (1 - 0.9) / (1 - 0.8), 'x_cheap');
    close(ref.share, 0.5, 'x_ref');
    close(s.costPerItem, 0.5 * 0.1 + 0.5 * 1, 'cost');
    close(s.agreementLowerBound, 0.9, 'agreement');
    close(s.confidence, 0.95, 'confidence');
  });

  it('takes the cheapest candidate alone when a_rest <= 0, whatever its bound', () => {
    const candidates = [
      { id: 'a', costPerItem: 0.3, lowerBounds: flat(0.5) },
      { id: 'b', costPerItem: 0.2, lowerBounds: flat(0) },
    ];
    for (const a of [0, -0.5]) {
      const s = solve(problem(candidates, a));
      assert.deepEqual(ids(s), ['b']);
      close(s.costPerItem, 0.2, 'cost');
    }
  });

  it('cannot use two candidates both at level 0.95 when gamma = 0.95', () => {
    // Unconstrained, lo and hi at 0.95 (bounds 0.85 and 0.99) would cost
    // 0.1 + 0.1 * 0.05 / 0.14 = 0.1357; but 0.95 * 0.95 < 0.95. The best
    // allowed pair is lo at 0.96 (0.84) and hi at 0.99 (0.97), product 0.9504:
    // x_hi = (0.9 - 0.84) / (0.97 - 0.84) = 6/13, cost 0.1 + 0.1 * 6/13.
    const p = problem(
      [
        { id: 'lo', costPerItem: 0.1, lowerBounds: [0.85, 0.84, 0.83, 0.82, 0.81] },
        { id: 'hi', costPerItem: 0.2, lowerBounds: [0.99, 0.985, 0.98, 0.975, 0.97] },
      ],
      0.9,
    );
    const s = solve(p);
    assert.deepEqual(
      s.shares.map((x) => [x.id, x.level]),
      [
        ['lo', 0.96],
        ['hi', 0.99],
      ],
    );
    close(s.shares[1].share, 6 / 13, 'x_hi');
    close(s.shares[0].share, 7 / 13, 'x_lo');
    close(s.costPerItem, 0.1 + 0.1 * (6 / 13), 'cost');
    close(s.confidence, 0.96 * 0.99, 'confidence');
    // The constraint is what makes the difference.
    close(bruteForce(p, false), 0.1 + 0.1 * (0.05 / 0.14), 'unconstrained optimum');
  });

  it('prefers fewer models on a tie', () => {
    // b + a and a alone both cost 0.1 per item.
    const s = solve(
      problem(
        [
          { id: 'b', costPerItem: 0.1, lowerBounds: flat(0.5) },
          { id: 'a', costPerItem: 0.1, lowerBounds: flat(0.95) },
        ],
        0.9,
      ),
    );
    assert.deepEqual(ids(s), ['a']);
  });

  it('never uses a candidate that costs as much as the reference', () => {
    assert.deepEqual(ids(solve(problem([{ id: 'dear', costPerItem: 1, lowerBounds: flat(1) }], 0.9))), ['ref']);
  });

  it('returns the reference alone when there is nothing else', () => {
    const s = solve(problem([], 0.9));
    assert.deepEqual(s, { shares: [{ id: 'ref', share: 1, level: 1, lowerBound: 1 }], costPerItem: 1, agreementLowerBound: 1, confidence: 1 });
    const noLevels: MixProblem = { ...problem([{ id: 'a', costPerItem: 0.1, lowerBounds: [] }], 0.9), levels: [] };
    assert.deepEqual(ids(solveMix(noLevels)), ['ref']);
  });

  it('rejects invalid problems', () => {
    const a = { id: 'a', costPerItem: 0.1, lowerBounds: flat(0.9) };
    const bad: Array<Partial<MixProblem>> = [
      { confidence: 1 },
      { levels: [0.9, 0.96, 0.97, 0.98, 0.99] }, // below gamma
      { levels: [0.95, 0.96, 0.97, 0.98, 1] },
      { requiredAgreement: 1.01 },
      { requiredAgreement: NaN },
      { referenceCostPerItem: -1 },
      { candidates: [{ ...a, lowerBounds: [0.9] }] },
      { candidates: [{ ...a, lowerBounds: flat(1.1) }] },
      { candidates: [{ ...a, costPerItem: Infinity }] },
      { candidates: [a, a] },
      { candidates: [{ ...a, id: 'ref' }] },
    ];
    for (const change of bad) assert.throws(() => solveMix({ ...problem([a], 0.9), ...change }), RangeError, JSON.stringify(change));
  });
});

describe('solveMix with a stubbed javascript-lp-solver', () => {
  const levels = confidenceGrid(0.95);
  // Candidate 0 at level j is x0_j / z0_j in the MILP.
  const p: MixProblem = {
    candidates: [
      { id: 'a', costPerItem: 0.1, lowerBounds: [0.8, 0.79, 0.78, 0.77, 0.76] },
      { id: 'b', costPerItem: 0.2, lowerBounds: [0.99, 0.98, 0.97, 0.96, 0.95] },
    ],
    referenceId: 'ref',
    referenceCostPerItem: 1,
    levels,
    requiredAgreement: 0.9,
    confidence: 0.95,
  };
  const original = solver.Solve;
  afterEach(() => {
    solver.Solve = original;
  });
  const withResult = (result: unknown): void => {
    solver.Solve = () => result;
  };

  it('throws when it finds no solution', () => {
    withResult({ feasible: false, result: 0 });
    assert.throws(() => solveMix(p), /found no solution/);
  });

  it('throws on a fractional binary', () => {
    withResult({ feasible: true, result: 0.1, x0_0: 1, z0_0: 0.5 });
    assert.throws(() => solveMix(p), /for a binary/);
  });

  it('throws when it picks two levels for one model', () => {
    withResult({ feasible: true, result: 0.1, x0_0: 1, z0_0: 1, z0_1: 1 });
    assert.throws(() => solveMix(p), /chose 2 levels/);
  });

  it('throws when the levels it picks multiply to less than gamma', () => {
    withResult({ feasible: true, result: 0.1, x0_0: 0.5, z0_0: 1, x1_0: 0.5, z1_0: 1 });
    assert.throws(() => solveMix(p), /below 0.95/);
  });

  it('throws when its objective is below what its levels allow', () => {
    // a at 0.95 topped up by the reference costs 0.55 USD; the claimed 0.2 is in units of
    // b's cost (the cheapest model that clears a_rest alone), so 0.04 USD: impossible.
    withResult({ feasible: true, result: 0.2, x0_0: 1, z0_0: 1 });
    assert.throws(() => solveMix(p), /reported cost/);
  });

  it('breaks a tie among the columns it picks in favour of fewer models', () => {
    // b at 0.96 mixed with a at 0.99 is cheaper than a alone, but by 1e-14
    // relative only: a tie, so a alone.
    const tie: MixProblem = {
      ...p,
      candidates: [
        { id: 'b', costPerItem: 0.1 * (1 - 1e-13), lowerBounds: levels.map(() => 0.5) },
        { id: 'a', costPerItem: 0.1, lowerBounds: levels.map(() => 0.95) },
      ],
    };
    withResult({ feasible: true, result: 1, z0_1: 1, x0_1: 0.1, z1_4: 1, x1_4: 0.9 });
    assert.deepEqual(solveMix(tie).shares, [{ id: 'a', share: 1, level: 0.99, lowerBound: 0.95 }]);
  });

  it('is right when the library is', () => {
    const s = solveMix(p);
    assertFeasible(p, s);
    close(s.costPerItem, bruteForce(p), 'cost');
  });
});
