// The few jStat functions Smart uses (jstat ships no type declarations).
declare module 'jstat' {
  export const jStat: {
    /** Regularized incomplete beta function I_x(a, b). */
    ibeta(x: number, a: number, b: number): number;
    /** ln B(a, b). */
    betaln(a: number, b: number): number;
    beta: {
      /** Quantile of Beta(a, b): the x with I_x(a, b) = p. */
      inv(p: number, a: number, b: number): number;
    };
    normal: {
      /** Cumulative distribution function of Normal(mean, std^2). */
      cdf(x: number, mean: number, std: number): number;
      /** Quantile of Normal(mean, std^2). */
      inv(p: number, mean: number, std: number): number;
    };
  };
}
