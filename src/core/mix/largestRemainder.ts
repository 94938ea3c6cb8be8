/**
 * Splits `total` items into whole counts proportional to `shares` by the
 * largest remainder method (Hamilton's apportionment), the step that turns
 * ModelMix's shares into item counts (ARCHITECTURE.md, "The paper's strategies"): each share first
 * gets floor(total * share), then the items left over go one each to the
 * largest fractional remainders, ties to the lower index.
 *
 * Shares must be non-negative and finite; they are normalised by their sum.
 * The counts sum exactly to `total`, each is within one of its quota
 * total * share / sum, and a larger quota never gets fewer items than a
 * smaller one. (Like every quota method, it can give a share fewer items when
 * the total grows: the Alabama paradox.)
 */
export function largestRemainder(total: number, shares: readonly number[]): number[] {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a non-negative integer, got ${total}`);
  if (!shares.every((s) => Number.isFinite(s) && s >= 0)) throw new RangeError(`shares must be finite and non-negative, got ${shares.join(', ')}`);
  const sum = shares.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) {
    if (total === 0) return shares.map(() => 0);
    throw new RangeError(`cannot split ${total} items over shares that are all zero`);
  }
  const quotas = shares.map((s) => (total * s) / sum);
  const counts = quotas.map(Math.floor);
  // The quotas sum to `total` up to rounding, and each remainder is below 1,
  // so between 0 and shares.length items are left over.
  const left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = quotas.map((q, i) => ({ i, remainder: q - counts[i] })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of byRemainder.slice(0, left)) counts[i]++;
  return counts;
}
