/**
 * Two facts about each model, kept apart so that neither contradicts the plan:
 * what profiling concluded about it (the `Profiling` column of the command
 * line's and the panel's tables, the chart and its legend), and how much of
 * the rest it answers in the final plan (the `Use` column, `modelUse` in
 * ./plan). A model whose profiling stopped to save cost may still answer
 * most of the rest; one that meets the target may be left out of a cheaper mix.
 */
import type { Certification, ModelSummary, Plan, RunReport } from '../core/report';
import { firstCalls } from '../core/plans/planSpec';
import { modelUse } from './plan';

/** The kinds of conclusion; the panel also uses them as CSS class suffixes (`status-<kind>`). */
export type StatusKind =
  | 'reference'
  | 'satisfied'
  | 'too-weak'
  | 'not-worth-it'
  | 'ruled-out'
  | 'profiling'
  | 'undecided'
  | 'not-profiled'
  | 'not-chosen'
  | 'certified'
  | 'certified-unneeded'
  | 'certification-stopped';

/** The words for each kind: what profiling concluded, never whether the model is used. */
export const STATUS_WORDS: Readonly<Record<StatusKind, string>> = {
  reference: 'the reference',
  satisfied: 'meets the target',
  'too-weak': 'below the target',
  // The paper's early stop: profiling on was expected to cost more than it could save.
  'not-worth-it': 'profiling stopped to save cost',
  'ruled-out': 'ruled out',
  profiling: 'profiling',
  undecided: 'undecided',
  'not-profiled': 'not profiled',
  // `auto`: profiled on the pilot, in no plan chosen for certification.
  'not-chosen': 'piloted, not chosen',
  certified: 'in a certified plan',
  // Certified, but the cheapest mix that meets the target gave its plans no items: "in a certified plan" beside "not used" read as a contradiction.
  'certified-unneeded': 'certified, not needed by the mix',
  // `auto` gave up before the first look: finishing was expected to cost more than it saves.
  'certification-stopped': 'certification stopped to save cost',
};

/** The headings of the two facts, in the command line's table (lower case there) and the panel's. */
export const PROFILING_HEADING = 'Profiling';
export const USE_HEADING = 'Use';

/**
 * What profiling concluded about a model. `profiling` says whether the run is
 * still profiling: an undecided model with items is then being profiled, and
 * after profiling it stays undecided (a cheaper model settled the question
 * first, or the items ran out). For `auto`, the plan's certification says
 * more than the status: the engine marks every model its plan uses satisfied,
 * though plans, not models, are certified, and a plan need not meet the
 * target on its own items.
 */
export function statusKind(model: ModelSummary, profiling: boolean, plan?: Plan): StatusKind {
  if (model.role === 'reference') return 'reference';
  const certification = plan?.certification;
  if (plan && certification?.pilotModels.includes(model.id)) return certificationKind(model.id, plan, certification);
  if (model.status === 'satisfied') return 'satisfied';
  if (model.status === 'invalid') {
    // Reports written before `ruledOutBy` existed do not say why.
    return model.ruledOutBy === 'cost' ? 'not-worth-it' : model.ruledOutBy === 'bound' ? 'too-weak' : 'ruled-out';
  }
  if (model.n === 0) return 'not-profiled';
  return profiling ? 'profiling' : 'undecided';
}

/**
 * A piloted model under `auto`: in no chosen plan, in a plan certified at a
 * look (and given items by the mix, or not), or in one whose certification
 * gave up first.
 */
function certificationKind(id: string, plan: Plan, certification: Certification): StatusKind {
  if (!certification.plans.some((p) => firstCalls(p.plan).includes(id))) return 'not-chosen';
  if (certification.looks === 0) return 'certification-stopped';
  return plan.entries.some((e) => e.items > 0 && firstCalls(e.plan).includes(id)) ? 'certified' : 'certified-unneeded';
}

/** What profiling concluded about a model, in words. */
export function statusWord(model: ModelSummary, profiling: boolean, plan?: Plan): string {
  return STATUS_WORDS[statusKind(model, profiling, plan)];
}

/** A model of a finished run in words: what profiling concluded, and how much of the rest the plan gave it. */
export interface Standing {
  readonly profiling: string;
  readonly use: string;
}

/** The two facts of a finished run's model, as the command line, the panel and the report file state them. */
export function standing(model: ModelSummary, report: Pick<RunReport, 'plan' | 'reference' | 'profiledItems'>): Standing {
  return { profiling: statusWord(model, false, report.plan), use: modelUse(model.id, report.plan, report.reference, report.profiledItems) };
}
