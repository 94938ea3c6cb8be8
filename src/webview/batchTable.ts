/**
 * The run's batches at the providers' batch engines, one row each: model,
 * endpoint, requests, stage, requests done and failed, age, and the
 * provider's id (to look the batch up in the provider's console). It uses
 * the model table's layout, rows turning into cards in narrow panels.
 */
import type { BatchesProgress, BatchRow } from '../core/report';
import { age, batchesLine, isOpen, stageWord } from '../text/batch';
import { count, NO_FIGURE } from '../text/numbers';
import { h } from './dom';

const COLUMNS = ['Model', 'Stage', 'Requests', 'Done', 'Failed', 'Age', 'Batch'] as const;

type Column = (typeof COLUMNS)[number];

function alignment(column: Column): string {
  return column === 'Model' || column === 'Stage' || column === 'Batch' ? 'text' : 'num';
}

function cell(column: Column, content: Node | string): HTMLTableCellElement {
  return h('td', { 'data-label': column, class: alignment(column) }, content);
}

/** How a row is coloured: sent and not yet collected, collected, ended badly, or not sent yet. */
function rowClass(batch: BatchRow): string {
  if (batch.stage === 'failed' || batch.stage === 'expired' || batch.stage === 'cancelled' || batch.stage === 'cancelling') return 'batch-problem';
  if (batch.downloaded) return 'batch-done';
  return isOpen(batch) && batch.batchId !== undefined ? 'batch-open' : 'batch-waiting';
}

/** The summary line and the table of batches; `nowMs` dates their age. */
export function batchTable(progress: BatchesProgress, nowMs: number): Node[] {
  const rows = progress.batches.map((b) =>
    h(
      'tr',
      { class: rowClass(b) },
      h(
        'th',
        { scope: 'row', class: 'text model-id' },
        b.model,
        h('span', { class: 'status-note' }, b.attempt > 1 ? `${b.endpoint}, attempt ${b.attempt}` : b.endpoint),
      ),
      cell('Stage', h('span', { class: 'status-word' }, h('span', { class: 'status-mark', 'aria-hidden': 'true' }), stageWord(b.stage))),
      cell('Requests', count(b.requests)),
      cell('Done', count(b.completed)),
      cell('Failed', count(b.failed)),
      cell('Age', b.createdAt === undefined ? NO_FIGURE : age(b.createdAt, nowMs)),
      cell('Batch', b.batchId === undefined ? NO_FIGURE : h('span', { class: 'batch-id' }, b.batchId)),
    ),
  );
  return [
    h('p', { class: 'batches-summary' }, batchesLine(progress)),
    h(
      'div',
      { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Batches' },
      h(
        'table',
        { class: 'batches data-table' },
        h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col', class: alignment(c) }, c)))),
        h('tbody', {}, ...rows),
      ),
    ),
  ];
}
