/**
 * A batch engine for engine tests, in memory: `fetch` answers every planned
 * call from a synchronous client at half price and holds the answers, and
 * counts the calls of each round; `client` answers from what is held, and
 * counts the calls of the application phase it had to make online.
 */
import type { BulkAnswers, PlannedCall, RunOptions } from '../../src/core/engine';
import type { Completion, ModelSpec } from '../../src/core/types';

export interface HeldBulk {
  readonly bulk: BulkAnswers<number>;
  /** The client the run uses: held answers first, else `source` (counted as online once the application phase began). */
  readonly client: { complete(model: ModelSpec, item: number): Completion };
  /** Calls fetched in each round. */
  readonly rounds: number[];
  /** Calls of the application phase made online. */
  online(): number;
  /** Tells it the run's phase (pass as the run's `onProgress`). */
  readonly onProgress: NonNullable<RunOptions<number>['onProgress']>;
}

export function heldBulk(source: { complete(model: ModelSpec, item: number): Completion }): HeldBulk {
  const held = new Map<string, Completion>();
  const key = (m: ModelSpec, item: number): string => `${m.id}:${item}`;
  const rounds: number[] = [];
  let online = 0;
  let applying = false;
  return {
    rounds,
    online: () => online,
    onProgress: (e) => {
      applying = e.phase === 'applying';
    },
    bulk: {
      peek: (m, item) => held.get(key(m, item)),
      async fetch(calls: AsyncIterable<PlannedCall<number>>) {
        let n = 0;
        for await (const call of calls) {
          held.set(key(call.model, call.item), { ...source.complete(call.model, call.item), priceFactor: 0.5 });
          n++;
        }
        rounds.push(n);
      },
    },
    client: { complete: (m, item) => held.get(key(m, item)) ?? (applying && online++, source.complete(m, item)) },
  };
}
