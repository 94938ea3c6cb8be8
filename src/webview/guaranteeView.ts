/** The guarantee section: the report's sentence, or what is known before there is one. */
import { agreementNote, describeGuarantee, GUARANTEE_PENDING, NO_GUARANTEE, planGuarantee, TARGET_NOT_MET } from '../text/guarantee';
import { h, keepNamesWhole } from './dom';
import type { RunFacts } from './runFacts';

/** The guarantee in one plain sentence (the one the report file holds), with a note on what it is about. */
export function guaranteeView(facts: RunFacts): Node[] {
  const { run, plan } = facts;
  const report = run.report;
  if (report) {
    const g = report.guarantee;
    return [
      h(
        'p',
        { class: g.met ? 'guarantee' : 'guarantee guarantee-unmet' },
        !g.met && TARGET_NOT_MET,
        ...keepNamesWhole(
          describeGuarantee(report),
          report.models.map((m) => m.id),
        ),
      ),
      h('p', { class: 'note' }, agreementNote(report.reference, g.about, g.judgedBy)),
    ];
  }
  if (!facts.live) return [h('p', {}, NO_GUARANTEE)];
  if (!plan) return [h('p', {}, GUARANTEE_PENDING)];
  return [h('p', {}, planGuarantee(plan, run.reference, facts.progress?.judge))];
}
