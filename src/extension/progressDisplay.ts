/**
 * One run's progress in the editor's three views: the notification, the
 * status bar and the cost panel. Progress can come thousands of times a
 * second; the views need a few, and all the same one, so that at any moment
 * they show the same numbers and the same phase (issue 11, item 9).
 */
import type { ProgressEvent } from '../core/report';
import type { Phase } from '../core/types';
import { progressBrief, progressLine } from '../text/progress';

/** Where the views are drawn: the editor's, or a test's. */
export interface ProgressViews {
  /** The notification: its message, and how far its bar moves (in percent of the items). */
  notification(message: string, increment: number): void;
  statusBar(text: string, tooltip: string): void;
  panel(event: ProgressEvent): void;
}

/** The least time between two updates of the views, unless the phase changes or the run ends. */
export const PROGRESS_INTERVAL_MS = 150;

/**
 * Passes a few progress events a second to every view at once, from one
 * event: each change of phase (a batch run may then wait for hours on what
 * it shows) and the last event always.
 */
export class ProgressDisplay {
  private lastAt = -Infinity;
  private phase: Phase | undefined;
  /** Of the notification's bar, the share already shown, in percent. */
  private shown = 0;
  /** The latest event, when the interval held it back. */
  private pending: ProgressEvent | undefined;

  constructor(
    private readonly views: ProgressViews,
    private readonly now: () => number = Date.now,
  ) {}

  show(event: ProgressEvent): void {
    const at = this.now();
    const changed = event.phase !== this.phase;
    const last = event.itemsDone === event.itemsTotal;
    if (!changed && !last && at - this.lastAt < PROGRESS_INTERVAL_MS) {
      this.pending = event;
      return;
    }
    this.render(event, at);
  }

  /** Shows the latest event if the interval held it back: when the run ends, so that what it stopped at is what the views keep. */
  flush(): void {
    if (this.pending) this.render(this.pending, this.now());
  }

  private render(event: ProgressEvent, at: number): void {
    this.pending = undefined;
    this.lastAt = at;
    this.phase = event.phase;
    const share = event.itemsTotal > 0 ? (100 * event.itemsDone) / event.itemsTotal : 100;
    const line = progressLine(event);
    this.views.notification(line, share - this.shown);
    this.shown = share;
    this.views.statusBar(`$(sync~spin) Smart: ${progressBrief(event)}`, line);
    this.views.panel(event);
  }
}
