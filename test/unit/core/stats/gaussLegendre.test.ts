import * as assert from 'node:assert/strict';
import { gaussLegendre } from '../../../../src/core/stats/gaussLegendre';

describe('gaussLegendre', () => {
  it('integrates every polynomial of degree up to 2n - 1 exactly', () => {
    for (const n of [1, 2, 3, 5, 8, 12, 24]) {
      const { nodes, weights } = gaussLegendre(n);
      for (let degree = 0; degree <= 2 * n - 1; degree++) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += weights[i] * nodes[i] ** degree;
        // The integral of x^d over [-1, 1]: 0 for odd d, 2 / (d + 1) for even d.
        const exact = degree % 2 ? 0 : 2 / (degree + 1);
        assert.ok(Math.abs(sum - exact) < 1e-13, `n=${n} degree=${degree}: ${sum} vs ${exact}`);
      }
    }
  });

  it('is not exact at degree 2n (so the check above can fail)', () => {
    for (const n of [1, 2, 5, 12]) {
      const { nodes, weights } = gaussLegendre(n);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += weights[i] * nodes[i] ** (2 * n);
      assert.ok(Math.abs(sum - 2 / (2 * n + 1)) > 1e-9, `n=${n}`);
    }
  });

  it('has ascending nodes inside (-1, 1), symmetric, with positive weights', () => {
    const { nodes, weights } = gaussLegendre(12);
    for (let i = 0; i < 12; i++) {
      assert.ok(nodes[i] > -1 && nodes[i] < 1 && weights[i] > 0);
      if (i > 0) assert.ok(nodes[i] > nodes[i - 1]);
      assert.ok(Math.abs(nodes[i] + nodes[11 - i]) < 1e-15 && weights[i] === weights[11 - i]);
    }
    // Tabulated in Abramowitz & Stegun, table 25.4: the largest node and its weight for n = 12.
    assert.ok(Math.abs(nodes[11] - 0.981560634246719) < 1e-14);
    assert.ok(Math.abs(weights[11] - 0.047175336386512) < 1e-14);
  });

  it('rejects a rule without nodes', () => {
    assert.throws(() => gaussLegendre(0), RangeError);
    assert.throws(() => gaussLegendre(2.5), RangeError);
  });
});
