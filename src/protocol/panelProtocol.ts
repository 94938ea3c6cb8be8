/**
 * The one message protocol between the extension host and the cost panel
 * (src/webview). Both sides import these types. The host owns the state: the
 * panel says `ready` when its script has loaded, and the host answers with the
 * whole current state, again after every change, so a panel that appears late,
 * is hidden or is restored after a reload always shows the truth.
 */
import type { AuditLabel, AuditPair, BatchesProgress, DisagreementSample, ProgressEvent, RunReport } from '../core/report';
import type { BoundKind, GuaranteeBound, Strategy, Target } from '../core/types';

/**
 * Where a run stands: `preparing` while its input is checked and its cost
 * estimated, `confirming` while its cost preview waits for the person's
 * go-ahead (nothing is paid before), `running` once agreed, then how it ended;
 * `declined` when the person said no to the preview.
 */
export type RunStatus = 'preparing' | 'confirming' | 'running' | 'done' | 'failed' | 'cancelled' | 'declined';

/** What the panel shows about one run, live or finished. */
export interface RunView {
  /** The input file as shown to the user (workspace-relative when possible). */
  readonly input: string;
  /** What its items are, in the report's words ("CSV rows", "JSONL lines in 8 shards"), once known. */
  readonly dataset?: string | undefined;
  readonly status: RunStatus;
  readonly target: Target;
  readonly strategy: Strategy;
  /** The bound its guarantee rests on, and the rule of the intervals shown on each candidate's agreement. */
  readonly bound: GuaranteeBound;
  readonly intervals: BoundKind;
  readonly reference: string;
  /** The candidates as configured: listed (not profiled yet) before the run reports on them, and after it stops. */
  readonly candidates: readonly string[];
  /** The cost preview, a sentence a line, once estimated. */
  readonly preview?: readonly string[];
  /** The latest progress event, while running (and the last one after). */
  readonly progress?: ProgressEvent | undefined;
  /** Batch mode: the run's batches at the providers, as last reported. */
  readonly batches?: BatchesProgress;
  /** The final report, once done (also for a report opened from disk). */
  readonly report?: RunReport;
  /** With the report: a few profiled items per candidate where it disagreed with the reference. */
  readonly disagreements?: readonly DisagreementSample[];
  /** With the report of a run whose judge decided agreement: the person's audit of the judge. */
  readonly audit?: AuditView;
  /** Why the run failed or stopped, in one sentence. */
  readonly message?: string;
  /** Whether output and report files exist to open. */
  readonly canOpenOutput: boolean;
  readonly canOpenReport: boolean;
}

/** A pair to label in a person's audit of the judge, with the key its label is kept under. */
export type AuditPairView = AuditPair & { readonly key: string };

/** Where a person's audit of the judge stands, as the panel shows it. */
export interface AuditView {
  readonly labelled: number;
  readonly total: number;
  /** The next pair to label; absent once every pair is. */
  readonly pair?: AuditPairView;
  /** The pair labelled last, and the label given: the judge's verdict is shown only then. */
  readonly last?: { readonly label: AuditLabel; readonly line: number; readonly model: string };
  /** The guarantee as the audit stands: what is left to label, or, once done, as a person would judge. */
  readonly statement: string;
  readonly done: boolean;
  /** Once done: whether the count as a person would judge reaches the target. */
  readonly met?: boolean;
}

export interface PanelState {
  /** The run to show; absent before any run. */
  readonly run?: RunView;
}

/** Host to panel. */
export type HostMessage = { readonly type: 'state'; readonly state: PanelState };

/** Panel to host. */
export type PanelMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'openOutput' }
  | { readonly type: 'openReport' }
  | { readonly type: 'cancel' }
  | { readonly type: 'profile' }
  | { readonly type: 'auditLabel'; readonly key: string; readonly label: AuditLabel };

/** The panel's view type: names the panel for the serializer that restores it after a reload. */
export const PANEL_VIEW_TYPE = 'smart.costPanel';
