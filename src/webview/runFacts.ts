/**
 * What the panel draws from a run, whether it is live or finished, and the
 * words of its status line.
 */
import type { ModelSummary, Plan, ProgressEvent } from '../core/report';
import type { RunView } from '../protocol/panelProtocol';
import { openBatches, waitingFor } from '../text/batch';
import { finishedCounts, phaseWord, progressCounts } from '../text/progress';

/** What every section draws from, whether the run is live or finished. */
export interface RunFacts {
  readonly run: RunView;
  readonly models: readonly ModelSummary[];
  readonly plan: Plan | undefined;
  readonly progress: ProgressEvent | undefined;
  /** The run is still in its profiling phase (or has not reported yet). */
  readonly profiling: boolean;
}

/** Gathers a run's facts from its report, or else its latest progress event. */
export function factsOf(run: RunView): RunFacts {
  const progress = run.progress;
  return {
    run,
    models: run.report?.models ?? progress?.models ?? [],
    plan: run.report?.plan ?? progress?.plan,
    progress,
    profiling: run.status === 'running' && (!progress || progress.phase === 'profiling'),
  };
}

/** The words after the status badge; with it, what the live region announces. It follows the phase, not each item. */
export function statusPhrase(facts: RunFacts): string {
  const { run, progress } = facts;
  switch (run.status) {
    case 'running':
      if (run.batches && openBatches(run.batches) > 0) return waitingFor(run.batches);
      if (!progress) return 'starting';
      return phaseWord(progress.phase);
    case 'done':
      return '';
    case 'failed':
      return run.message ?? 'The run stopped with an error.';
    case 'cancelled':
      return run.message ?? 'The run was stopped before it finished.';
  }
}

/** Items done, of how many, and how many were profiled. */
export function progressText(facts: RunFacts): string {
  const { run, progress } = facts;
  const report = run.report;
  if (report) return finishedCounts(report.items, report.profiledItems);
  return progress ? progressCounts(progress) : '';
}
