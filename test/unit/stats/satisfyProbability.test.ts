import * as assert from 'node:assert/strict';
import { confidenceBound } from '../../../src/core/stats/confidenceBound';
import { gaussLegendre } from '../../../src/core/stats/gaussLegendre';
import { binomialTail, furtherAgreementsNeeded, probabilitySatisfiedAfter } from '../../../src/core/stats/satisfyProbability';

/** The same average by brute force: composite Simpson over the truncated normal with many points. */
function bruteForce(s: number, n: number, k: number, m: number): number {
  const mu = s / n;
  const sigma = Math.sqrt((mu * (1 - mu)) / n);
  const points = 200_000;
  const h = 1 / points;
  let mass = 0;
  let weighted = 0;
  for (let i = 0; i <= points; i++) {
    const p = i * h;
    const w = (i === 0 || i === points ? 1 : i % 2 ? 4 : 2) * Math.exp(-0.5 * ((p - mu) / sigma) ** 2);
    mass += w;
    weighted += w * binomialTail(k, p, m);
  }
  return weighted / mass;
}

describe('gaussLegendre', () => {
  it('integrates polynomials up to degree 2n - 1 exactly', () => {
    for (const n of [1, 2, 5, 24]) {
      const { nodes, weights } = gaussLegendre(n);
      for (let degree = 0; degree <= 2 * n - 1; degree++) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += weights[i] * nodes[i] ** degree;
        const exact = degree % 2 ? 0 : 2 / (degree + 1);
        assert.ok(Math.abs(sum - exact) < 1e-12, `n=${n} degree=${degree}: ${sum} vs ${exact}`);
      }
    }
  });
});

describe('probabilitySatisfiedAfter', () => {
  const bound = confidenceBound('clopper-pearson');

  it('matches a brute-force integral over k = 1 .. 65,536', () => {
    let checked = 0;
    for (const [s, n] of [[90, 100], [475, 500], [1940, 2000], [4850, 5000], [850, 1000]]) {
      for (const target of [0.8, 0.9, 0.95, 0.96]) {
        for (let k = 1; k <= 65_536; k *= 4) {
          const m = furtherAgreementsNeeded(bound, s, n, k, target, 0.95);
          const got = probabilitySatisfiedAfter(bound, s, n, k, target, 0.95);
          if (m <= 0 || m > k) {
            assert.equal(got, m <= 0 ? 1 : 0);
            continue;
          }
          const expected = bruteForce(s, n, k, m);
          assert.ok(Math.abs(got - expected) < 1e-6, `s=${s} n=${n} k=${k} t=${target}: ${got} vs ${expected}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 30, `only ${checked} non-trivial cases`);
  });

  it('is 1 for a candidate already satisfied, 0 when the target is out of reach, exact at sigma = 0', () => {
    assert.equal(probabilitySatisfiedAfter(bound, 1000, 1000, 1, 0.9, 0.95), 1);
    assert.equal(probabilitySatisfiedAfter(bound, 50, 100, 10, 0.95, 0.95), 0);
    // All 100 agreed: the rate is taken as 1, so every further item agrees.
    assert.equal(probabilitySatisfiedAfter(bound, 100, 100, 100, 0.98, 0.95), 1);
    assert.equal(probabilitySatisfiedAfter(bound, 0, 100, 100, 0.5, 0.95), 0);
  });

  it('grows with k for a candidate comfortably above the target', () => {
    let previous = 0;
    for (let k = 64; k <= 16_384; k *= 2) {
      const p = probabilitySatisfiedAfter(bound, 194, 200, k, 0.95, 0.95);
      assert.ok(p >= previous - 1e-9, `k=${k}: ${p} < ${previous}`);
      previous = p;
    }
    assert.ok(previous > 0.9);
  });
});
