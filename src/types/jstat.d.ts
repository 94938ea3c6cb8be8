// The few jStat functions Smart uses (jstat ships no type declarations).
declare module 'jstat' {
  export const jStat: {
    /** Regularized incomplete beta function I_x(a, b). */
    ibeta(x: number, a: number, b: number): number;
    /** ln B(a, b). */
    betaln(a: number, b: number): number;
    /** ln C(n, k), the log of the binomial coefficient. */
    combinationln(n: number, k: number): number;
    beta: {
      /** Quantile of Beta(a, b): the x with I_x(a, b) = p. */
      inv(p: number, a: number, b: number): number;
    };
    hypgeom: {
      /** P(X = k) for X the successes in n draws without replacement from N items of which m are successes. */
      pdf(k: number, N: number, m: number, n: number): number;
      /** P(X <= k), the same X. */
      cdf(k: number, N: number, m: number, n: number): number;
    };
    normal: {
      /** Cumulative distribution function of Normal(mean, std^2). */
      cdf(x: number, mean: number, std: number): number;
      /** Quantile of Normal(mean, std^2). */
      inv(p: number, mean: number, std: number): number;
    };
  };
}
