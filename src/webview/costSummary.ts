/**
 * The cost figures: during a run, cost so far beside what the reference alone
 * would have cost, the projected total and savings (from the progress event);
 * for a finished run, the report's totals.
 */
import type { JudgeSummary, ProgressEvent, RunReport } from '../core/report';
import { h } from './dom';
import { paidNote, saved, savings, usd } from '../text/money';
import { items } from '../text/numbers';
import { describeJudge } from '../text/judge';
import { batchShare, referenceOnlyNote } from '../text/report';

interface Figure {
  readonly label: string;
  readonly value: string;
  readonly note: string;
  /** Marks the figure the eye should land on. */
  readonly key?: boolean;
}

function figures(list: readonly Figure[]): HTMLElement {
  return h(
    'dl',
    { class: 'figures' },
    ...list.map((f) =>
      h(
        'div',
        { class: f.key ? 'figure figure-key' : 'figure' },
        h('dt', {}, f.label),
        h('dd', { class: 'figure-value' }, f.value),
        h('dd', { class: 'figure-note' }, f.note),
      ),
    ),
  );
}

/** Figures of a run in progress (or one that stopped before its report), and its judge's line when it has one. */
export function progressCosts(progress: ProgressEvent, reference: string, running: boolean): HTMLElement[] {
  // projectedSavings = reference-only cost of the whole file / projected total.
  const referenceWhole = progress.projectedSavings * progress.projectedTotalCost;
  const list: Figure[] = [
    {
      label: 'Cost so far',
      value: usd(progress.costSoFar),
      note: `${reference} alone: ${usd(progress.referenceOnlySoFar)} for these ${items(progress.itemsDone)}`,
    },
  ];
  if (running) {
    list.push(
      { label: 'Projected total', value: usd(progress.projectedTotalCost), note: `${reference} alone: ${usd(referenceWhole)}` },
      { label: 'Projected savings', value: savings(progress.projectedSavings), note: saved(progress.projectedTotalCost, referenceWhole), key: true },
    );
  }
  return [figures(list), ...judgeLine(progress.judge)];
}

/** Figures of a finished run, and its judge's line when it had one. */
export function reportCosts(report: RunReport): HTMLElement[] {
  return [
    figures([
      { label: 'Total cost', value: usd(report.totalCost), note: paidNote(report.totalCost, report.paidCost, batchShare(report.models)) },
      { label: `${report.reference} alone`, value: usd(report.referenceOnlyCost), note: referenceOnlyNote(report) },
      { label: 'Savings', value: savings(report.savings), note: saved(report.totalCost, report.referenceOnlyCost), key: true },
    ]),
    ...judgeLine(report.judge),
  ];
}

/** The judge's line under the figures: its calls count in them. */
function judgeLine(judge: JudgeSummary | undefined): HTMLElement[] {
  return judge ? [h('p', { class: 'note judge-line' }, describeJudge(judge))] : [];
}
