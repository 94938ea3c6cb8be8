/**
 * The chosen plan for the items left after profiling: a stacked bar of each
 * model's share and the same in words.
 */
import { planModels } from '../core/plans/planSpec';
import type { MixEntry, Plan } from '../core/report';
import { describePlan, entryShare, planAction, planEntryDetail, planName, planShares, shareOfRest, usedEntries } from '../text/plan';
import { h, keepNamesWhole, s } from './dom';

/** How many segment colours (series-0 to series-4) the stylesheet has; the reference has its own, muted. */
const SERIES = 5;

function seriesClass(entry: MixEntry, index: number, reference: string): string {
  return entry.id === reference ? 'series-reference' : `series-${index % SERIES}`;
}

/** The plan's contents: a sentence, the stacked bar and one line per model; `target` is the agreement target, for the whole file. */
export function planView(plan: Plan, reference: string, profiledItems: number, target: number): Node[] {
  const used = usedEntries(plan);
  const names = [reference, ...used.flatMap((e) => planModels(e.plan))];
  const intro = h('p', {}, ...keepNamesWhole(describePlan(plan, reference, profiledItems), names));
  if (used.length === 0) return [intro];

  const rest = used.reduce((sum, e) => sum + e.items, 0);
  const bar = s('svg', {
    class: 'plan-bar',
    viewBox: '0 0 1000 16',
    preserveAspectRatio: 'none',
    width: '100%',
    role: 'img',
    'aria-label': `Shares of the items after profiling: ${planShares(plan)}`,
  });
  let offset = 0;
  used.forEach((entry, i) => {
    const share = entry.items / rest;
    bar.append(
      s(
        'rect',
        { class: `plan-segment ${seriesClass(entry, i, reference)}`, x: offset * 1000, y: 0, width: share * 1000, height: 16 },
        s('title', {}, `${planName(entry.plan)}: ${shareOfRest(plan, [entry])}`),
      ),
    );
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
        h('span', { class: 'plan-model', title: planAction(entry.plan) }, planName(entry.plan)),
        h('span', { class: 'plan-share' }, entryShare(plan, entry)),
        h('span', { class: 'plan-detail' }, ...keepNamesWhole(planEntryDetail(entry, reference, target), names)),
      ),
    ),
  );
  return [intro, bar, list];
}
