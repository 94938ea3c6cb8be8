/** Nodes and weights of an n-point Gauss-Legendre rule on [-1, 1]. */
export interface QuadratureRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

/**
 * Gauss-Legendre nodes (roots of the Legendre polynomial P_n) and weights
 * w_i = 2 / ((1 - x_i^2) P_n'(x_i)^2), found by Newton's method from the
 * Tricomi initial guess cos(pi (i - 1/4) / (n + 1/2)) (Press et al.,
 * Numerical Recipes, section 4.6). The rule integrates polynomials of degree
 * up to 2n - 1 exactly.
 */
export function gaussLegendre(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`need a positive number of nodes, got ${n}`);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      // Legendre recurrence: (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1}.
      let p0 = 1;
      let p1 = x;
      for (let k = 1; k < n; k++) {
        const p2 = ((2 * k + 1) * x * p1 - k * p0) / (k + 1);
        p0 = p1;
        p1 = p2;
      }
      const pn = n === 1 ? x : p1;
      const pnMinus1 = n === 1 ? 1 : p0;
      derivative = (n * (x * pn - pnMinus1)) / (x * x - 1);
      const step = pn / derivative;
      x -= step;
      if (Math.abs(step) < 1e-15) break;
    }
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = weights[n - 1 - i] = 2 / ((1 - x * x) * derivative * derivative);
  }
  return { nodes, weights };
}
