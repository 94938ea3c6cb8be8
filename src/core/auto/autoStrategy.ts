/**
 * The `auto` strategy: choose on a pilot, certify on fresh items.
 *
 * 1. Pilot. The reference and the cheap candidates answer the first items of
 *    the random order, cheapest tier first: a dearer candidate joins only
 *    while it could still beat the best plan the cheaper ones offer.
 * 2. Choice. Every plan the pilot's candidates make (single models, gated
 *    pairs and triples, confidence gates) is measured on those items at no
 *    extra call (with a judge, gates it decides at one verdict per item where
 *    their pair differs); the planner picks the plans to certify (one to three) and
 *    the number of fresh items, by expected total cost.
 * 3. Certification. Only those plans' models and the reference answer the
 *    next items. Each plan's exact lower bound on how many of the items left
 *    it agrees on (hypergeometric: the items are a fixed set, sampled without
 *    replacement) is looked at only at sizes fixed before the first of them
 *    (LOOK_SHARES), at its share of the error budget. After a look the run
 *    stops when going on would not pay; before the first, it may give up,
 *    and then nothing is certified.
 * 4. Plan. The cheapest split of the items left over the certified plans and
 *    the reference whose certified agreeing outputs reach the count the
 *    target needs over the whole file.
 *
 * Why the guarantee holds, for the outputs written to this file and without
 * assuming anything about how plans or models relate: ARCHITECTURE.md, "The
 * guarantee".
 */
import { solveCertifiedMix } from '../mix/certifiedMix';
import { planFamily } from '../plans/planFamily';
import { splitCallCost } from '../costMeter';
import { gateVerdictOf, planOutcome, type GateVerdict } from '../plans/planOutcome';
import { confidenceThreshold, firstCalls, judgedGate, planId, planModels, type PlanSpec } from '../plans/planSpec';
import { PlanTally } from '../plans/planTally';
import type { CertifiedPlan, MixEntry, Plan } from '../report';
import type { ModelState, ProfiledItem, ProfilingStage, RunContext } from '../runContext';
import type { Completion } from '../types';
import { hypergeometricLowerBound } from '../stats/hypergeometric';
import { agreeingInSequence, mostDisagreementsPassing, thresholdsAtTheEdge } from './sequenceTest';
import {
  agreeingNeeded,
  allowedDisagreements,
  blockAlpha,
  expectedCost,
  lookAlpha,
  lookSizes,
  planCertification,
  planSequence,
  rankPlans,
  SEQUENCE_LOOK_SHARES,
  restCost,
  type CertificationPlan,
  type PlanEstimate,
  type PlanningInput,
} from './certificationPlan';

/** The first pilot tier: candidates costing at most this share of the reference per item (at least the cheapest). */
const FIRST_TIER_SHARE = 0.25;

/** Items of the pilot's first stage, and of each stage when a dearer tier joins. */
export const PILOT_STAGE = 20;
/** The pilot grows to this share of the planned certification... */
const PILOT_SHARE = 0.3;
/** ...but never past this share of the file. */
const PILOT_MAX_SHARE = 0.1;
/** Stages after the first profile the models of this many leading plans. */
const LEADING_PLANS = 6;

/** A plan and its counts: on the pilot items, and on the certification's fresh items. */
interface Tracked {
  readonly plan: PlanSpec;
  readonly id: string;
  readonly pilot: PlanTally;
  readonly certification: PlanTally;
}

export async function runAuto(run: RunContext): Promise<Plan> {
  const alpha = run.certificationAlpha;
  const candidates = cheaperThan(run.candidates, (m) => cost(run, m), cost(run, run.reference));
  let pilotModels = firstTier(run, candidates);
  const firstStage = Math.min(run.total, run.pilotItems ?? PILOT_STAGE);
  if (pilotModels.length === 0 || !worthPiloting(run, pilotModels, firstStage, alpha)) return finish(run, []);

  const family = new Family(run);
  let runOn = pilotModels;
  let gates = gatesWorthJudging(run, runOn);
  let pilotItems = 0;
  let goal = firstStage;
  let choice: CertificationPlan;
  for (;;) {
    const judged = new Set(gates.map(planId));
    const answered = await profileInChecks(run, 'pilot', goal - pilotItems, runOn, gates, (item) => {
      family.extend(pilotModels, item);
      family.measure(item, 'pilot', judged);
    });
    pilotItems += answered;
    choice = planCertification(family.estimates(), alpha, planningInput(run));
    if (answered === 0 || run.profiled >= run.total) break;
    const joining = candidates.filter((c) => !pilotModels.includes(c) && couldWin(run, c, choice));
    if (joining.length > 0) {
      // A dearer tier joins while it could still beat what the cheaper one offers.
      pilotModels = [...pilotModels, ...joining].sort((a, b) => cost(run, a) - cost(run, b));
      runOn = pilotModels.filter((m) => runOn.includes(m) || joining.includes(m));
      gates = gatesWorthJudging(run, runOn);
      goal = pilotItems + PILOT_STAGE;
      continue;
    }
    if (run.pilotItems !== undefined) break;
    // The pilot grows with the stakes: a long certification deserves a
    // better-founded choice. Further stages profile only the models of the
    // leading plans, a fraction of the first stage's cost per item.
    const wanted = Math.min(Math.floor(run.total * PILOT_MAX_SHARE), Math.round(PILOT_SHARE * choice.items));
    if (pilotItems >= wanted) break;
    goal = Math.min(wanted, 2 * pilotItems);
    const leaders = rankPlans(family.estimates(), alpha, planningInput(run)).slice(0, LEADING_PLANS);
    runOn = candidates.filter((m) => leaders.some((l) => l.plan.members.includes(m.spec.id)));
    gates = leaders.map((l) => family.get(l.plan.id)!.plan).filter(judgedGate);
  }
  return certify(run, family, choice, { pilotItems, pilotModels });
}

/** A model's list price per item, as measured so far (or estimated before its first call). */
function cost(run: RunContext, model: ModelState): number {
  return run.costPerItem(model);
}

/**
 * The gates the judge decides that are worth measuring over these models
 * (cheapest first): pairs of the cheapest (planFamily's JUDGED_POOL) whose
 * two calls and one verdict cost less per item than the reference, since a
 * gate that costs more could save nothing. None without a judge.
 */
function gatesWorthJudging(run: RunContext, models: readonly ModelState[]): PlanSpec[] {
  const perVerdict = run.judgeCallCost();
  if (perVerdict === undefined) return [];
  const ids = models.map((m) => m.spec.id);
  const referenceCost = run.applyCostPerItem(run.reference);
  const callCost = (id: string): number => run.applyCostPerItem(run.modelById(id));
  return planFamily({ candidates: ids, reference: run.reference.spec.id, withConfidence: new Set(), judge: true })
    .filter(judgedGate)
    .filter((p) => firstCalls(p).reduce((sum, m) => sum + callCost(m), perVerdict) < referenceCost);
}

/** The cheap candidates that start the pilot. */
function firstTier(run: RunContext, candidates: readonly ModelState[]): ModelState[] {
  return firstTierOf(candidates, (m) => cost(run, m), cost(run, run.reference));
}

/** The candidates that cost less per item than the reference, cheapest first: the only ones `auto` may pilot. */
export function cheaperThan<M>(candidates: readonly M[], costOf: (m: M) => number, referenceCost: number): M[] {
  return candidates.filter((m) => costOf(m) < referenceCost).sort((a, b) => costOf(a) - costOf(b));
}

/**
 * The pilot's first tier among candidates cheaper than the reference, listed
 * cheapest first: those costing at most FIRST_TIER_SHARE of the reference per
 * item, or else the cheapest alone.
 */
export function firstTierOf<M>(candidates: readonly M[], costOf: (m: M) => number, referenceCost: number): M[] {
  const tier = candidates.filter((m) => costOf(m) <= FIRST_TIER_SHARE * referenceCost);
  return tier.length > 0 ? tier : candidates.slice(0, 1);
}

/**
 * Whether a pilot can pay at best: if the cheapest candidate agreed on every
 * item, certifying it would take the fewest items n with alpha^(1/n) >= the
 * target (the exact bound at n agreements out of n), and it would then answer
 * the rest. When even that saves less than the candidates' pilot calls cost,
 * profiling is not worth starting.
 */
function worthPiloting(run: RunContext, tier: readonly ModelState[], pilotSize: number, alpha: number): boolean {
  const fewest = Math.ceil(Math.log(alpha) / Math.log(run.target.accuracy));
  const rest = run.total - pilotSize - fewest;
  if (rest <= 0) return false;
  const cheapest = tier[0];
  const saved = rest * (run.applyCostPerItem(run.reference) - run.applyCostPerItem(cheapest));
  const spent = (pilotSize + fewest) * tier.reduce((sum, m) => sum + run.profileCostPerItem(m), 0);
  return saved > spent;
}

/**
 * Whether a candidate outside the pilot could still win: alone and perfect,
 * with no certification to pay for, it would cost less on the rest than the
 * best plan the pilot found is expected to.
 */
function couldWin(run: RunContext, model: ModelState, choice: CertificationPlan): boolean {
  return run.applyCostPerItem(model) * (run.total - run.profiled) < choice.expectedCost;
}

/** Profiles `count` more items in batches of `checkEvery` (the judge deciding `gates`' pairs), with progress between; returns how many were profiled. */
async function profileInChecks(
  run: RunContext,
  stage: ProfilingStage,
  count: number,
  runOn: readonly ModelState[],
  gates: readonly PlanSpec[],
  onItem: (item: ProfiledItem) => void,
  afterBatch?: () => boolean,
): Promise<number> {
  let done = 0;
  while (done < count) {
    const items = await run.profileNext(Math.min(run.checkEvery, count - done), runOn, stage, gates);
    if (items.length === 0) break;
    items.forEach(onItem);
    done += items.length;
    run.emitProgress();
    if (afterBatch?.() === false) break;
  }
  return done;
}

/**
 * The plans the pilot's models make, and their counts. Plans over models that
 * join the pilot later, and confidence gates (once a model's answers turn out
 * to carry a probability), are added as they become possible and counted from
 * that item on: every count covers items where all of the plan's first calls
 * answered, and, for a gate the judge decides, where its pair was judged.
 */
class Family {
  private readonly tracked = new Map<string, Tracked>();
  private readonly members = new Set<string>();
  private readonly withConfidence = new Set<string>();
  /** Every item measured, with the answers of the reference and of the models that report a probability (without their text): what a confidence gate set later is counted on. */
  private readonly measured: Measured[] = [];

  constructor(private readonly run: RunContext) {}

  get size(): number {
    return this.tracked.size;
  }

  get(id: string): Tracked | undefined {
    return this.tracked.get(id);
  }

  all(): Tracked[] {
    return [...this.tracked.values()];
  }

  /** Adds the plans that the pilot's models (and the probabilities seen on this item) make possible. */
  extend(models: readonly ModelState[], item: ProfiledItem): void {
    const reporting = models.filter((m) => item.answers.get(m.spec.id)?.confidence !== undefined && !this.withConfidence.has(m.spec.id));
    if (models.every((m) => this.members.has(m.spec.id)) && reporting.length === 0) return;
    for (const m of models) this.members.add(m.spec.id);
    for (const m of reporting) this.withConfidence.add(m.spec.id);
    const ids = models.map((m) => m.spec.id);
    const judge = this.run.judgeCallCost() !== undefined;
    for (const plan of planFamily({ candidates: ids, reference: this.run.reference.spec.id, withConfidence: this.withConfidence, judge })) {
      const id = planId(plan);
      if (!this.tracked.has(id)) this.tracked.set(id, { plan, id, pilot: new PlanTally(), certification: new PlanTally() });
    }
  }

  /**
   * Adds each plan's outcome on a profiled item to its counts, for every plan
   * whose first calls all answered (and `only` names, if given), a judged
   * gate only when `judged` (the gates the judge decided on this item) has it.
   */
  measure(item: ProfiledItem, stage: 'pilot' | 'certification', judged: ReadonlySet<string>, only?: ReadonlySet<string>): void {
    const measured: Measured = { stage, answers: item.answers, agrees: item.agrees, counted: this.run.countedTokensOf(item.index) };
    const perVerdict = this.run.judgeCallCost() ?? 0;
    for (const t of this.tracked.values()) {
      if (only && !only.has(t.id)) continue;
      if (judgedGate(t.plan) && !judged.has(t.id)) continue;
      this.count(t, measured, gateVerdictOf(item.gates.get(t.id), perVerdict));
    }
    // Only a model that reports a probability can have a gate set later, counted from its first such item.
    if (this.withConfidence.size === 0) return;
    const answers = new Map<string, Completion>();
    for (const model of [this.run.reference.spec.id, ...this.withConfidence]) {
      const answer = item.answers.get(model);
      if (answer) answers.set(model, { ...answer, text: '' });
    }
    this.measured.push({ ...measured, answers });
  }

  /**
   * A confidence gate of `model` at `threshold`, counted on every item
   * measured so far (a threshold the certification's own items set, after
   * them: `thresholdsAtTheEdge`).
   */
  gate(model: string, threshold: number): Tracked {
    const plan: PlanSpec = { kind: 'confident', model, threshold, escalate: this.run.reference.spec.id };
    const id = planId(plan);
    const known = this.tracked.get(id);
    if (known) return known;
    const t = { plan, id, pilot: new PlanTally(), certification: new PlanTally() };
    for (const m of this.measured) this.count(t, m, gateVerdictOf(undefined));
    this.tracked.set(id, t);
    return t;
  }

  /**
   * The confidences of `model`'s outputs that disagree with the reference
   * on the certification's items so far, as `thresholdsAtTheEdge` takes
   * them: +Infinity where it did not answer, -Infinity where it gave no
   * probability.
   */
  disagreeingConfidences(model: string): number[] {
    const confidences: number[] = [];
    for (const m of this.measured) {
      if (m.stage !== 'certification') continue;
      const answer = m.answers.get(model);
      if (!answer) confidences.push(Infinity);
      else if (m.agrees.get(model) !== true) confidences.push(answer.confidence ?? -Infinity);
    }
    return confidences;
  }

  /** Adds a plan's outcome on one measured item to its counts, when its first calls all answered there. */
  private count(t: Tracked, item: Measured, gate: GateVerdict): void {
    if (!firstCalls(t.plan).every((m) => item.answers.has(m))) return;
    const answerOf = (model: string) => item.answers.get(model)!;
    // What the call cost on this item, at the price of the rest: a plan that escalates the long items pays for their length.
    const callCost = (model: string) => {
      const spec = this.run.modelById(model).spec;
      return splitCallCost(spec, answerOf(model), spec.applyPriceFactor);
    };
    const agrees = (model: string) => item.agrees.get(model)!;
    t[item.stage].add(planOutcome(t.plan, answerOf, agrees, this.run.same, callCost, gate), item.counted);
  }

  /** What the planner knows of each plan measured on the pilot. */
  estimates(): PlanEstimate[] {
    const result: PlanEstimate[] = [];
    for (const t of this.tracked.values()) {
      const applyCost = t.pilot.costPerItemAt(this.run.restTokens());
      if (applyCost === undefined) continue;
      const gateCost = ((this.run.judgeCallCost() ?? 0) * t.pilot.judged) / t.pilot.n;
      result.push({ id: t.id, agreements: t.pilot.agreements, n: t.pilot.n, applyCost, members: firstCalls(t.plan), gateCost });
    }
    return result;
  }
}

/** What a plan's count needs of a measured item: its stage, the models' answers and agreement, and its counted prompt tokens. */
interface Measured {
  readonly stage: 'pilot' | 'certification';
  readonly answers: ReadonlyMap<string, Completion>;
  readonly agrees: ReadonlyMap<string, boolean>;
  readonly counted: number;
}

/** What the planner needs to know of the run. */
function planningInput(run: RunContext): PlanningInput {
  return {
    items: run.total,
    profiled: run.profiled,
    accuracy: run.target.accuracy,
    referenceApplyCost: run.applyCostPerItem(run.reference),
    profileCost: (model) => run.profileCostPerItem(run.modelById(model)),
    reference: run.reference.spec.id,
  };
}

/** The bounds of the certified plans at one look. */
interface Look {
  /** Which look (0 for the first), and the certification items at it. */
  readonly index: number;
  readonly items: number;
  /** Error level of each bound at this look. */
  readonly alpha: number;
  readonly agreements: readonly number[];
  /**
   * Per plan: how many of the items left when the certification began it is
   * certified to agree on. Less its agreements on the certification's items
   * (all of them, should it go on past the look), it bounds the items left.
   */
  readonly successes: readonly number[];
}

/**
 * Profiles the chosen plans' models on fresh items and looks at their bounds
 * at the planned sizes (LOOK_SHARES): after each look it stops when going on
 * to the next is not expected to pay. Before the first look it gives up
 * (certifying nothing) when finishing is expected to cost more than giving
 * the rest to the reference.
 */
async function certify(
  run: RunContext,
  family: Family,
  choice: CertificationPlan,
  pilot: { pilotItems: number; pilotModels: readonly ModelState[] },
): Promise<Plan> {
  const outcome = { ...pilot, plansConsidered: family.size, choice };
  if (choice.items === 0) return finish(run, pilot.pilotModels, { ...outcome, done: 0, stopped: false });
  const sequence = thresholdSequence(run, family, choice);
  if (sequence) {
    const estimates = new Map(family.estimates().map((e) => [e.id, e]));
    const inSequence = planSequence(
      sequence.flatMap((t) => estimates.get(t.id) ?? []),
      run.certificationAlpha * SEQUENCE_LOOK_SHARES[0],
      planningInput(run),
    );
    const planned = { ...outcome, choice: inSequence };
    if (inSequence.items === 0) return finish(run, pilot.pilotModels, { ...planned, done: 0, stopped: false });
    return certifyInSequence(run, family, inSequence, planned, sequence);
  }
  const ids = new Set(choice.plans.map((p) => p.id));
  const runOn = run.candidates.filter((m) => choice.plans.some((p) => p.members.includes(m.spec.id)));
  const gates = choice.plans.map((p) => family.get(p.id)!.plan).filter(judgedGate);
  // The items left when the certification begins: the set its items are drawn from, without replacement.
  const population = run.total - run.profiled;
  const sizes = lookSizes(choice.items, population);
  let done = 0;
  let gaveUp = false;
  let look: Look | undefined;
  for (let j = 0; j < sizes.length; j++) {
    const alpha = lookAlpha(choice, j);
    await profileInChecks(
      run,
      'certification',
      sizes[j] - done,
      runOn,
      gates,
      (item) => {
        family.measure(item, 'certification', ids, ids);
        done++;
      },
      () => {
        if (done >= sizes[j] || worthGoingOn(run, family, choice, sizes[j], alpha, done, look)) return true;
        gaveUp = true;
        return false;
      },
    );
    if (gaveUp || done < sizes[j]) break;
    look = lookAt(family, choice, j, done, population, alpha);
    const next = j + 1 < sizes.length ? sizes[j + 1] : undefined;
    if (next === undefined || !worthGoingOn(run, family, choice, next, lookAlpha(choice, j + 1), done, look)) break;
  }
  return finish(run, pilot.pilotModels, { ...outcome, done, stopped: look === undefined, family, ...(look ? { look } : {}) });
}

/**
 * When every plan the pilot chose is one model's, alone or behind a
 * confidence gate: that model's confidence gates, highest threshold first,
 * then the model alone. Their agreements are nested item by item (a higher
 * threshold keeps its output on fewer items and escalates the rest to the
 * reference), so they can be certified in this order at the look's whole
 * error level (`certifyInSequence`). Undefined otherwise, and for a model
 * without confidence gates (its one plan is certified as any other).
 */
function thresholdSequence(run: RunContext, family: Family, choice: CertificationPlan): Tracked[] | undefined {
  const models = new Set(
    choice.plans.map((p) => {
      const plan = family.get(p.id)!.plan;
      return plan.kind === 'single' ? plan.model : plan.kind === 'confident' ? plan.model : undefined;
    }),
  );
  const [model] = models;
  if (models.size !== 1 || model === undefined) return undefined;
  const reference = run.reference.spec.id;
  const gates = family
    .all()
    .filter((t) => t.plan.kind === 'confident' && t.plan.model === model && t.plan.escalate === reference)
    .sort((a, b) => confidenceThreshold(b.plan) - confidenceThreshold(a.plan));
  if (gates.length === 0) return undefined;
  // Every model the family holds is also a plan alone (planFamily).
  return [...gates, family.get(planId({ kind: 'single', model }))!];
}

/**
 * Certification of one model's nested plans (`thresholdSequence`) by fixed
 * sequence: at each look (sizes fixed in advance, the look's level its
 * SEQUENCE_LOOK_SHARES share of the whole budget), the plans are tested in their
 * order, each on whether its disagreements among the items left when the
 * certification began are bounded by what the target allows on the items
 * left now; the first that fails ends the look, and the run takes the
 * cheapest that passed. Why no plan needs a share of the budget of its own:
 * ARCHITECTURE.md, "The guarantee", certification in sequence.
 */
async function certifyInSequence(
  run: RunContext,
  family: Family,
  choice: CertificationPlan,
  outcome: { pilotItems: number; pilotModels: readonly ModelState[]; plansConsidered: number; choice: CertificationPlan },
  sequence: readonly Tracked[],
): Promise<Plan> {
  const ids = new Set(sequence.map((t) => t.id));
  const model = firstCalls(sequence[0].plan)[0];
  const runOn = run.candidates.filter((m) => m.spec.id === model);
  const population = run.total - run.profiled;
  const sizes = lookSizes(choice.items, population);
  let done = 0;
  let gaveUp = false;
  let tested: { plans: CertifiedPlan[]; looks: number } | undefined;
  const lookLevel = (j: number): number => run.certificationAlpha * SEQUENCE_LOOK_SHARES[j];
  for (let j = 0; j < sizes.length; j++) {
    const alpha = lookLevel(j);
    await profileInChecks(
      run,
      'certification',
      sizes[j] - done,
      runOn,
      [],
      (item) => {
        family.measure(item, 'certification', ids, ids);
        done++;
      },
      () => {
        // Before the first look, the planner's rule may give up; it decides cost, never the guarantee.
        if (done >= sizes[j] || j > 0 || anyWorthGoingOn(run, family, choice, sequence, sizes[j], alpha, done)) return true;
        gaveUp = true;
        return false;
      },
    );
    if (gaveUp || done < sizes[j]) break;
    tested = { plans: testInSequence(run, family, sequence, { index: j, items: done, population, alpha }), looks: j + 1 };
    if (tested.plans.some((t) => t.agreeing > 0) || j + 1 >= sizes.length) break;
    if (!anyWorthGoingOn(run, family, choice, sequence, sizes[j + 1], lookLevel(j + 1), done)) break;
  }
  return finish(run, outcome.pilotModels, { ...outcome, done, stopped: tested === undefined, family, ...(tested ? { sequence: tested } : {}) });
}

/** `worthGoingOn` for a certification in sequence: whether it is for any plan of the sequence, since any may be the one that passes. */
function anyWorthGoingOn(
  run: RunContext,
  family: Family,
  choice: CertificationPlan,
  sequence: readonly Tracked[],
  size: number,
  alpha: number,
  done: number,
): boolean {
  const estimates = family.estimates().filter((e) => sequence.some((t) => t.id === e.id));
  return estimates.some((plan) => worthGoingOn(run, family, { ...choice, plans: [plan] }, size, alpha, done, undefined));
}

/**
 * One look of the certification in sequence. Every gate passes or fails on
 * its count of disagreements among the look's items alone
 * (`mostDisagreementsPassing`), so the look need not walk the thresholds one
 * by one: the gate at the threshold just above the confidence where that
 * count is first exceeded is the lowest that passes, and every gate above it
 * passes too (`thresholdsAtTheEdge`). Reported in order: that gate, which
 * is certified to agree on all but what the target allows of the items left,
 * and the highest gate that fails (or the model alone when every gate
 * passes; the sequence's first gate when none does), with 0 agreeing.
 */
function testInSequence(
  run: RunContext,
  family: Family,
  sequence: readonly Tracked[],
  look: { index: number; items: number; population: number; alpha: number },
): CertifiedPlan[] {
  const left = run.total - run.profiled;
  const allowed = allowedDisagreements(run.target.accuracy, run.total);
  const model = firstCalls(sequence[0].plan)[0];
  const alone = sequence[sequence.length - 1];
  const edge = thresholdsAtTheEdge(family.disagreeingConfidences(model), mostDisagreementsPassing({ ...look, allowed }));
  const gateAt = (threshold: number | undefined): Tracked[] => {
    if (threshold === undefined) return [];
    if (threshold === Infinity) return [sequence[0]];
    return threshold === -Infinity ? [alone] : [family.gate(model, threshold)];
  };
  const tested = edge.lowest === undefined && edge.failing === undefined ? [alone] : [...gateAt(edge.lowest), ...gateAt(edge.failing)];
  return tested.map((t) => {
    const test = { agreements: t.certification.agreements, items: look.items, population: look.population, alpha: look.alpha, allowed };
    const seen = { index: look.index, items: look.items, alpha: look.alpha, agreements: [test.agreements], successes: [] };
    return { ...certifiedPlan(t, 0, seen, agreeingInSequence(test, left), left, 0, run.restTokens()), inSequence: true as const };
  });
}

/** Every chosen plan's exact lower bound on how many of the `population` items left when the certification began it agrees on, from its count on the `items` drawn so far. */
function lookAt(family: Family, choice: CertificationPlan, index: number, items: number, population: number, alpha: number): Look {
  const agreements = choice.plans.map((p) => family.get(p.id)!.certification.agreements);
  return { index, items, alpha, agreements, successes: agreements.map((s) => hypergeometricLowerBound(s, items, population, alpha)) };
}

/** Per chosen plan: how many of the items left now a look certifies it to agree on (its bound less every certification item it agreed on). */
function agreeingLeft(family: Family, choice: CertificationPlan, look: Look): number[] {
  return choice.plans.map((p, i) => look.successes[i] - family.get(p.id)!.certification.agreements);
}

/**
 * The expected-cost rule during certification: with `done` items in hand, is
 * profiling on to `size` items and looking there (at error `alpha`) expected
 * to cost less than stopping now, with the bounds of the last look (or, before
 * any look, with the reference on every remaining item)? Stopping never
 * weakens the guarantee: it only leaves plans uncertified.
 */
function worthGoingOn(run: RunContext, family: Family, choice: CertificationPlan, size: number, alpha: number, done: number, look: Look | undefined): boolean {
  const input = planningInput(run);
  const plans = choice.plans.map((p) => {
    const t = family.get(p.id)!;
    return { ...p, agreements: t.pilot.agreements + t.certification.agreements, n: t.pilot.n + t.certification.n };
  });
  const soFar = choice.plans.map((p) => family.get(p.id)!.certification.agreements);
  const level = blockAlpha(choice);
  const goingOn = expectedCost(plans, size, { look: alpha, block: level }, input, { done, soFar });
  const rest = run.total - run.profiled;
  const required = agreeingNeeded(run.target.accuracy, run.total) - run.profiled;
  const stopping = look ? restCost(choice.plans, agreeingLeft(family, choice, look), level, rest, required, input) : rest * input.referenceApplyCost;
  return goingOn < stopping;
}

/** What the pilot and the certification produced. */
interface Outcome {
  readonly pilotItems: number;
  readonly plansConsidered: number;
  readonly choice: CertificationPlan;
  /** Certification items profiled, and whether it gave up before its first look. */
  readonly done: number;
  readonly stopped: boolean;
  readonly family?: Family;
  /** The look whose bounds the plan uses. */
  readonly look?: Look;
  /** Certified in sequence (`certifyInSequence`): the plans tested at the last look, in order, and the looks taken. */
  readonly sequence?: { readonly plans: readonly CertifiedPlan[]; readonly looks: number };
}

/** A certified plan's report: its counts, and its bound at the look the run stopped at (none without a look): `agreeing` of the `itemsLeft`. */
function certifiedPlan(
  t: Tracked,
  index: number,
  look: Look | undefined,
  agreeing: number,
  itemsLeft: number,
  blockLevel: number,
  restTokens: number | undefined,
): CertifiedPlan {
  const both = t.pilot.plus(t.certification);
  const coverage = t.plan.kind === 'single' ? undefined : both.coverage;
  return {
    id: t.id,
    plan: t.plan,
    pilotAgreements: t.pilot.agreements,
    pilotItems: t.pilot.n,
    agreements: look ? look.agreements[index] : t.certification.agreements,
    items: look ? look.items : t.certification.n,
    agreeing,
    lowerBound: itemsLeft > 0 ? agreeing / itemsLeft : 0,
    alpha: look ? look.alpha : 0,
    blockAlpha: blockLevel,
    costPerItem: both.costPerItemAt(restTokens) ?? 0,
    ...(coverage !== undefined ? { coverage } : {}),
  };
}

/**
 * The plan for the items left: the cheapest split over the certified plans
 * and the reference whose certified agreeing outputs, with the profiled
 * items (which carry the reference's own output), reach the count the target
 * needs; with statuses and the certification's story.
 */
function finish(run: RunContext, pilotModels: readonly ModelState[], outcome?: Outcome): Plan {
  const choice = outcome?.choice;
  const rest = run.total - run.profiled;
  const blockLevel = choice ? blockAlpha(choice) : 0;
  const family = outcome?.family;
  const look = outcome?.look;
  const agreeing = choice && family && look ? agreeingLeft(family, choice, look) : [];
  const certified =
    outcome?.sequence?.plans ??
    (choice && family ? choice.plans.map((p, i) => certifiedPlan(family.get(p.id)!, i, look, agreeing[i] ?? 0, rest, blockLevel, run.restTokens())) : []);
  const referenceId = run.reference.spec.id;
  const referenceCost = run.applyCostPerItem(run.reference);
  const split = solveCertifiedMix({
    plans: certified.filter((c) => c.agreeing > 0).map((c) => ({ id: c.id, costPerItem: c.costPerItem, agreeing: c.agreeing, blockAlpha: c.blockAlpha })),
    referenceId,
    referenceCostPerItem: referenceCost,
    items: rest,
    requiredAgreeing: Math.min(rest, agreeingNeeded(run.target.accuracy, run.total) - run.profiled),
  });
  // In sequence, every plan that passed holds at the certification's whole level.
  const level = outcome?.sequence ? 1 - run.certificationAlpha : choice ? 1 - choice.alphaEach : 1;
  const entries: MixEntry[] = split.blocks.map((b) => {
    const share = rest > 0 ? b.items / rest : b.id === referenceId ? 1 : 0;
    const bound = b.items > 0 ? b.agreeing / b.items : 1;
    const c = certified.find((p) => p.id === b.id);
    if (!c)
      return {
        id: referenceId,
        plan: { kind: 'single', model: referenceId },
        share,
        items: b.items,
        agreeing: b.items,
        lowerBound: 1,
        level: 1,
        costPerItem: referenceCost,
      };
    return {
      id: c.id,
      plan: c.plan,
      share,
      items: b.items,
      agreeing: b.agreeing,
      lowerBound: bound,
      level,
      costPerItem: c.costPerItem,
      ...(c.coverage !== undefined ? { coverage: c.coverage } : {}),
    };
  });
  setStatuses(run, pilotModels, certified, entries, outcome?.stopped === true);
  const used = entries.filter((e) => e.items > 0);
  const agreeingOutputs = run.profiled + entries.reduce((sum, e) => sum + (e.agreeing ?? 0), 0);
  const plan: Plan = {
    kind: used.length > 1 ? 'mix' : 'single',
    entries,
    about: 'outputs',
    agreeingOutputs,
    agreementLowerBound: run.total > 0 ? agreeingOutputs / run.total : 1,
    confidence: used.some((e) => e.id !== referenceId) ? 1 - run.certificationAlpha : 1,
  };
  if (!outcome) return plan;
  return {
    ...plan,
    certification: {
      pilotItems: outcome.pilotItems,
      pilotModels: pilotModels.map((m) => m.spec.id),
      plansConsidered: outcome.plansConsidered,
      plannedItems: choice?.items ?? 0,
      items: outcome.done,
      looks: outcome.look ? outcome.look.index + 1 : (outcome.sequence?.looks ?? 0),
      ...(outcome.stopped ? { stoppedEarly: 'not-worth-it' as const } : {}),
      plans: certified,
    },
  };
}

/**
 * Candidates' standing after `auto`: in a plan that answers items,
 * satisfied; certified but not used (its bound too low), or stopped early,
 * ruled out; piloted but not chosen for certification, ruled out as not
 * worth certifying; never profiled, unknown.
 */
function setStatuses(
  run: RunContext,
  pilotModels: readonly ModelState[],
  certified: readonly CertifiedPlan[],
  entries: readonly MixEntry[],
  stopped: boolean,
): void {
  const inUse = new Set(entries.filter((e) => e.items > 0).flatMap((e) => planModels(e.plan)));
  const inCertified = new Set(certified.flatMap((c) => firstCalls(c.plan)));
  for (const m of run.candidates) {
    if (inUse.has(m.spec.id)) m.status = 'satisfied';
    else if (inCertified.has(m.spec.id)) {
      m.status = 'invalid';
      m.ruledOutBy = stopped ? 'cost' : 'bound';
    } else if (pilotModels.includes(m)) {
      m.status = 'invalid';
      m.ruledOutBy = 'cost';
    }
  }
}
