/**
 * One row per model: its standing in words, agreements, interval, calls,
 * tokens, cost and how many outputs it produced. At narrow widths the
 * stylesheet turns rows into cards, labelling each cell from `data-label`.
 */
import type { ModelSummary, Plan } from '../core/report';
import { usd } from '../text/money';
import { STATUS_WORDS, statusKind } from '../text/modelStatus';
import { count, interval, NO_FIGURE, tokens } from '../text/numbers';
import { planModels } from '../core/plans/planSpec';
import { planUse } from '../text/plan';
import { h } from './dom';

const COLUMNS = ['Model', 'Status', 'Agreed', 'Interval', 'Calls (cached)', 'Tokens in / out', 'Cost', 'Outputs'] as const;

type Column = (typeof COLUMNS)[number];

/** Text columns are left-aligned and may wrap; numbers are right-aligned and never wrap. */
function alignment(column: Column): string {
  return column === 'Model' || column === 'Status' ? 'text' : 'num';
}

function cell(column: Column, content: Node | string): HTMLTableCellElement {
  return h('td', { 'data-label': column, class: alignment(column) }, content);
}

/** Where a model sits in the plan, when a plan it is part of answers some of the rest. */
function planNote(model: ModelSummary, plan: Plan | undefined): string | undefined {
  if (model.role === 'reference' || !plan) return undefined;
  const entries = plan.entries.filter((e) => e.items > 0 && planModels(e.plan).includes(model.id));
  return entries.length > 0 ? planUse(entries) : undefined;
}

/** The table of models. */
export function modelTable(models: readonly ModelSummary[], plan: Plan | undefined, profiling: boolean): HTMLElement {
  const rows = models.map((m) => {
    const kind = statusKind(m, profiling);
    const note = planNote(m, plan);
    const profiled = m.role === 'candidate' && m.n > 0;
    return h(
      'tr',
      { class: `status-${kind}` },
      h('th', { scope: 'row', class: 'text model-id' }, m.id),
      cell(
        'Status',
        h(
          'span',
          { class: 'status-cell' },
          h('span', { class: 'status-word' }, h('span', { class: 'status-mark', 'aria-hidden': 'true' }), STATUS_WORDS[kind]),
          note && h('span', { class: 'status-note' }, note),
        ),
      ),
      cell('Agreed', profiled ? `${count(m.agreements)}/${count(m.n)}` : NO_FIGURE),
      cell('Interval', profiled && m.interval ? interval(m.interval) : NO_FIGURE),
      cell('Calls (cached)', `${count(m.calls)} (${count(m.cachedCalls)})`),
      cell('Tokens in / out', `${tokens(m.inputTokens)} / ${tokens(m.outputTokens)}`),
      cell('Cost', usd(m.cost)),
      cell('Outputs', count(m.itemsProduced)),
    );
  });
  return h(
    'table',
    { class: 'models data-table' },
    h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col', class: alignment(c) }, c)))),
    h('tbody', {}, ...rows),
  );
}
