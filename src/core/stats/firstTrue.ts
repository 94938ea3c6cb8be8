/** The search every exact bound here ends with: a monotone test over whole numbers, resolved from a guess. */

/**
 * The least s in 0..n + 1 where `at` holds, for `at` false then true along s
 * (s < 0 counts as false, s > n as true). Gallops from `guess` by steps 1, 2,
 * 4, ... until the change is bracketed, then bisects: a guess off by d costs
 * about 2 log2(d) + 2 tests, a plain bisection of 0..n about log2(n).
 */
export function firstTrue(at: (s: number) => boolean, n: number, guess: number): number {
  const test = (s: number): boolean => s > n || (s >= 0 && at(s));
  const start = Number.isFinite(guess) ? Math.min(n + 1, Math.max(0, Math.round(guess))) : n >> 1;
  let lo: number;
  let hi: number;
  let step = 1;
  if (test(start)) {
    hi = start;
    lo = start - 1;
    while (lo >= 0 && test(lo)) {
      hi = lo;
      step *= 2;
      lo = hi - step;
    }
    lo = Math.max(lo, -1);
  } else {
    lo = start;
    hi = start + 1;
    while (hi <= n && !test(hi)) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    hi = Math.min(hi, n + 1);
  }
  // Invariant: test(lo) is false, test(hi) is true.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (test(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
