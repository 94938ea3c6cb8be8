import type { PlanOutcome } from './planOutcome';

/** Counts of one plan over the profiled items it was measured on. */
export class PlanTally {
  n = 0;
  agreements = 0;
  escalations = 0;
  /** Items on which its gate asked the judge. */
  judged = 0;
  private costSum = 0;
  /** Of `costSum`, what the calls paid for the items' prompts, and those items' counted prompt tokens. */
  private inputCostSum = 0;
  private countedTokens = 0;

  /** Adds the plan's outcome on one item, whose prompt the caller counted as `countedTokens` tokens (0 when it counts none). */
  add(outcome: PlanOutcome, countedTokens = 0): void {
    this.n++;
    if (outcome.agrees) this.agreements++;
    if (outcome.escalated) this.escalations++;
    if (outcome.judged) this.judged++;
    this.costSum += outcome.cost;
    this.inputCostSum += outcome.inputCost;
    this.countedTokens += countedTokens;
  }

  /** The counts of this tally and `other` together. */
  plus(other: PlanTally): PlanTally {
    const sum = new PlanTally();
    sum.n = this.n + other.n;
    sum.agreements = this.agreements + other.agreements;
    sum.escalations = this.escalations + other.escalations;
    sum.judged = this.judged + other.judged;
    sum.costSum = this.costSum + other.costSum;
    sum.inputCostSum = this.inputCostSum + other.inputCostSum;
    sum.countedTokens = this.countedTokens + other.countedTokens;
    return sum;
  }

  /**
   * Expected USD per item, escalations included, on items of `tokens` counted
   * prompt tokens on average: what the plan's calls paid per counted token of
   * prompt, times `tokens`, plus its mean cost of everything else (outputs,
   * the judge's verdicts). A plan that escalates the longest items pays for
   * their length, which this ratio keeps and a mean per item of a sample
   * that missed them does not. Without counts, the mean per item; undefined
   * before any item.
   */
  costPerItemAt(tokens: number | undefined): number | undefined {
    if (this.n === 0) return undefined;
    const mean = this.costSum / this.n;
    if (tokens === undefined || this.countedTokens === 0) return mean;
    return mean - this.inputCostSum / this.n + (this.inputCostSum / this.countedTokens) * tokens;
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
