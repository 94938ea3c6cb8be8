/**
 * A person's audit of the judge: where it stands, the pair to label next
 * (the prompt and both outputs, the judge's verdict kept back until the
 * person has answered) and buttons for the labels, also on the keys A, D, S.
 */
import type { AuditLabel } from '../core/report';
import type { AuditView } from '../protocol/panelProtocol';
import { AUDIT_KEYS, AUDIT_QUESTION, auditLastLabel, auditPairHeading } from '../text/audit';
import { h } from './dom';

/** The words and key of each label's button. */
const BUTTONS: readonly { readonly label: AuditLabel; readonly words: string }[] = Object.entries(AUDIT_KEYS).map(([key, label]) => ({
  label,
  words: `${label[0].toUpperCase()}${label.slice(1)} (${key.toUpperCase()})`,
}));

/** The line that says how the last pair was labelled and what the judge had said ('' before any). */
export function auditLastWords(audit: AuditView): string {
  return audit.last ? auditLastLabel(audit.last) : '';
}

/**
 * The audit's statement, the line on the last label (`lastLine`, kept by the
 * caller across updates) and the pair to label next, if any; `label` is
 * called with the pair's key and the label a button gives.
 */
export function auditView(audit: AuditView, reference: string, lastLine: HTMLElement, label: (key: string, label: AuditLabel) => void): Node[] {
  const pair = audit.pair;
  return [
    h('p', { class: audit.done ? `guarantee audit-statement${audit.met ? '' : ' guarantee-unmet'}` : 'audit-statement' }, audit.statement),
    lastLine,
    ...(pair
      ? [
          h(
            'div',
            { class: 'audit-pair', 'data-key': pair.key },
            h('p', { class: 'audit-heading' }, auditPairHeading(pair, audit.labelled + 1, audit.total)),
            textBlock('Prompt', pair.input),
            textBlock(reference, pair.referenceOutput),
            textBlock(pair.model, pair.candidateOutput),
            h('p', { class: 'audit-question' }, AUDIT_QUESTION),
            h(
              'div',
              { class: 'actions audit-actions' },
              ...BUTTONS.map((b) => {
                const button = h('button', { type: 'button', class: b.label === 'skip' ? 'button secondary' : 'button', 'data-label': b.label }, b.words);
                button.addEventListener('click', () => label(pair.key, b.label));
                return button;
              }),
            ),
          ),
        ]
      : []),
  ];
}

/** The label a key press gives, if any: the plain keys a, d and s. */
export function auditKey(event: KeyboardEvent): AuditLabel | undefined {
  if (event.ctrlKey || event.metaKey || event.altKey) return undefined;
  return AUDIT_KEYS[event.key.toLowerCase()];
}

function textBlock(title: string, text: string): HTMLElement {
  return h(
    'div',
    { class: 'audit-block' },
    h('p', { class: 'audit-block-title' }, title),
    h('pre', { class: 'audit-text', tabindex: 0, 'aria-label': title }, text),
  );
}
