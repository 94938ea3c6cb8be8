/** Nodes (ascending) and weights of an n-point Gauss-Legendre rule on [-1, 1]. */
export interface QuadratureRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

/**
 * The n-point Gauss-Legendre rule: nodes x_i are the roots of the Legendre
 * polynomial P_n, weights w_i = 2 / ((1 - x_i^2) P_n'(x_i)^2), and
 * sum_i w_i f(x_i) equals the integral of f over [-1, 1] for every polynomial f
 * of degree up to 2n - 1 (Abramowitz & Stegun 25.4.29). Roots by Newton's
 * method from the estimate cos(pi (i - 1/4) / (n + 1/2)), P_n by the
 * recurrence (j + 1) P_{j+1} = (2j + 1) x P_j - j P_{j-1}, and
 * P_n' = n (x P_n - P_{n-1}) / (x^2 - 1) (Press et al., Numerical Recipes,
 * 3rd ed., section 4.6). Compute a rule once and reuse it.
 */
export function gaussLegendre(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`a rule needs a positive integer number of nodes, got ${n}`);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  // Roots come in pairs +/- x: find the positive ones (and 0 when n is odd).
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 1;
    for (let iteration = 0; iteration < 100; iteration++) {
      let previous = 1;
      let current = x;
      for (let j = 1; j < n; j++) {
        const next = ((2 * j + 1) * x * current - j * previous) / (j + 1);
        previous = current;
        current = next;
      }
      // Here current = P_n(x) and previous = P_{n-1}(x) (for n = 1: x and 1).
      derivative = (n * (x * current - previous)) / (x * x - 1);
      const step = current / derivative;
      x -= step;
      if (Math.abs(step) < 1e-15) break;
    }
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = weights[n - 1 - i] = 2 / ((1 - x * x) * derivative * derivative);
  }
  return { nodes, weights };
}
