/** Where candidates disagreed with the reference: the report's sample, each item's prompt and both outputs. */
import type { DisagreementSample } from '../core/report';
import { disagreementHeading, disagreementLines, disagreementsIntro } from '../text/disagreements';
import { h } from './dom';

export function disagreementsView(samples: readonly DisagreementSample[], reference: string): Node[] {
  return [
    h('p', {}, disagreementsIntro(reference, samples.length, samples.length)),
    h(
      'ul',
      { class: 'disagreements' },
      ...samples.map((s) =>
        h(
          'li',
          {},
          h('p', { class: 'disagreement-heading' }, disagreementHeading(s)),
          ...disagreementLines(s, reference).map((line) => h('p', { class: 'disagreement-line' }, line)),
        ),
      ),
    ),
  ];
}
