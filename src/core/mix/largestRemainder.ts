/**
 * Splits `total` items into whole counts proportional to `shares` by the
 * largest remainder method (Hamilton's apportionment): each share first gets
 * floor(total * share), then the items left over go one each to the largest
 * fractional remainders (ties to the lower index). Shares need not sum to 1:
 * they are normalised; the counts always sum to `total`.
 */
export function largestRemainder(total: number, shares: readonly number[]): number[] {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a non-negative integer, got ${total}`);
  if (shares.some((s) => !(s >= 0) || !Number.isFinite(s))) throw new RangeError(`shares must be non-negative numbers, got ${shares.join(', ')}`);
  const sum = shares.reduce((a, b) => a + b, 0);
  if (shares.length === 0 || sum <= 0) {
    if (total === 0) return shares.map(() => 0);
    throw new RangeError('cannot split items over shares that are all zero');
  }
  const exact = shares.map((s) => (total * s) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, remainder: x - Math.floor(x) })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i]++;
    left--;
  }
  return counts;
}
