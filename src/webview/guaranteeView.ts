/** The guarantee section: the report's sentence, or what is known before there is one. */
import { describeGuarantee } from '../text/guarantee';
import { level, percent } from '../text/numbers';
import { h } from './dom';
import type { RunFacts } from './runFacts';

/** The guarantee in one plain sentence (the one the report file holds), with a note on what it is about. */
export function guaranteeView(facts: RunFacts): Node[] {
  const { run, plan } = facts;
  const report = run.report;
  if (report) {
    const g = report.guarantee;
    return [
      h('p', { class: g.met ? 'guarantee' : 'guarantee guarantee-unmet' }, !g.met && 'Target not met. ', describeGuarantee(report)),
      h(
        'p',
        { class: 'note' },
        `Agreement means the same answer as ${report.reference} under the run's comparison rule, not correctness; ` +
          'the confidence is over the random order in which items were profiled.',
      ),
    ];
  }
  if (!facts.live) return [h('p', {}, 'No guarantee: the run did not finish.')];
  if (!plan) return [h('p', {}, 'The guarantee is decided when profiling ends.')];
  return [
    h(
      'p',
      {},
      `The plan keeps agreement with ${run.reference} at ${percent(plan.agreementLowerBound)} or more, with ${level(plan.confidence)} confidence; ` +
        'the full statement comes with the report when the run finishes.',
    ),
  ];
}
