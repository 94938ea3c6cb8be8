/**
 * The chosen plan for the items left after profiling: a stacked bar of each
 * model's share and the same in words.
 */
import type { MixEntry, Plan } from '../core/report';
import { h, s } from './dom';
import { count, level, pct } from './format';

/** How many segment colours (series-0 to series-4) the stylesheet has; the reference has its own, muted. */
const SERIES = 5;

function seriesClass(entry: MixEntry, index: number, reference: string): string {
  return entry.id === reference ? 'series-reference' : `series-${index % SERIES}`;
}

function entryDetail(entry: MixEntry, reference: string): string {
  if (entry.id === reference) return 'the reference itself';
  return `agreement at least ${pct(entry.lowerBound)} (holds with ${level(entry.level)} confidence)`;
}

/** The plan's contents: a sentence, the stacked bar and one line per model. */
export function planView(plan: Plan, reference: string, profiledItems: number): Node[] {
  const used = plan.entries.filter((e) => e.items > 0);
  const rest = used.reduce((sum, e) => sum + e.items, 0);
  if (used.length === 0) return [h('p', {}, `All ${count(profiledItems)} items were profiled, so every output is ${reference}'s.`)];

  const kind = plan.kind === 'mix' ? 'A mix of models' : plan.kind === 'naive' ? 'The reference alone' : 'One model';
  const intro = h(
    'p',
    {},
    profiledItems > 0
      ? `${kind} for the ${count(rest)} items left after profiling (the ${count(profiledItems)} profiled items keep ${reference}'s output).`
      : `${kind} for all ${count(rest)} items.`,
  );

  const description = used.map((e) => `${e.id} ${pct(e.share)}`).join(', ');
  const bar = s('svg', {
    class: 'plan-bar',
    viewBox: '0 0 1000 16',
    preserveAspectRatio: 'none',
    width: '100%',
    role: 'img',
    'aria-label': `Shares of the items after profiling: ${description}`,
  });
  let offset = 0;
  used.forEach((entry, i) => {
    const share = entry.items / rest;
    bar.append(s('rect', { class: `plan-segment ${seriesClass(entry, i, reference)}`, x: offset * 1000, y: 0, width: share * 1000, height: 16 }, s('title', {}, `${entry.id}: ${pct(entry.share)}`)));
    offset += share;
  });

  const list = h(
    'ul',
    { class: 'plan-entries' },
    ...used.map((entry, i) =>
      h(
        'li',
        {},
        h('span', { class: `swatch ${seriesClass(entry, i, reference)}`, 'aria-hidden': 'true' }),
        h('span', { class: 'plan-model' }, entry.id),
        h('span', { class: 'plan-share' }, `${pct(entry.share)} · ${count(entry.items)} ${entry.items === 1 ? 'item' : 'items'}`),
        h('span', { class: 'plan-detail' }, entryDetail(entry, reference)),
      ),
    ),
  );
  return [intro, bar, list];
}
