import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BatchesProgress, CostPreview } from '../core/report';
import { boundOf, intervalBound } from '../core/types';
import type { AbortChoice } from '../job/batch/batchCoordinator';
import type { SmartConfig } from '../job/config';
import { jobFiles, runJob, type JobReport, type JobResult } from '../job/runJob';
import { stopReason } from '../job/stopReason';
import {
  batchesCancelled,
  batchesLeftRunning,
  batchesLine,
  batchesSent,
  CANCEL_CHOICES,
  cancelQuestion,
  openBatches,
  pendingBatchesBrief,
  pendingRun,
  waitingFor,
} from '../text/batch';
import { describeGuarantee } from '../text/guarantee';
import { savings, usd } from '../text/money';
import { describePreview, goAheadQuestion } from '../text/preview';
import { costSentence, datasetWords, describeTarget } from '../text/report';
import { InputError } from '../io/inputError';
import { datasetFormat, isSharded, shardsOf } from '../io/shards';
import { AWAITING_GO_AHEAD, PREPARING, RUN_STATUS_WORDS, STARTING } from '../text/runStatus';
import { describeStop } from '../text/stopReason';
import type { ApiKeys } from './apiKeys';
import { DATA_WRANGLER, dataWranglerOpens, openInDataWrangler, showOutput } from './dataViewer';
import { ProgressDisplay } from './progressDisplay';
import { showStopped } from './stopActions';
import { PANEL_VIEW_TYPE, type AuditView, type PanelState, type RunView } from '../protocol/panelProtocol';
import { auditFileFor, auditResult, pairKey, readLabels, saveLabel, type AuditLabel } from '../job/audit';
import { auditMet, auditStatement } from '../text/audit';

/** What is needed to start (or resume) a run. */
export interface RunRequest {
  readonly input: vscode.Uri;
  readonly config: SmartConfig;
  readonly force: boolean;
  /** Skip the cost confirmation (the caller already confirmed, or a test). */
  readonly yes?: boolean;
  /** Skip malformed lines (listed in the report) instead of stopping. */
  readonly skipInvalid?: boolean;
}

/** How the person cancelled a run, and what becomes of its batches at the provider. */
class RunCancelled extends vscode.CancellationError {
  constructor(readonly batches: AbortChoice) {
    super();
  }
}

/** What the panel shows of a run whatever its status. */
type RunBase = Omit<RunView, 'status'>;

/**
 * Owns the one run at a time: starts it on the shared job runner, shows its
 * progress (notification, status bar, panel state), cancels it, and remembers
 * it so that Resume Run can start it again, when the response cache answers
 * every call already made at no cost.
 */
export class RunController implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<PanelState>();
  /** Fires with the whole state after every change (the panel replays it). */
  readonly onDidChangeState = this.changed.event;
  private panelState: PanelState = {};
  private running: AbortController | undefined;
  private last: RunRequest | undefined;
  /** The editor group the last output was shown in: the next one goes there, not into yet another group. */
  private outputColumn: vscode.ViewColumn | undefined;
  private readonly statusBar: vscode.StatusBarItem;

  constructor(
    private readonly keys: ApiKeys,
    readonly log: vscode.LogOutputChannel,
    private readonly openOutputsWhenDone: () => boolean,
  ) {
    this.statusBar = vscode.window.createStatusBarItem('smart.status', vscode.StatusBarAlignment.Left, 10);
    this.statusBar.name = 'Smart';
    this.statusBar.command = 'smart.openCostPanel';
  }

  get state(): PanelState {
    return this.panelState;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** The report of the run shown, once written. */
  get lastReport(): vscode.Uri | undefined {
    const report = this.panelState.run?.report as JobReport | undefined;
    return report && this.panelState.run?.canOpenReport ? vscode.Uri.file(jobFiles(report.input).report) : undefined;
  }

  /** The output of the run shown, once written. */
  get lastOutput(): vscode.Uri | undefined {
    const report = this.panelState.run?.report as JobReport | undefined;
    return report && this.panelState.run?.canOpenOutput ? vscode.Uri.file(report.output) : undefined;
  }

  /**
   * Cancels the run. With batches in flight, asks whether to leave them
   * running at the provider (a resume collects them) or cancel them there,
   * unless `batches` says; backing out of the question leaves the run going.
   */
  async cancel(batches?: AbortChoice): Promise<void> {
    const running = this.running;
    if (!running) return;
    const open = this.panelState.run?.batches ? openBatches(this.panelState.run.batches) : 0;
    const choice = batches ?? (open > 0 ? await this.askAboutBatches(open) : 'leave');
    if (choice === undefined) return;
    running.abort(new RunCancelled(choice));
  }

  private async askAboutBatches(open: number): Promise<AbortChoice | undefined> {
    const { question, detail } = cancelQuestion(open);
    const picked = await vscode.window.showWarningMessage(`Smart: ${question}`, { modal: true, detail }, CANCEL_CHOICES.leave, CANCEL_CHOICES.cancel);
    return picked === CANCEL_CHOICES.leave ? 'leave' : picked === CANCEL_CHOICES.cancel ? 'cancel' : undefined;
  }

  /**
   * Offers to resume a run whose batches are still pending at the provider
   * (found on activation): Resume Run then starts it again.
   */
  offerResume(request: RunRequest, pending: number): void {
    if (this.running) return;
    this.last = request;
    void vscode.commands.executeCommand('setContext', 'smart.canResume', true);
    // The offer stays in the status bar after its notification is gone.
    this.showStatus(`$(cloud) Smart: ${pendingBatchesBrief(pending)}`, pendingRun(vscode.workspace.asRelativePath(request.input), pending));
    this.statusBar.command = 'smart.resumeRun';
  }

  /**
   * Starts the last run again; calls it already made come from the cache, and
   * its cost preview, like a fresh run's, leaves them out.
   */
  resume(): Promise<JobReport | undefined> {
    if (!this.last) throw new Error('There is no run to resume.');
    return this.start({ ...this.last, force: true });
  }

  /** Shows a finished report (e.g. opened from disk) in the panel. */
  showReport(report: JobReport): void {
    this.setRun({
      input: vscode.workspace.asRelativePath(report.input),
      dataset: datasetWords(report),
      status: 'done',
      target: report.target,
      strategy: report.strategy,
      bound: report.bound,
      intervals: intervalBound(report.bound),
      reference: report.reference,
      candidates: report.models.filter((m) => m.role === 'candidate').map((m) => m.id),
      report,
      ...disagreementsOf(report),
      ...auditOf(report),
      canOpenOutput: true,
      canOpenReport: true,
    });
    this.last = undefined;
  }

  /**
   * Keeps a person's label of a pair of the shown report's audit, and shows
   * the next pair, the judge's verdict on the one labelled, and the
   * guarantee as the audit now stands.
   */
  labelPair(key: string, label: AuditLabel): void {
    const run = this.panelState.run;
    const report = run?.report as JobReport | undefined;
    const pair = report?.audit?.pairs.find((p) => pairKey(p) === key);
    if (!run || !report || !pair) return;
    try {
      saveLabel(auditFileFor(report.input), pair, label);
      this.setRun({ ...run, ...auditOf(report, { label, line: pair.line, model: pair.model }) });
    } catch (error) {
      // Not kept: the panel is sent the same pair again, to label once the file can be written.
      const message = `The label of line ${pair.line} could not be saved: ${error instanceof Error ? error.message : String(error)}`;
      this.log.error(message);
      void vscode.window.showErrorMessage(`Smart: ${message}`);
      this.setRun({ ...run, ...auditOf(report) });
    }
  }

  async start(request: RunRequest): Promise<JobReport | undefined> {
    if (this.running) throw new Error('A Smart run is already going; cancel it first.');
    const controller = new AbortController();
    const base = await this.begin(request, controller);
    try {
      const { report, files } = await this.runWithProgress(request, base, controller);
      await this.finished(base, report, files.output);
      return report;
    } catch (error) {
      await this.stopped(base, error, controller.signal.aborted || error instanceof vscode.CancellationError, controller.signal.reason);
      return undefined;
    } finally {
      this.running = undefined;
      await vscode.commands.executeCommand('setContext', 'smart.running', false);
    }
  }

  /** Marks the run as going (contexts, panel, status bar, log) and returns what the panel shows of it throughout. */
  private async begin(request: RunRequest, controller: AbortController): Promise<RunBase> {
    const { input, config } = request;
    this.last = request;
    this.running = controller;
    await vscode.commands.executeCommand('setContext', 'smart.running', true);
    await vscode.commands.executeCommand('setContext', 'smart.canResume', false);
    const base: RunBase = {
      input: vscode.workspace.asRelativePath(input),
      dataset: datasetOf(input.fsPath, config),
      target: { accuracy: config.accuracy, confidence: config.confidence },
      strategy: config.strategy,
      bound: boundOf(config.strategy, config.bound),
      intervals: intervalBound(boundOf(config.strategy, config.bound)),
      reference: config.reference,
      candidates: config.candidates,
      canOpenOutput: false,
      canOpenReport: false,
    };
    // Nothing is paid, and the run is not said to be running, before the person agrees to the cost preview.
    this.setRun({ ...base, status: 'preparing' });
    this.statusBar.command = 'smart.openCostPanel';
    this.showStatus('$(sync~spin) Smart: preparing', `${base.input}: ${PREPARING}; nothing is paid yet.`);
    this.log.info(
      `Run on ${input.fsPath}: reference ${config.reference}, candidates ${config.candidates.join(', ')}, ` +
        `target: ${describeTarget(base.target, config.reference)}, ${config.strategy}, ${config.seed === undefined ? 'the seed kept for this file (drawn at random on its first run)' : `seed ${config.seed}`}`,
    );
    return base;
  }

  /**
   * Runs the job under a cancellable progress notification. Once batches are
   * sent the notification closes: a batch run may take hours, and its wait
   * lives in the status bar and the panel.
   */
  private async runWithProgress(request: RunRequest, base: RunBase, controller: AbortController): Promise<JobResult> {
    const { input, config } = request;
    const keys = await this.keys.lookup([...config.endpoints.keys()]);
    let notification: vscode.Progress<{ message?: string; increment?: number }> | undefined;
    let closeNotification = (): void => undefined;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Smart: ${path.basename(input.fsPath)}`, cancellable: true },
      (progress, token) => {
        notification = progress;
        progress.report({ message: PREPARING });
        token.onCancellationRequested(() => void this.cancel());
        return new Promise<void>((resolve) => {
          closeNotification = () => {
            notification = undefined;
            resolve();
          };
        });
      },
    );
    const display = new ProgressDisplay({
      notification: (message, increment) => notification?.report({ message, increment }),
      statusBar: (text, tooltip) => this.showStatus(text, tooltip),
      panel: (event) => this.setRun({ ...base, status: 'running', progress: event, ...this.kept() }),
    });
    let sent = false;
    try {
      return await runJob({
        input: input.fsPath,
        config,
        force: request.force,
        skipInvalid: request.skipInvalid === true,
        signal: controller.signal,
        keys,
        log: (level, message) => this.log[level](message),
        confirm: async (preview) => {
          const go = await this.confirm(request, base, preview, (message) => notification?.report({ message }));
          if (go) {
            this.setRun({ ...base, status: 'running', ...this.kept() });
            this.showStatus(`$(sync~spin) Smart: ${STARTING}`, `${base.input}: ${STARTING}.`);
            notification?.report({ message: STARTING });
          }
          return go;
        },
        onProgress: (event) => display.show(event),
        onBatches: (batches) => {
          if (!sent && openBatches(batches) > 0) {
            sent = true;
            closeNotification();
            void vscode.window.showInformationMessage(
              `Smart: ${batchesSent(openBatches(batches), 'Their progress shows in the status bar and the cost panel; if VS Code closes meanwhile, Smart offers to resume when it opens again.')}`,
            );
          }
          this.onBatches(base, batches);
        },
        onBatchAbort: (reason) => (reason instanceof RunCancelled ? reason.batches : 'leave'),
      });
    } finally {
      // The last figures (calls that ended during a cancel's grace included) are the ones the views keep.
      display.flush();
      closeNotification();
    }
  }

  /** Shows a finished run: panel, status bar, log, the output beside the panel and a notification. */
  private async finished(base: RunBase, report: JobReport, output: string): Promise<void> {
    const summary = `${costSentence(report)} ${describeGuarantee(report)}`;
    this.log.info(`Done. ${summary}`);
    this.setRun({
      ...base,
      status: 'done',
      progress: this.panelState.run?.progress,
      ...this.kept(),
      report,
      ...disagreementsOf(report),
      ...auditOf(report),
      canOpenOutput: true,
      canOpenReport: true,
    });
    await vscode.commands.executeCommand('setContext', 'smart.hasReport', true);
    this.showStatus(`$(graph) Smart: ${usd(report.totalCost)}, ${savings(report.savings)}`, summary);
    if (this.openOutputsWhenDone()) {
      // Beside the panel, not in its group: there it would hide the panel, which then has to rebuild.
      this.outputColumn = await showOutput(vscode.Uri.file(output), { viewColumn: this.outputGroup(), preview: true, preserveFocus: true });
      await vscode.commands.executeCommand('smart.openCostPanel');
    }
    void this.tellDone(summary, vscode.Uri.file(output));
  }

  /** Says a run is done; where Data Wrangler opens its output, offers to open it there. */
  private async tellDone(summary: string, output: vscode.Uri): Promise<void> {
    const wrangle = `Open in ${DATA_WRANGLER.name}`;
    const choice = await vscode.window.showInformationMessage(`Smart: done. ${summary}`, ...(dataWranglerOpens(output) ? [wrangle] : []));
    if (choice === wrangle) await openInDataWrangler(output, this.outputGroup());
  }

  /**
   * Where to show an output: the group of the last one while it is open and
   * does not hold the cost panel, else beside the active group, or past the
   * panel's group where that is the one beside.
   */
  private outputGroup(): vscode.ViewColumn {
    const groups = vscode.window.tabGroups;
    const holdsPanel = (g: vscode.TabGroup): boolean =>
      g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(PANEL_VIEW_TYPE));
    const last = groups.all.find((g) => g.viewColumn === this.outputColumn);
    if (last && !holdsPanel(last)) return last.viewColumn;
    const beside = groups.activeTabGroup.viewColumn + 1;
    return groups.all.some((g) => g.viewColumn === beside && holdsPanel(g)) ? beside + 1 : beside;
  }

  /** Shows why a run ended without a report; it can be resumed unless the cost preview was declined. */
  private async stopped(base: RunBase, error: unknown, cancelled: boolean, why: unknown): Promise<void> {
    const reason = stopReason(error, cancelled);
    const resume = 'Run "Smart: Resume Run"';
    const open = this.panelState.run?.batches ? openBatches(this.panelState.run.batches) : 0;
    const batches =
      open === 0 || reason.kind !== 'cancelled'
        ? ''
        : ` ${why instanceof RunCancelled && why.batches === 'cancel' ? batchesCancelled(open) : batchesLeftRunning(open, resume)}`;
    const message = describeStop(reason, resume) + batches;
    const byPerson = reason.kind === 'cancelled' || reason.kind === 'declined';
    // Declining the preview is neither a failure nor a cancelled run: nothing started.
    const status = reason.kind === 'declined' ? 'declined' : byPerson ? 'cancelled' : 'failed';
    this.log.warn(`Run stopped: ${message}`);
    this.setRun({ ...base, status, progress: this.panelState.run?.progress, ...this.kept(), message });
    const icon = { declined: '$(circle-slash)', cancelled: '$(debug-pause)', failed: '$(error)' }[status];
    this.showStatus(`${icon} Smart: ${RUN_STATUS_WORDS[status].toLowerCase()}`, message);
    await vscode.commands.executeCommand('setContext', 'smart.canResume', reason.kind !== 'declined');
    const request = this.last;
    if (!byPerson && request) void showStopped(`Smart: ${message}`, error, request.input, (changes) => this.start({ ...request, ...changes }));
  }

  /**
   * Shows the cost preview and waits for the person's go-ahead, unless the
   * request says yes already or nothing will be paid. Meanwhile the panel,
   * the status bar and the notification say what the run waits for.
   */
  private async confirm(request: RunRequest, base: RunBase, preview: CostPreview, notify: (message: string) => void): Promise<boolean> {
    const { config } = request;
    const lines = describePreview(preview, config.reference);
    this.setRun({ ...base, status: 'preparing', ...this.kept(), preview: lines });
    const question = goAheadQuestion(preview);
    this.log.info(`Cost preview: ${lines.join(' ')}`);
    if (request.yes || question === undefined) return true;
    this.setRun({ ...base, status: 'confirming', ...this.kept() });
    this.showStatus(`$(question) Smart: ${AWAITING_GO_AHEAD}`, [`${base.input}: ${AWAITING_GO_AHEAD}.`, ...lines].join('\n'));
    notify(AWAITING_GO_AHEAD);
    const choice = await vscode.window.showInformationMessage(question, { modal: true, detail: lines.join('\n') }, 'Run');
    return choice === 'Run';
  }

  /** Shows the batches: in the status bar what the run waits for, in the panel each batch. */
  private onBatches(base: RunBase, batches: BatchesProgress): void {
    this.showStatus(`$(cloud) Smart: ${waitingFor(batches)}`, batchesLine(batches));
    this.setRun({ ...base, status: 'running', progress: this.panelState.run?.progress, ...this.kept(), batches });
  }

  /** What the panel shows so far that later states keep: the cost preview and the batches. */
  private kept(): Pick<RunView, 'batches' | 'preview'> {
    const run = this.panelState.run;
    return { ...(run?.batches ? { batches: run.batches } : {}), ...(run?.preview ? { preview: run.preview } : {}) };
  }

  /** The status bar's text and tooltip, always both: a tooltip never outlives its run. */
  private showStatus(text: string, tooltip: string): void {
    this.statusBar.text = text;
    this.statusBar.tooltip = tooltip;
    this.statusBar.show();
  }

  private setRun(run: RunView): void {
    this.panelState = { run };
    this.changed.fire(this.panelState);
  }

  dispose(): void {
    this.running?.abort(new vscode.CancellationError());
    this.statusBar.dispose();
    this.changed.dispose();
  }
}

/** A report's disagreement sample, for the panel (reports written before samples were kept have none). */
function disagreementsOf(report: Partial<Pick<JobReport, 'disagreements'>>): Pick<RunView, 'disagreements'> {
  return report.disagreements ? { disagreements: report.disagreements } : {};
}

/** A report's audit as it stands, from the labels kept beside its input (none without a judge to audit). */
function auditOf(report: JobReport, last?: AuditView['last']): Pick<RunView, 'audit'> {
  const setup = report.audit;
  if (!setup) return {};
  const labels = readLabels(auditFileFor(report.input));
  const result = auditResult(report, setup, labels);
  const next = setup.pairs.find((p) => !labels.has(pairKey(p)));
  return {
    audit: {
      labelled: result.labelled,
      total: result.total,
      ...(next ? { pair: { key: pairKey(next), ...next } } : {}),
      ...(last ? { last } : {}),
      statement: auditStatement(report, result),
      done: result.done !== undefined,
      ...(result.done ? { met: auditMet(report, result.done.agreeingOutputs) } : {}),
    },
  };
}

/** What a run's items are before it reports ("CSV rows"); undefined for an input that cannot be read, whose run then fails saying why. */
function datasetOf(input: string, config: SmartConfig): string | undefined {
  try {
    return datasetWords({ inputFormat: datasetFormat(input, config.inputFormat), ...(isSharded(input) ? { shards: shardsOf(input).length } : {}) });
  } catch (error) {
    if (error instanceof InputError) return undefined;
    throw error;
  }
}
