/**
 * Money, the one rule every view follows (USD, en-US):
 * - from a dollar up, cents with thousands separators: $1,234.50;
 * - under a dollar, four significant digits with trailing zeros trimmed, but
 *   at least two decimals: $0.0123, $0.01235 (from 0.012345), $0.059, $0.50.
 *   Runs often cost fractions of a dollar and one model's share fractions of
 *   a cent, so cents alone would show most figures as $0.00 or $0.01;
 * - a value that rounds up to a dollar is shown as one: 0.99996 → $1.00;
 * - zero is $0.00, a negative amount has a leading minus: -$0.25;
 * - NaN and infinities, which no cost should be, show as "–".
 */
import { fixed, NO_FIGURE, percent, plural } from './numbers';

const CENTS = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const SIGNIFICANT = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

/** An amount in USD (see the rule above). */
export function usd(x: number): string {
  if (!Number.isFinite(x)) return NO_FIGURE;
  const amount = Math.abs(x);
  if (amount === 0) return '$0.00';
  const sign = x < 0 ? '-' : '';
  const small = SIGNIFICANT.format(amount);
  // Compare the rounded text, not the value: 0.99996 rounds to "1" and takes the cents form.
  if (Number(small) < 1) return `${sign}$${atLeastTwoDecimals(small)}`;
  return `${sign}${CENTS.format(amount)}`;
}

function atLeastTwoDecimals(digits: string): string {
  const point = digits.indexOf('.');
  if (point < 0) return `${digits}.00`;
  return digits.length - point - 1 < 2 ? digits.padEnd(point + 3, '0') : digits;
}

/** A cost ratio with two decimals and an ASCII x: "2.70x". */
export function ratio(x: number): string {
  return Number.isFinite(x) && x > 0 ? `${fixed(x, 2)}x` : NO_FIGURE;
}

/**
 * A savings ratio (what the reference alone costs / what the run costs) in
 * words: "2.70x cheaper", or below 1 "1.03x more expensive".
 */
export function savings(x: number): string {
  if (!Number.isFinite(x) || x <= 0) return NO_FIGURE;
  return x >= 1 ? `${ratio(x)} cheaper` : `${ratio(1 / x)} more expensive`;
}

/** What a run saves against the reference alone, in dollars and as a share: "$0.239 less (47.5%)". */
export function saved(cost: number, referenceOnly: number): string {
  const diff = referenceOnly - cost;
  const share = referenceOnly > 0 ? ` (${percent(Math.abs(diff) / referenceOnly)})` : '';
  return diff >= 0 ? `${usd(diff)} less${share}` : `${usd(-diff)} more${share}`;
}

/** How much of a run's cost was paid now (and of it, for calls a batch engine answered) and how much came from the cache. */
export function paidNote(total: number, paid: number, batch?: { readonly calls: number; readonly cost: number }): string {
  const cached = total - paid;
  const batchPart = batch !== undefined && batch.calls > 0 ? `, of which ${usd(batch.cost)} for ${plural(batch.calls, 'batch call')}` : '';
  if (cached <= 0) return `all paid in this run${batchPart}`;
  return `paid now ${usd(paid)}${batchPart}${batchPart ? ';' : ','} ${usd(cached)} from the cache`;
}
