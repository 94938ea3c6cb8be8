/**
 * Numbers as people read them, the same in the command line, the extension's
 * messages, the cost panel and the benchmarks. Fixed to en-US whatever the UI
 * language, so that every view shows the same figures; Intl rounds the decimal
 * value, so no float noise (0.57 shows as 57%, never 56.99999999999999%).
 */
import type { Interval } from '../core/types';

/** What stands where a figure cannot be given (NaN, an infinite ratio, no data). */
export const NO_FIGURE = '–';

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const DECIMALS = [1, 2].map((digits) => new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const PERCENT = [0, 1, 2].map((digits) => new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: digits }));
// Bounds round away from what they claim: a lower bound down, an upper bound up.
const PERCENT_DOWN = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1, roundingMode: 'floor' });
const PERCENT_UP = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1, roundingMode: 'ceil' });

/** A count with thousands separators: 12,345. */
export function count(x: number): string {
  return Number.isFinite(x) ? INTEGER.format(x) : NO_FIGURE;
}

/** A count and its noun, singular or plural: "1 item", "2,400 items". */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count(n)} ${n === 1 ? singular : pluralForm}`;
}

/** An item count: "1 item", "2,400 items". */
export function items(n: number): string {
  return plural(n, 'item');
}

/** A token count, compact from a million up: 19,425 or 12.3M. */
export function tokens(x: number): string {
  if (!Number.isFinite(x)) return NO_FIGURE;
  return Math.abs(x) >= 1e6 ? `${fixed(x / 1e6, 1)}M` : count(x);
}

/** A number with exactly `digits` decimals and thousands separators: 2.70, 12,345.68. */
export function fixed(x: number, digits: 1 | 2): string {
  return Number.isFinite(x) ? DECIMALS[digits - 1].format(x) : NO_FIGURE;
}

/**
 * A share as a percentage, with at most `digits` decimals and no trailing
 * zeros: 0.962 → "96.2%", 0.57 → "57%". Shares that round to zero show "0%",
 * never "-0%".
 */
export function percent(x: number, digits: 0 | 1 | 2 = 1): string {
  if (!Number.isFinite(x)) return NO_FIGURE;
  const text = PERCENT[digits].format(x);
  return text === '-0%' ? '0%' : text;
}

/**
 * A percentage with every digit its number has (up to 15 significant): a
 * confidence gate's threshold, which any rounding would move (0.99732 →
 * "99.732%", 0.99999999 → "99.999999%", where `level` says "100%").
 */
export function exactPercent(x: number): string {
  return Number.isFinite(x) ? PERCENT_EXACT.format(x) : NO_FIGURE;
}

const PERCENT_EXACT = new Intl.NumberFormat('en-US', { style: 'percent', maximumSignificantDigits: 15 });

/**
 * A lower bound as a percentage, rounded down, so that "at least 96.6%" stays
 * true of 2,320 of 2,400 (96.67%) and a count one short of a 95% target never
 * shows as 95%.
 */
export function percentAtLeast(x: number): string {
  return Number.isFinite(x) ? PERCENT_DOWN.format(x) : NO_FIGURE;
}

/** A target or confidence level: up to two decimals, so 0.975 → "97.5%" and 0.9995 → "99.95%". */
export function level(x: number): string {
  return percent(x, 2);
}

/** An interval as its two ends, each rounded outwards: "93.1%–98%". */
export function interval(i: Interval): string {
  const upper = Number.isFinite(i.upper) ? PERCENT_UP.format(i.upper) : NO_FIGURE;
  return `${percentAtLeast(i.lower)}–${upper}`;
}

/** A duration given in milliseconds, in seconds: "183.0 s". */
export function seconds(ms: number, digits: 1 | 2 = 1): string {
  return Number.isFinite(ms) ? `${fixed(ms / 1000, digits)} s` : NO_FIGURE;
}
