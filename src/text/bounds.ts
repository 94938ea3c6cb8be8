/** The confidence bounds by name. */
import type { GuaranteeBound } from '../core/types';

const NAMES: Readonly<Record<GuaranteeBound, string>> = {
  'clopper-pearson': 'exact Clopper-Pearson bound',
  anytime: 'anytime-valid bound',
  hypergeometric: 'exact hypergeometric bound',
};

/** A bound's name: "anytime-valid bound", "exact Clopper-Pearson bound", "exact hypergeometric bound". */
export function boundName(kind: GuaranteeBound): string {
  return NAMES[kind];
}

/**
 * What the candidates' intervals are for, when the guarantee does not rest
 * on them: `auto` shows them to compare candidates over the items profiled,
 * which it chose to profile as it went, and certifies with other bounds.
 */
export function intervalsRole(bound: GuaranteeBound): string {
  return bound === 'hypergeometric' ? " over the items profiled, to compare them (the guarantee rests on the certification's own bounds)" : '';
}

/** The bounds a guarantee rests on, with what makes them hold: the last clause of the guarantee's sentence. */
export function boundClause(kind: GuaranteeBound): string {
  return kind === 'anytime' ? `${NAMES[kind]}s, which hold however often they were checked` : `${NAMES[kind]}s`;
}
