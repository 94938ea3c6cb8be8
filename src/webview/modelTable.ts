/**
 * One row per model: what profiling concluded about it, agreements, interval,
 * calls, tokens, cost, how many outputs it produced and how much of the rest
 * the plan gives it. At narrow widths the stylesheet turns rows into cards,
 * labelling each cell from `data-label`.
 */
import type { ModelSummary, Plan } from '../core/report';
import { usd } from '../text/money';
import { PROFILING_HEADING, STATUS_WORDS, statusKind, USE_HEADING } from '../text/modelStatus';
import { count, interval, NO_FIGURE, tokens } from '../text/numbers';
import { modelUse } from '../text/plan';
import { h } from './dom';

const COLUMNS = ['Model', PROFILING_HEADING, 'Agreed', 'Interval', 'Calls (cached)', 'Tokens in / out', 'Cost', 'Outputs', USE_HEADING] as const;

type Column = (typeof COLUMNS)[number];

/** Text columns are left-aligned and may wrap between words; numbers are right-aligned and never wrap. */
function alignment(column: Column): string {
  return column === 'Model' || column === PROFILING_HEADING || column === USE_HEADING ? 'text' : 'num';
}

function cell(column: Column, content: Node | string): HTMLTableCellElement {
  return h('td', { 'data-label': column, class: alignment(column) }, content);
}

/** What the table needs besides the models. */
export interface ModelTableContext {
  readonly reference: string;
  /** Absent until profiling ends: the Use column then has no figure. */
  readonly plan: Plan | undefined;
  readonly profiling: boolean;
  readonly profiledItems: number;
}

/** The table of models. */
export function modelTable(models: readonly ModelSummary[], context: ModelTableContext): HTMLElement {
  const { reference, plan, profiling, profiledItems } = context;
  const rows = models.map((m) => {
    const kind = statusKind(m, profiling, plan);
    const profiled = m.role === 'candidate' && m.n > 0;
    return h(
      'tr',
      { class: `status-${kind}` },
      h('th', { scope: 'row', class: 'text model-id' }, m.id),
      cell(
        PROFILING_HEADING,
        h('span', { class: 'status-word' }, h('span', { class: 'status-mark', 'aria-hidden': 'true' }), h('span', {}, STATUS_WORDS[kind])),
      ),
      cell('Agreed', profiled ? `${count(m.agreements)}/${count(m.n)}` : NO_FIGURE),
      cell('Interval', profiled && m.interval ? interval(m.interval) : NO_FIGURE),
      cell('Calls (cached)', `${count(m.calls)} (${count(m.cachedCalls)})`),
      cell('Tokens in / out', `${tokens(m.inputTokens)} / ${tokens(m.outputTokens)}`),
      cell('Cost', usd(m.cost)),
      cell('Outputs', count(m.itemsProduced)),
      cell(USE_HEADING, h('span', { class: 'use-word' }, plan ? modelUse(m.id, plan, reference, profiledItems) : NO_FIGURE)),
    );
  });
  return h(
    'table',
    { class: 'models data-table' },
    h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col', class: alignment(c) }, c)))),
    h('tbody', {}, ...rows),
  );
}
