/** The confidence bounds by name. */
import type { BoundKind } from '../core/types';

const NAMES: Readonly<Record<BoundKind, string>> = {
  'clopper-pearson': 'exact Clopper-Pearson bound',
  anytime: 'anytime-valid bound',
};

/** A bound's name: "anytime-valid bound", "exact Clopper-Pearson bound". */
export function boundName(kind: BoundKind): string {
  return NAMES[kind];
}

/** The bounds a guarantee rests on, with what makes them hold: the last clause of the guarantee's sentence. */
export function boundClause(kind: BoundKind): string {
  return kind === 'anytime' ? `${NAMES[kind]}s, which hold however often they were checked` : `${NAMES[kind]}s`;
}
