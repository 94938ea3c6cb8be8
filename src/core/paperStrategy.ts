/**
 * The SMART paper's strategies (Jo & Trummer, arXiv 2403.13835), kept as the
 * paper has them so that its experiment can be reproduced (`npm run
 * bench:paper`): `exhaustive` profiles until every cheaper candidate is
 * decided, `efficient` adds the expected-cost early stop, `modelmix` adds the
 * mix of models. Each candidate is judged alone against the target; see
 * ARCHITECTURE.md ("The paper's strategies") for what their guarantee covers.
 */
import { decideEarlyStop } from './earlyStop';
import { largestRemainder } from './mix/largestRemainder';
import { confidenceGrid, solveMix } from './mix/mixSolver';
import type { MixEntry, Plan } from './report';
import type { ModelState, RunContext } from './runContext';

/** Models sorted by their current cost per item (measured, or estimated before any call). */
function byCost(run: RunContext): ModelState[] {
  return [...run.models].sort((a, b) => run.costPerItem(a) - run.costPerItem(b));
}

/** The cheapest satisfied model (the reference is satisfied from the start). */
function cheapestSatisfied(run: RunContext): ModelState {
  return byCost(run).find((m) => m.status === 'satisfied')!;
}

/** Candidates still worth profiling: unknown and cheaper than the cheapest satisfied model. */
function profiledCandidates(run: RunContext): ModelState[] {
  const result: ModelState[] = [];
  for (const m of byCost(run)) {
    if (m.status === 'satisfied') break;
    if (m.status === 'unknown') result.push(m);
  }
  return result;
}

/** Profiles in batches of `checkEvery` items until every cheaper candidate is decided or ruled out. */
export async function profilePaper(run: RunContext): Promise<void> {
  while (run.profiled < run.total) {
    const active = profiledCandidates(run);
    if (active.length === 0) break;
    await run.profileNext(run.checkEvery, active);
    check(run, active);
    run.emitProgress();
  }
}

/** Updates statuses from the bounds, then applies the expected-cost rule. */
function check(run: RunContext, active: readonly ModelState[]): void {
  const { accuracy, confidence } = run.target;
  for (const m of active) {
    // Memoised thresholds on the count, equivalent to comparing the interval's ends with the target.
    if (m.agreements <= run.bound.maxBelow(m.n, accuracy, confidence)) {
      m.status = 'invalid';
      m.ruledOutBy = 'bound';
    } else if (m.agreements >= run.bound.minAgreements(m.n, accuracy, confidence)) m.status = 'satisfied';
  }
  const stillActive = profiledCandidates(run);
  if (run.strategy === 'exhaustive' || stillActive.length === 0 || run.profiled < run.minSample) return;
  const decision = decideEarlyStop({
    remaining: run.total - run.profiled,
    referenceCostPerItem: run.costPerItem(run.reference),
    satisfiedCostPerItem: run.applyCostPerItem(cheapestSatisfied(run)),
    candidates: stillActive.map((m) => ({
      agreements: m.agreements,
      n: m.n,
      costPerItem: run.profileCostPerItem(m),
      applyCostPerItem: run.applyCostPerItem(m),
    })),
    bound: run.bound,
    accuracy,
    confidence,
  });
  if (!decision.stop) return;
  for (const m of stillActive) {
    m.status = 'invalid';
    m.ruledOutBy = 'cost';
  }
}

function entry(run: RunContext, model: ModelState, share: number, items: number, lowerBound: number, level: number): MixEntry {
  return { id: model.spec.id, plan: { kind: 'single', model: model.spec.id }, share, items, lowerBound, level, costPerItem: run.applyCostPerItem(model) };
}

/** Guaranteed agreement over all N items when the rest agrees at rate >= restBound. */
export function overallBound(run: RunContext, restBound: number): number {
  if (run.total === 0) return 1;
  return (run.profiled + (run.total - run.profiled) * restBound) / run.total;
}

/** The reference on every item (`naive`), or on every item left. */
export function referencePlan(run: RunContext, kind: 'naive' | 'single'): Plan {
  const rest = run.total - run.profiled;
  return {
    kind,
    entries: [{ ...entry(run, run.reference, 1, rest, 1, 1), agreeing: rest }],
    about: 'outputs',
    agreeingOutputs: run.total,
    agreementLowerBound: 1,
    confidence: 1,
  };
}

/**
 * The confidence the paper's strategies can back. Which candidates the plan
 * uses is decided from the same data, among every candidate profiled, so a
 * wrong bound on any of them could be the one used: by the union bound over
 * the k profiled candidates, each of whose lower ends errs with probability at
 * most (1 - gamma) / 2 at any level of the grid (every level is >= gamma),
 * all hold with probability >= 1 - k (1 - gamma) / 2. That is gamma for one or
 * two candidates and less beyond (ARCHITECTURE.md, "The guarantee").
 */
export function paperConfidence(run: RunContext): number {
  const profiled = run.candidates.filter((m) => m.n > 0).length;
  return Math.max(0, Math.min(run.target.confidence, 1 - (profiled * (1 - run.target.confidence)) / 2));
}

/** The plan after profiling: the cheapest satisfied model, or (`modelmix`) the cheapest mix. */
export function decidePaperPlan(run: RunContext): Plan {
  const rest = run.total - run.profiled;
  const { accuracy, confidence } = run.target;
  const best = cheapestSatisfied(run);
  const bestBound = best.isReference ? 1 : run.bound.interval(best.agreements, best.n, confidence).lower;
  const single: Plan = {
    kind: 'single',
    entries: [entry(run, best, 1, rest, bestBound, best.isReference ? 1 : confidence)],
    about: 'rate',
    agreementLowerBound: overallBound(run, bestBound),
    confidence: best.isReference ? 1 : paperConfidence(run),
  };
  if (run.strategy !== 'modelmix' || rest === 0) return single;

  const levels = confidenceGrid(confidence, run.mixLevels);
  const measured = run.candidates.filter((m) => m.n > 0);
  // The profiled items carry the reference's output, so the rest needs
  // a_rest = (a * N - n) / (N - n) to bring the whole file to a.
  const requiredAgreement = (accuracy * run.total - run.profiled) / rest;
  const solution = solveMix({
    candidates: measured.map((m) => ({
      id: m.spec.id,
      costPerItem: run.applyCostPerItem(m),
      lowerBounds: levels.map((g) => run.bound.interval(m.agreements, m.n, g).lower),
    })),
    referenceId: run.reference.spec.id,
    referenceCostPerItem: run.applyCostPerItem(run.reference),
    levels,
    requiredAgreement,
    confidence,
  });
  const shares = [...solution.shares];
  if (!shares.some((s) => s.id === run.reference.spec.id)) shares.push({ id: run.reference.spec.id, share: 0, level: 1, lowerBound: 1 });
  const counts = roundCountsKeepingBound(rest, shares, requiredAgreement);
  const entries = shares.map((s, i) => entry(run, run.modelById(s.id), s.share, counts[i], s.lowerBound, s.level));
  const guaranteed = entries.reduce((sum, e) => sum + e.items * e.lowerBound, 0) / rest;
  return {
    kind: entries.filter((e) => e.items > 0).length > 1 ? 'mix' : 'single',
    entries,
    about: 'rate',
    agreementLowerBound: overallBound(run, guaranteed),
    confidence: Math.min(solution.confidence, paperConfidence(run)),
  };
}

/**
 * Item counts from a mix's shares by largest remainder, then, since rounding
 * can move an item from the reference to a weaker plan and leave the
 * guaranteed agreement a fraction of an item short, items move back from the
 * weakest plan used to the reference (the last share) until the counts
 * themselves meet `required`.
 */
export function roundCountsKeepingBound(rest: number, shares: ReadonlyArray<{ share: number; lowerBound: number }>, required: number): number[] {
  const counts = largestRemainder(
    rest,
    shares.map((s) => s.share),
  );
  const reference = shares.length - 1;
  const bound = (): number => counts.reduce((sum, c, i) => sum + c * shares[i].lowerBound, 0);
  while (bound() < required * rest - 1e-9) {
    let weakest = -1;
    counts.forEach((c, i) => {
      if (i !== reference && c > 0 && (weakest < 0 || shares[i].lowerBound < shares[weakest].lowerBound)) weakest = i;
    });
    if (weakest < 0) break;
    counts[weakest]--;
    counts[reference]++;
  }
  return counts;
}
