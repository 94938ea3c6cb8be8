/**
 * What a strategy profiles at least, once it profiles at all: the cost
 * preview's lower bound ("at least"), which must be one. `auto` starts with
 * its pilot's first stage (the reference and the first tier of candidates);
 * the paper's strategies with one check's items (the reference and every
 * candidate cheaper than it), since every candidate may be decided at the
 * first check; `naive` profiles nothing. Neither profiles when no candidate
 * is cheaper than the reference, and `auto` may not start when profiling
 * cannot pay (so "at least" is "once it starts").
 */
import { cheaperThan, firstTierOf, PILOT_STAGE } from './auto/autoStrategy';
import type { Strategy } from './types';

export interface ProfilingStart {
  /** Items profiled at least, and the candidates that answer each of them (the reference answers them too). */
  readonly items: number;
  readonly candidates: readonly string[];
}

export function leastProfiling(
  strategy: Strategy,
  input: {
    readonly items: number;
    readonly checkEvery: number;
    readonly pilotItems?: number;
    readonly referenceCost: number;
    /** Each candidate's cost per item, as the run will first see it. */
    readonly candidates: ReadonlyArray<{ readonly id: string; readonly cost: number }>;
  },
): ProfilingStart {
  const cheaper = cheaperThan(input.candidates, (c) => c.cost, input.referenceCost);
  if (strategy === 'naive' || cheaper.length === 0 || input.items === 0) return { items: 0, candidates: [] };
  if (strategy === 'auto') {
    return {
      items: Math.min(input.items, input.pilotItems ?? PILOT_STAGE),
      candidates: firstTierOf(cheaper, (c) => c.cost, input.referenceCost).map((c) => c.id),
    };
  }
  return { items: Math.min(input.items, input.checkEvery), candidates: cheaper.map((c) => c.id) };
}
