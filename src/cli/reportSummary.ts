import { pct, textTable, usd } from '../text/format';
import type { ModelSummary, Plan, ProgressEvent, RunReport } from '../core/report';

function statusWord(m: ModelSummary): string {
  if (m.role === 'reference') return 'reference';
  if (m.status === 'satisfied') return 'meets target';
  if (m.status === 'invalid') return m.ruledOutBy === 'cost' ? 'stopped early' : 'below target';
  return m.n > 0 ? 'undecided' : 'not profiled';
}

/** One row per model: standing, agreement and bounds, calls and cost. */
export function modelTable(models: readonly ModelSummary[]): string {
  return textTable(
    ['model', 'status', 'agreed', 'interval', 'calls', 'cached', 'cost', 'outputs'],
    models.map((m) => [
      m.id,
      statusWord(m),
      m.role === 'reference' ? '-' : m.n > 0 ? `${m.agreements}/${m.n}` : '-',
      m.role === 'reference' || !m.interval ? '-' : `${pct(m.interval.lower)}..${pct(m.interval.upper)}`,
      String(m.calls),
      String(m.cachedCalls),
      usd(m.cost),
      String(m.itemsProduced),
    ]),
  );
}

export function describePlan(plan: Plan, profiledItems: number): string {
  const used = plan.entries.filter((e) => e.items > 0);
  if (used.length === 0) return `All ${profiledItems} items were profiled; nothing was left to assign.`;
  const parts = used.map((e) => `${e.id} ${pct(e.share)} (${e.items} items)`);
  return `${plan.kind === 'mix' ? 'Mix for' : 'Model for'} the ${used.reduce((s, e) => s + e.items, 0)} items after profiling: ${parts.join(', ')}`;
}

/** The readable summary of a finished run. */
export function formatReport(report: RunReport): string {
  return [
    modelTable(report.models),
    '',
    describePlan(report.plan, report.profiledItems),
    `Cost ${usd(report.totalCost)} (paid now ${usd(report.paidCost)}) vs ${usd(report.referenceOnlyCost)} for ${report.reference} alone: ${report.savings.toFixed(2)}x cheaper.`,
    `Guarantee: ${report.guarantee.statement}`,
    `Strategy ${report.strategy}, bound ${report.bound}, seed ${report.seed}, ${report.profiledItems} of ${report.items} items profiled, ${(report.timings.totalMs / 1000).toFixed(1)} s.`,
  ].join('\n');
}

/** A one-line progress summary. */
export function progressLine(e: ProgressEvent): string {
  const share = e.itemsTotal > 0 ? e.itemsDone / e.itemsTotal : 1;
  return (
    `${e.phase.padEnd(9)} ${e.itemsDone}/${e.itemsTotal} items (${pct(share, 0)}), ` +
    `${e.profiledItems} profiled | cost ${usd(e.costSoFar)} (reference alone ${usd(e.referenceOnlySoFar)}) | ` +
    `projected ${usd(e.projectedTotalCost)}, ${e.projectedSavings.toFixed(2)}x cheaper`
  );
}
