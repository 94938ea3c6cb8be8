/** A run's progress in words: the command line's progress line, the notification, the status bar and the panel's counts. */
import type { ProgressEvent } from '../core/report';
import type { Phase } from '../core/types';
import { savings, usd } from './money';
import { count, items, percent } from './numbers';

const PHASE_WORDS: Readonly<Record<Phase, string>> = {
  profiling: 'profiling',
  applying: 'applying the plan',
  done: 'finishing',
};

/** What a run is doing: "profiling", "applying the plan", "finishing". */
export function phaseWord(phase: Phase): string {
  return PHASE_WORDS[phase];
}

/** Items done, of how many, and how many were profiled: "132 of 2,400 items (6%), 132 profiled". */
export function progressCounts(e: Pick<ProgressEvent, 'itemsDone' | 'itemsTotal' | 'profiledItems'>): string {
  const share = e.itemsTotal > 0 ? ` (${percent(e.itemsDone / e.itemsTotal, 0)})` : '';
  return `${count(e.itemsDone)} of ${items(e.itemsTotal)}${share}, ${count(e.profiledItems)} profiled`;
}

/** A finished run's counts: "2,400 items, 390 profiled". */
export function finishedCounts(total: number, profiled: number): string {
  return `${items(total)}, ${count(profiled)} profiled`;
}

/** Cost so far and the projection, briefly: "$0.0343 so far, projected 7.81x cheaper". */
export function progressBrief(e: ProgressEvent): string {
  return `${usd(e.costSoFar)} so far, projected ${savings(e.projectedSavings)}`;
}

/** The whole progress in one line. */
export function progressLine(e: ProgressEvent): string {
  return (
    `${phaseWord(e.phase)}: ${progressCounts(e)}; cost ${usd(e.costSoFar)} (reference alone ${usd(e.referenceOnlySoFar)}); ` +
    `projected ${usd(e.projectedTotalCost)}, ${savings(e.projectedSavings)}`
  );
}
