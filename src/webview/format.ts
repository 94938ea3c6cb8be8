/**
 * Number formats of the cost panel. Fixed to en-US so that what the panel
 * shows matches the command line and the report, whatever the UI language.
 */
import type { Interval } from '../core/types';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count with thousands separators: 12,345. */
export function count(x: number): string {
  return integer.format(x);
}

/** A token count, compact above a million: 19,425 or 12.3M. */
export function tokens(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : count(x);
}

/**
 * USD: cents from a dollar up; below, three significant digits, since runs
 * often cost fractions of a dollar and per-model costs fractions of a cent.
 */
export function usd(x: number): string {
  if (x === 0) return '$0.00';
  if (x < 0) return `−${usd(-x)}`;
  if (x < 1e-6) return '< $0.000001';
  if (x < 1) return `$${x.toPrecision(3).replace(/(\.\d\d\d*?)0+$/, '$1')}`;
  return `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A share as a percentage: 96.2%. */
export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** A target or confidence level, without trailing zeros: 95%, 97.5%. */
export function level(x: number): string {
  return `${(x * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}

/** An interval as its two ends: 93.1%–98.0%. */
export function interval(i: Interval): string {
  return `${pct(i.lower)}–${pct(i.upper)}`;
}

/** A cost ratio (reference-only cost / cost) in words: "1.27× cheaper" or "1.10× more expensive". */
export function savings(ratio: number): string {
  if (!Number.isFinite(ratio) || ratio <= 0) return '–';
  return ratio >= 1 ? `${ratio.toFixed(2)}× cheaper` : `${(1 / ratio).toFixed(2)}× more expensive`;
}

/** What a run saves against the reference alone, in dollars and as a share: "$0.03 less (21.3%)". */
export function saved(cost: number, referenceOnly: number): string {
  const diff = referenceOnly - cost;
  const share = referenceOnly > 0 ? ` (${pct(Math.abs(diff) / referenceOnly)})` : '';
  return diff >= 0 ? `${usd(diff)} less${share}` : `${usd(-diff)} more${share}`;
}
