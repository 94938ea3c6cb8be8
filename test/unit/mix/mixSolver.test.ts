import * as assert from 'node:assert/strict';
import { largestRemainder } from '../../../src/core/mix/largestRemainder';
import { confidenceGrid, solveMix, type MixProblem, type MixSolution } from '../../../src/core/mix/mixSolver';
import { mulberry32 } from '../../../src/core/random';

/** The optimum by enumeration: every level-or-unused choice whose levels multiply to >= gamma, each LP solved over singles and pairs. */
function bruteForce(problem: MixProblem): number {
  const columns = (choice: number[]): Array<{ cost: number; bound: number }> => [
    { cost: problem.referenceCostPerItem, bound: 1 },
    ...problem.candidates.flatMap((c, i) => (choice[i] < 0 ? [] : [{ cost: c.costPerItem, bound: c.lowerBounds[choice[i]] }])),
  ];
  let best = Infinity;
  const choose = (i: number, choice: number[], product: number): void => {
    if (i === problem.candidates.length) {
      if (product < problem.confidence - 1e-12) return;
      const cols = columns(choice);
      for (const a of cols) {
        if (a.bound >= problem.requiredAgreement) best = Math.min(best, a.cost);
        for (const b of cols) {
          if (a.bound < problem.requiredAgreement && b.bound > problem.requiredAgreement) {
            const x = (b.bound - problem.requiredAgreement) / (b.bound - a.bound);
            best = Math.min(best, x * a.cost + (1 - x) * b.cost);
          }
        }
      }
      return;
    }
    choose(i + 1, [...choice, -1], product);
    problem.levels.forEach((g, j) => choose(i + 1, [...choice, j], product * g));
  };
  choose(0, [], 1);
  return best;
}

function assertFeasible(problem: MixProblem, solution: MixSolution): void {
  const total = solution.shares.reduce((s, x) => s + x.share, 0);
  assert.ok(Math.abs(total - 1) < 1e-12, `shares sum to ${total}`);
  assert.ok(solution.shares.every((x) => x.share > 0));
  const agreement = solution.shares.reduce((s, x) => s + x.share * x.lowerBound, 0);
  assert.ok(agreement >= problem.requiredAgreement - 1e-12, `agreement ${agreement} < ${problem.requiredAgreement}`);
  const level = solution.shares.reduce((p, x) => p * x.level, 1);
  assert.ok(level >= problem.confidence - 1e-12, `confidence ${level}`);
  const cost = solution.shares.reduce((s, x) => s + x.share * (x.id === problem.referenceId ? problem.referenceCostPerItem : problem.candidates.find((c) => c.id === x.id)!.costPerItem), 0);
  assert.ok(Math.abs(cost - solution.costPerItem) <= 1e-12 * Math.max(1, cost));
}

describe('confidenceGrid', () => {
  it('is the paper grid: linspace(gamma, 1, 5, endpoint=False)', () => {
    const grid = confidenceGrid(0.95);
    [0.95, 0.96, 0.97, 0.98, 0.99].forEach((g, i) => assert.ok(Math.abs(grid[i] - g) < 1e-12));
  });
});

describe('solveMix', () => {
  it('finds the brute-force optimum on 300 random small instances', () => {
    const random = mulberry32(99);
    const levels = confidenceGrid(0.95);
    for (let t = 0; t < 300; t++) {
      const count = 1 + Math.floor(random() * 4);
      const problem: MixProblem = {
        candidates: Array.from({ length: count }, (_, i) => {
          const top = 0.5 + random() * 0.5;
          // Bounds fall as the level rises (a wider interval has a lower end).
          let bound = top;
          return { id: `m${i}`, costPerItem: 0.01 + random(), lowerBounds: levels.map(() => (bound = Math.max(0, bound - random() * 0.03))) };
        }),
        referenceId: 'ref',
        referenceCostPerItem: 1 + random() * 2,
        levels,
        requiredAgreement: random() < 0.1 ? -random() : 0.5 + random() * 0.5,
        confidence: 0.95,
      };
      const solution = solveMix(problem);
      assertFeasible(problem, solution);
      const expected = bruteForce(problem);
      assert.ok(Math.abs(solution.costPerItem - expected) <= 1e-9 * expected, `instance ${t}: ${solution.costPerItem} vs ${expected}`);
    }
  });

  const levels = confidenceGrid(0.95);
  const flat = (b: number): number[] => levels.map(() => b);

  it('uses a candidate alone when its bound clears the target', () => {
    const s = solveMix({ candidates: [{ id: 'a', costPerItem: 0.1, lowerBounds: flat(0.97) }], referenceId: 'r', referenceCostPerItem: 1, levels, requiredAgreement: 0.95, confidence: 0.95 });
    assert.deepEqual(s.shares.map((x) => [x.id, x.share]), [['a', 1]]);
  });

  it('gives a candidate that never agrees only the slack the target leaves', () => {
    const s = solveMix({ candidates: [{ id: 'a', costPerItem: 0.1, lowerBounds: flat(0) }], referenceId: 'r', referenceCostPerItem: 1, levels, requiredAgreement: 0.95, confidence: 0.95 });
    assert.ok(Math.abs(s.shares.find((x) => x.id === 'a')!.share - 0.05) < 1e-12);
    const none = solveMix({ candidates: [{ id: 'a', costPerItem: 0.1, lowerBounds: flat(0) }], referenceId: 'r', referenceCostPerItem: 1, levels, requiredAgreement: 1, confidence: 0.95 });
    assert.deepEqual(none.shares.map((x) => [x.id, x.share]), [['r', 1]]);
  });

  it('tops a cheap model up with the reference: x = (1 - a) / (1 - L)', () => {
    const s = solveMix({ candidates: [{ id: 'a', costPerItem: 0.1, lowerBounds: flat(0.8) }], referenceId: 'r', referenceCostPerItem: 1, levels, requiredAgreement: 0.9, confidence: 0.95 });
    const a = s.shares.find((x) => x.id === 'a')!;
    assert.ok(Math.abs(a.share - 0.5) < 1e-12);
    assert.ok(Math.abs(s.costPerItem - 0.55) < 1e-12);
    assert.ok(Math.abs(s.agreementLowerBound - 0.9) < 1e-12);
  });

  it('takes the cheapest candidate alone when the rest needs nothing', () => {
    const s = solveMix({
      candidates: [{ id: 'a', costPerItem: 0.3, lowerBounds: flat(0.5) }, { id: 'b', costPerItem: 0.2, lowerBounds: flat(0.1) }],
      referenceId: 'r', referenceCostPerItem: 1, levels, requiredAgreement: -0.2, confidence: 0.95,
    });
    assert.deepEqual(s.shares.map((x) => x.id), ['b']);
  });

  it('cannot use two candidates both at the lowest level', () => {
    // Two cheap models bracket the target, but 0.95 x 0.95 < 0.95: one of them must use a higher level, with a lower bound.
    const bounds = [0.99, 0.98, 0.97, 0.96, 0.95];
    const s = solveMix({
      candidates: [{ id: 'hi', costPerItem: 0.2, lowerBounds: bounds }, { id: 'lo', costPerItem: 0.1, lowerBounds: flat(0.85) }],
      referenceId: 'r', referenceCostPerItem: 1, levels, requiredAgreement: 0.9, confidence: 0.95,
    });
    assert.ok(s.confidence >= 0.95 - 1e-12);
    const used = s.shares.filter((x) => x.id !== 'r');
    if (used.length === 2) assert.ok(used.every((x) => x.level > 0.95 - 1e-12) && used.some((x) => x.level > 0.95 + 1e-9));
  });
});

describe('largestRemainder', () => {
  it('splits exactly and hands leftovers to the largest remainders', () => {
    assert.deepEqual(largestRemainder(10, [0.5, 0.5]), [5, 5]);
    assert.deepEqual(largestRemainder(10, [1 / 3, 1 / 3, 1 / 3]), [4, 3, 3]);
    assert.deepEqual(largestRemainder(7, [0.15, 0.85]), [1, 6]);
    assert.deepEqual(largestRemainder(0, [0.3, 0.7]), [0, 0]);
    assert.deepEqual(largestRemainder(5, [0, 1]), [0, 5]);
    assert.deepEqual(largestRemainder(3, [2, 1]), [2, 1]);
  });

  it('always sums to the total and stays within one of the exact share', () => {
    const random = mulberry32(5);
    for (let t = 0; t < 500; t++) {
      const shares = Array.from({ length: 1 + Math.floor(random() * 5) }, () => (random() < 0.2 ? 0 : random()));
      if (!shares.some((s) => s > 0)) shares[0] = 1;
      const total = Math.floor(random() * 100_000);
      const counts = largestRemainder(total, shares);
      const sum = shares.reduce((a, b) => a + b, 0);
      assert.equal(counts.reduce((a, b) => a + b, 0), total);
      counts.forEach((c, i) => assert.ok(Math.abs(c - (total * shares[i]) / sum) < 1, `${c} vs ${(total * shares[i]) / sum}`));
    }
  });

  it('rejects bad input', () => {
    assert.throws(() => largestRemainder(-1, [1]), RangeError);
    assert.throws(() => largestRemainder(5, [0, 0]), RangeError);
    assert.throws(() => largestRemainder(5, [-1, 2]), RangeError);
  });
});
