/** A model's standing in words: the command line's table, the panel's table, chart and legend. */
import type { ModelSummary } from '../core/report';

/** The kinds of standing; the panel also uses them as CSS class suffixes (`status-<kind>`). */
export type StatusKind = 'reference' | 'satisfied' | 'too-weak' | 'not-worth-it' | 'ruled-out' | 'profiling' | 'undecided' | 'not-profiled';

/** The words for each kind. */
export const STATUS_WORDS: Readonly<Record<StatusKind, string>> = {
  reference: 'reference',
  satisfied: 'meets the target',
  'too-weak': 'below the target',
  'not-worth-it': 'profiling stopped (not worth it)',
  'ruled-out': 'ruled out',
  profiling: 'profiling',
  undecided: 'undecided',
  'not-profiled': 'not profiled',
};

/**
 * The kind of a model's standing. `profiling` says whether the run is still
 * profiling: an undecided model with items is then being profiled, and after
 * profiling it stays undecided (a cheaper model settled the question first).
 */
export function statusKind(model: ModelSummary, profiling: boolean): StatusKind {
  if (model.role === 'reference') return 'reference';
  if (model.status === 'satisfied') return 'satisfied';
  if (model.status === 'invalid') {
    // Reports written before `ruledOutBy` existed do not say why.
    return model.ruledOutBy === 'cost' ? 'not-worth-it' : model.ruledOutBy === 'bound' ? 'too-weak' : 'ruled-out';
  }
  if (model.n === 0) return 'not-profiled';
  return profiling ? 'profiling' : 'undecided';
}

/** A model's standing in words. */
export function statusWord(model: ModelSummary, profiling: boolean): string {
  return STATUS_WORDS[statusKind(model, profiling)];
}
