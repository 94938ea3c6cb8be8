/**
 * What the panel draws from a run, whether it is live or finished, and the
 * words of its status line.
 */
import type { ModelSummary, Plan, ProgressEvent } from '../core/report';
import type { RunStatus, RunView } from '../protocol/panelProtocol';
import { openBatches, waitingFor } from '../text/batch';
import { finishedCounts, phaseWord, progressCounts } from '../text/progress';
import { AWAITING_GO_AHEAD, PREPARING, STARTING } from '../text/runStatus';

/** What every section draws from, whether the run is live or finished. */
export interface RunFacts {
  readonly run: RunView;
  readonly models: readonly ModelSummary[];
  readonly plan: Plan | undefined;
  readonly progress: ProgressEvent | undefined;
  /** The run is still in its profiling phase (or has not reported yet). */
  readonly profiling: boolean;
  /** The run has not ended: it is being prepared, waits for the person's go-ahead, or runs. */
  readonly live: boolean;
}

/** Whether a run with this status has not ended. */
export function isLive(status: RunStatus): boolean {
  return status === 'preparing' || status === 'confirming' || status === 'running';
}

/** Gathers a run's facts from its report, or else its latest progress event, or else its config. */
export function factsOf(run: RunView): RunFacts {
  const progress = run.progress;
  return {
    run,
    models: run.report?.models ?? progress?.models ?? configuredModels(run),
    plan: run.report?.plan ?? progress?.plan,
    progress,
    profiling: run.status === 'running' && (!progress || progress.phase === 'profiling'),
    live: isLive(run.status),
  };
}

/** The reference and the candidates as configured, before the run reports on them: nothing profiled, nothing called. */
function configuredModels(run: RunView): ModelSummary[] {
  const unprofiled = (id: string, role: ModelSummary['role']): ModelSummary => ({
    id,
    role,
    status: 'unknown',
    agreements: 0,
    n: 0,
    calls: 0,
    cachedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cost: 0,
    costPerItem: 0,
    itemsProduced: 0,
  });
  return [unprofiled(run.reference, 'reference'), ...run.candidates.map((id) => unprofiled(id, 'candidate'))];
}

/** The words after the status badge; with it, what the live region announces. It follows the phase, not each item. */
export function statusPhrase(facts: RunFacts): string {
  const { run, progress } = facts;
  switch (run.status) {
    case 'preparing':
      return PREPARING;
    case 'confirming':
      return AWAITING_GO_AHEAD;
    case 'running':
      if (run.batches && openBatches(run.batches) > 0) return waitingFor(run.batches);
      if (!progress) return STARTING;
      return phaseWord(progress.phase);
    case 'done':
      return '';
    case 'failed':
      return run.message ?? 'The run stopped with an error.';
    case 'cancelled':
      return run.message ?? 'The run was stopped before it finished.';
    case 'declined':
      return run.message ?? '';
  }
}

/** Items done, of how many, and how many were profiled. */
export function progressText(facts: RunFacts): string {
  const { run, progress } = facts;
  const report = run.report;
  if (report) return finishedCounts(report.items, report.profiledItems);
  return progress ? progressCounts(progress) : '';
}
