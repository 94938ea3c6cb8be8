import type { RunReport } from '../core/report';
import { describeGuarantee } from '../text/guarantee';
import { describeJudge } from '../text/judge';
import { usd } from '../text/money';
import { count, interval, NO_FIGURE } from '../text/numbers';
import { describePlan, entryShare, planEntryDetail, planName, usedEntries } from '../text/plan';
import { costSentence, referenceOnlyNote, settingsSentence } from '../text/report';
import { PROFILING_HEADING, standing, USE_HEADING } from '../text/modelStatus';
import { textTable } from '../text/table';

/**
 * One row per model of a finished run: what profiling concluded, agreement
 * and bounds, calls (cached, and in batch mode those a batch engine
 * answered), cost, outputs, and how much of the rest the plan gave it (last,
 * being the longest text).
 */
export function modelTable(report: Pick<RunReport, 'models' | 'plan' | 'reference' | 'profiledItems'>): string {
  const models = report.models;
  const batch = models.some((m) => (m.batchCalls ?? 0) > 0);
  const header = [
    'model',
    PROFILING_HEADING.toLowerCase(),
    'agreed',
    'interval',
    'calls',
    'cached',
    ...(batch ? ['batch'] : []),
    'cost',
    'outputs',
    USE_HEADING.toLowerCase(),
  ];
  return textTable(
    header,
    models.map((m) => {
      const profiled = m.role === 'candidate' && m.n > 0;
      const words = standing(m, report);
      return [
        m.id,
        words.profiling,
        profiled ? `${count(m.agreements)}/${count(m.n)}` : NO_FIGURE,
        profiled && m.interval ? interval(m.interval) : NO_FIGURE,
        count(m.calls),
        count(m.cachedCalls),
        ...(batch ? [count(m.batchCalls ?? 0)] : []),
        usd(m.cost),
        count(m.itemsProduced),
        words.use,
      ];
    }),
    { textColumns: [0, 1, header.length - 1] },
  );
}

/** The plan in a sentence, then one line per entry with its share and what it rests on, as the panel's plan section shows it. */
function planLines(report: RunReport): string[] {
  return [
    describePlan(report.plan, report.reference, report.profiledItems),
    ...usedEntries(report.plan).map(
      (e) => `  ${planName(e.plan)} ${entryShare(report.plan, e)}: ${planEntryDetail(e, report.reference, report.target.accuracy)}`,
    ),
  ];
}

/** The readable summary of a finished run. */
export function formatReport(report: RunReport): string {
  return [
    modelTable(report),
    ...(report.judge ? [describeJudge(report.judge)] : []),
    '',
    ...planLines(report),
    costSentence(report),
    `${report.reference} alone ${referenceOnlyNote(report)}.`,
    `Guarantee: ${describeGuarantee(report)}`,
    settingsSentence(report),
  ].join('\n');
}
