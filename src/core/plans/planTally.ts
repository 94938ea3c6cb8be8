import type { PlanOutcome } from './planOutcome';

/** Counts of one plan over the profiled items it was measured on. */
export class PlanTally {
  n = 0;
  agreements = 0;
  escalations = 0;
  /** Items on which its gate asked the judge. */
  judged = 0;
  private costSum = 0;

  add(outcome: PlanOutcome): void {
    this.n++;
    if (outcome.agrees) this.agreements++;
    if (outcome.escalated) this.escalations++;
    if (outcome.judged) this.judged++;
    this.costSum += outcome.cost;
  }

  /** Mean USD per item, escalations included; undefined before any item. */
  get meanCost(): number | undefined {
    return this.n > 0 ? this.costSum / this.n : undefined;
  }

  /** Share of items on which the plan kept its own (cheap) answer. */
  get coverage(): number | undefined {
    return this.n > 0 ? 1 - this.escalations / this.n : undefined;
  }

  /** Share of items on which it agreed with the reference. */
  get rate(): number | undefined {
    return this.n > 0 ? this.agreements / this.n : undefined;
  }
}
