/**
 * A run's status in words: the panel's badge and status line, the status
 * bar, and the notification while nothing is paid yet. Until the person
 * agrees to the cost preview a run is not said to be running.
 */

/** The panel's badge for each status of a run; in lower case, the status bar's word after "Smart: " for a run that ended. */
export const RUN_STATUS_WORDS = {
  preparing: 'Preparing',
  confirming: 'Cost preview',
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  declined: 'Not started',
} as const;

/** What a run does before its cost preview: read and check every line, count tokens, look up the cache. */
export const PREPARING = 'checking the file and estimating the cost';

/** What a run waits for while its cost preview is shown. */
export const AWAITING_GO_AHEAD = 'waiting for your go-ahead';

/** The panel's words for a run that has not reported progress since the person agreed. */
export const STARTING = 'starting';
