import { chatCall, type CallTarget, type RequestSettings } from './jobClient';
import type { ResponseCache } from './responseCache';

/** Answers the response cache holds for the items of a file, per model of the run. */
export interface CachedAnswers {
  /** Per model id: items whose answer the cache holds. */
  readonly perModel: ReadonlyMap<string, number>;
  /** Items for which the cache holds at least one model's answer. */
  readonly itemsCovered: number;
}

/**
 * Counts, prompt by prompt during the validation pass, the answers the
 * response cache already holds: the cost preview leaves them out.
 */
export class CachedAnswerCount {
  private readonly perModel = new Map<string, number>();
  private itemsCovered = 0;

  constructor(
    private readonly cache: ResponseCache,
    /** The run's models, by id. */
    private readonly targets: ReadonlyMap<string, CallTarget>,
    private readonly settings: RequestSettings,
  ) {
    for (const id of targets.keys()) this.perModel.set(id, 0);
  }

  /** Looks up every model's request for one item's prompt. */
  add(prompt: string): void {
    let covered = false;
    for (const [id, target] of this.targets) {
      if (!this.cache.has(chatCall(target, prompt, this.settings).key)) continue;
      covered = true;
      this.perModel.set(id, this.perModel.get(id)! + 1);
    }
    if (covered) this.itemsCovered++;
  }

  get result(): CachedAnswers {
    return { perModel: this.perModel, itemsCovered: this.itemsCovered };
  }
}
