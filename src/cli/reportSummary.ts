import type { ModelSummary, RunReport } from '../core/report';
import { describeGuarantee } from '../text/guarantee';
import { usd } from '../text/money';
import { count, interval, NO_FIGURE } from '../text/numbers';
import { describePlan, planShares } from '../text/plan';
import { costSentence, settingsSentence } from '../text/report';
import { statusWord } from '../text/modelStatus';
import { textTable } from '../text/table';

/** One row per model of a finished run: standing, agreement and bounds, calls (cached, and in batch mode those a batch engine answered) and cost. */
export function modelTable(models: readonly ModelSummary[]): string {
  const batch = models.some((m) => (m.batchCalls ?? 0) > 0);
  return textTable(
    ['model', 'status', 'agreed', 'interval', 'calls', 'cached', ...(batch ? ['batch'] : []), 'cost', 'outputs'],
    models.map((m) => {
      const profiled = m.role === 'candidate' && m.n > 0;
      return [
        m.id,
        statusWord(m, false),
        profiled ? `${count(m.agreements)}/${count(m.n)}` : NO_FIGURE,
        profiled && m.interval ? interval(m.interval) : NO_FIGURE,
        count(m.calls),
        count(m.cachedCalls),
        ...(batch ? [count(m.batchCalls ?? 0)] : []),
        usd(m.cost),
        count(m.itemsProduced),
      ];
    }),
    { textColumns: 2 },
  );
}

/** The readable summary of a finished run. */
export function formatReport(report: RunReport): string {
  const shares = planShares(report.plan);
  return [
    modelTable(report.models),
    '',
    describePlan(report.plan, report.reference, report.profiledItems) + (shares ? ` Shares: ${shares}.` : ''),
    costSentence(report),
    `Guarantee: ${describeGuarantee(report)}`,
    settingsSentence(report),
  ].join('\n');
}
