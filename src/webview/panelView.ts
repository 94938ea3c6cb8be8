/**
 * The cost panel's page. Its frame (headings, status line, buttons, section
 * shells) is built once, so that keyboard focus and the live region survive
 * the many state updates of a run; each update refills the sections.
 */
import type { AuditLabel } from '../core/report';
import type { AuditView, PanelMessage, PanelState, RunStatus } from '../protocol/panelProtocol';
import { batchTable } from './batchTable';
import { progressCosts, reportCosts } from './costSummary';
import { boundName, intervalsRole } from '../text/bounds';
import { STATUS_WORDS, statusKind, type StatusKind } from '../text/modelStatus';
import { level } from '../text/numbers';
import { describeTarget, seedWords } from '../text/report';
import { RUN_STATUS_WORDS } from '../text/runStatus';
import { h } from './dom';
import { auditKey, auditLastWords, auditView } from './auditView';
import { disagreementsView } from './disagreementsView';
import { guaranteeView } from './guaranteeView';
import { intervalChart } from './intervalChart';
import { modelTable } from './modelTable';
import { planView } from './planView';
import { factsOf, progressText, statusPhrase, type RunFacts } from './runFacts';

const STATUS_LABELS: Readonly<Record<RunStatus, string>> = RUN_STATUS_WORDS;

/** A section with a heading and a body to refill. */
class Section {
  readonly element: HTMLElement;
  readonly body: HTMLElement;
  private readonly heading: HTMLHeadingElement;

  constructor(id: string, title: string) {
    this.heading = h('h2', { id: `${id}-heading` }, title);
    this.body = h('div', { class: 'section-body' });
    this.element = h('section', { class: `section section-${id}`, 'aria-labelledby': `${id}-heading` }, this.heading, this.body);
  }

  set title(text: string) {
    this.heading.textContent = text;
  }

  fill(...nodes: Node[]): void {
    this.body.replaceChildren(...nodes);
  }
}

function button(label: string, primary: boolean, onClick: () => void): HTMLButtonElement {
  const b = h('button', { type: 'button', class: primary ? 'button' : 'button secondary' }, label);
  b.addEventListener('click', onClick);
  return b;
}

/** The panel: renders each state the host sends into `root`. */
export class PanelView {
  private readonly empty: HTMLElement;
  private readonly runRoot: HTMLElement;
  private readonly failure = h('p', { class: 'message message-error', role: 'alert' });
  private readonly title = h('h1', { class: 'run-input' });
  private readonly settings = h('p', { class: 'run-settings' });
  private readonly target = h('p', { class: 'run-target' });
  private readonly badge = h('span', { class: 'badge' });
  private readonly live = h('span', { class: 'status-phrase' });
  private readonly statusLine = h('p', { class: 'status-line', role: 'status', 'aria-live': 'polite' }, this.badge, this.live);
  private readonly progressBar = h('progress', { class: 'run-progress', 'aria-label': 'Items done' });
  private readonly progressLine = h('p', { class: 'run-counts' });
  private readonly openOutput: HTMLButtonElement;
  private readonly openReport: HTMLButtonElement;
  private readonly cancel: HTMLButtonElement;
  private readonly profileAgain: HTMLButtonElement;
  private readonly batches = new Section('batches', 'Batches');
  private readonly cost = new Section('cost', 'Cost');
  private readonly chart = new Section('agreement', 'Agreement');
  private readonly plan = new Section('plan', 'Plan');
  private readonly guarantee = new Section('guarantee', 'Guarantee');
  private readonly disagreements = new Section('disagreements', 'Where they disagreed');
  private readonly audit = new Section('audit', 'Audit of the judge');
  // Kept across updates, so that a screen reader hears each label's outcome.
  private readonly auditLast = h('p', { class: 'audit-last', role: 'status', 'aria-live': 'polite' });
  /** The pair shown to label, and the one a label was just posted for (a second key press before the host answers is ignored). */
  private auditPair: string | undefined;
  private auditPosted: string | undefined;
  private readonly models = new Section('models', 'Models');
  private readonly chartBox = h('div', { class: 'chart-box' });
  private readonly chartCaption = h('p', { class: 'note' });
  private readonly chartLegend = h('ul', { class: 'legend' });
  // Kept across updates, with its scroll position; focusable so that keyboard users can scroll a table wider than the panel.
  private readonly tableBox = h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Models' });
  private facts: RunFacts | undefined;
  private chartWidth = 0;
  private readonly label: (key: string, label: AuditLabel) => void;

  constructor(
    private readonly root: HTMLElement,
    post: (message: PanelMessage) => void,
  ) {
    this.openOutput = button('Open output', true, () => post({ type: 'openOutput' }));
    this.openReport = button('Open report', false, () => post({ type: 'openReport' }));
    this.cancel = button('Cancel run', false, () => post({ type: 'cancel' }));
    this.profileAgain = button('Profile a dataset…', false, () => post({ type: 'profile' }));
    this.label = (key, label) => {
      if (this.auditPosted === key) return;
      this.auditPosted = key;
      post({ type: 'auditLabel', key, label });
    };
    document.addEventListener('keydown', (event) => {
      const label = this.auditPair === undefined || event.repeat ? undefined : auditKey(event);
      if (!label) return;
      event.preventDefault();
      this.label(this.auditPair!, label);
    });

    this.empty = h(
      'div',
      { class: 'empty' },
      h('h1', {}, 'No run yet'),
      h(
        'p',
        {},
        'Profile a JSONL dataset: Smart compares cheaper models with your reference model on a random sample, ' +
          'then runs the cheapest model or mix whose outputs meet your agreement target with the confidence you set. Costs, intervals and the guarantee appear here as the run goes.',
      ),
      button('Profile a dataset…', true, () => post({ type: 'profile' })),
    );

    this.chart.fill(this.chartCaption, this.chartBox, this.chartLegend);
    this.models.fill(this.tableBox);
    this.runRoot = h(
      'div',
      { class: 'run' },
      h(
        'header',
        { class: 'run-header' },
        this.title,
        this.settings,
        this.target,
        this.statusLine,
        this.progressBar,
        this.progressLine,
        h('div', { class: 'actions' }, this.openOutput, this.openReport, this.cancel, this.profileAgain),
      ),
      this.batches.element,
      this.cost.element,
      this.chart.element,
      this.plan.element,
      this.guarantee.element,
      this.audit.element,
      this.disagreements.element,
      this.models.element,
    );
    root.replaceChildren(this.failure, this.empty, this.runRoot);
    this.failure.hidden = true;
    this.empty.hidden = true;
    this.runRoot.hidden = true;

    // Redraw the chart at its new width so that its text keeps its size.
    new ResizeObserver(() => {
      const width = this.chartBox.clientWidth;
      if (width > 0 && Math.abs(width - this.chartWidth) >= 1) this.drawChart();
    }).observe(this.chartBox);
  }

  /**
   * Shows a state. One that cannot be drawn (say, a report from disk written by
   * another version) is reported in the panel instead of leaving it half drawn.
   */
  render(state: PanelState): void {
    try {
      this.draw(state);
      this.failure.hidden = true;
    } catch (error) {
      this.failure.textContent = `The panel could not show this run: ${error instanceof Error ? error.message : String(error)}`;
      this.failure.hidden = false;
      this.empty.hidden = true;
      this.runRoot.hidden = true;
    }
  }

  private draw(state: PanelState): void {
    const run = state.run;
    this.root.dataset.runStatus = run ? run.status : 'none';
    this.empty.hidden = run !== undefined;
    this.runRoot.hidden = run === undefined;
    if (!run) {
      this.facts = undefined;
      return;
    }
    const facts = factsOf(run);
    this.facts = facts;
    this.drawHeader(facts);

    this.batches.element.hidden = run.batches === undefined;
    if (run.batches) this.batches.fill(...batchTable(run.batches, Date.now()));

    const report = run.report;
    if (report) this.cost.fill(...reportCosts(report));
    else if (facts.progress) this.cost.fill(...progressCosts(facts.progress, run.reference, run.status === 'running'));
    else if (run.preview)
      this.cost.fill(h('p', {}, 'No calls yet. The cost preview:'), h('ul', { class: 'cost-preview' }, ...run.preview.map((line) => h('li', {}, line))));
    else this.cost.fill(h('p', {}, 'No calls yet.'));

    this.chart.title = `Agreement with ${run.reference}`;
    this.chartCaption.textContent =
      `${level(run.target.confidence)} confidence intervals (${boundName(run.intervals)}) on each candidate's agreement with ${run.reference}${intervalsRole(run.bound)}; ` +
      `the dot is the share of profiled items that agreed, the line the ${level(run.target.accuracy)} target.`;
    this.drawChart();

    const profiledItems = report?.profiledItems ?? facts.progress?.profiledItems ?? 0;
    if (facts.plan) this.plan.fill(...planView(facts.plan, run.reference, profiledItems, run.target.accuracy));
    else
      this.plan.fill(
        h(
          'p',
          {},
          facts.live
            ? 'The plan is chosen when profiling ends.'
            : run.status === 'declined'
              ? 'No plan: the run did not start.'
              : 'No plan: profiling did not finish.',
        ),
      );

    this.guarantee.fill(...guaranteeView(facts));
    this.disagreements.element.hidden = run.disagreements === undefined;
    if (run.disagreements) this.disagreements.fill(...disagreementsView(run.disagreements, run.reference));
    this.drawAudit(run.audit, run.reference);
    this.tableBox.replaceChildren(modelTable(facts.models, { reference: run.reference, plan: facts.plan, profiling: facts.profiling, profiledItems }));
  }

  private drawAudit(audit: AuditView | undefined, reference: string): void {
    this.audit.element.hidden = audit === undefined;
    this.auditPair = audit?.pair?.key;
    this.auditPosted = undefined;
    if (!audit) return;
    // A label's buttons are replaced with the next pair's: keep a keyboard user's focus in the section.
    const hadFocus = this.audit.element.contains(document.activeElement) && document.activeElement !== document.body;
    this.audit.fill(...auditView(audit, reference, this.auditLast, this.label));
    const words = auditLastWords(audit);
    if (this.auditLast.textContent !== words) this.auditLast.textContent = words;
    if (hadFocus) this.audit.element.querySelector<HTMLButtonElement>('.audit-actions button')?.focus();
  }

  private drawHeader(facts: RunFacts): void {
    const { run, progress } = facts;
    this.title.textContent = run.input;
    this.settings.textContent = [
      `Strategy ${run.strategy}`,
      boundName(run.bound),
      ...(run.report ? [seedWords(run.report)] : []),
      ...(run.dataset ? [run.dataset] : []),
    ].join(' · ');
    this.target.textContent = `Target: ${describeTarget(run.target, run.reference)}`;

    // Only touch the live region when its words change, or it would announce every item.
    const lineClass = `status-line status-line-${run.status}`;
    if (this.statusLine.className !== lineClass) this.statusLine.className = lineClass;
    if (this.badge.textContent !== STATUS_LABELS[run.status]) this.badge.textContent = STATUS_LABELS[run.status];
    const phrase = statusPhrase(facts);
    if (this.live.textContent !== phrase) this.live.textContent = phrase;

    const total = run.report?.items ?? progress?.itemsTotal ?? 0;
    const done = run.report ? run.report.items : (progress?.itemsDone ?? 0);
    this.progressBar.hidden = total === 0;
    this.progressBar.max = Math.max(1, total);
    this.progressBar.value = done;
    this.progressLine.textContent = progressText(facts);

    this.openOutput.disabled = !run.canOpenOutput;
    this.openReport.disabled = !run.canOpenReport;
    // While the cost preview waits, its own dialog takes the answer.
    this.cancel.hidden = run.status !== 'running' && run.status !== 'preparing';
    this.profileAgain.hidden = facts.live;
  }

  private drawChart(): void {
    const facts = this.facts;
    if (!facts) return;
    const { run } = facts;
    const candidates = facts.models.filter((m) => m.role === 'candidate');
    if (candidates.length === 0) {
      this.chartBox.replaceChildren(h('p', {}, `No candidates: ${run.reference} runs on every item.`));
      this.chartLegend.replaceChildren();
      return;
    }
    this.chartWidth = this.chartBox.clientWidth;
    this.chartBox.replaceChildren(
      intervalChart({
        models: candidates,
        reference: run.reference,
        target: run.target.accuracy,
        confidence: run.target.confidence,
        profiling: facts.profiling,
        plan: facts.plan,
        // Before the first layout (a hidden panel) the box has no width yet; the observer redraws.
        width: this.chartWidth || 480,
      }),
    );
    const kinds = [...new Set(candidates.map((m): StatusKind => statusKind(m, facts.profiling, facts.plan)))];
    this.chartLegend.replaceChildren(
      ...kinds.map((kind) => h('li', { class: `status-${kind}` }, h('span', { class: 'legend-mark', 'aria-hidden': 'true' }), STATUS_WORDS[kind])),
    );
  }
}
