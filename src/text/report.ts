/** A finished run's summary sentences, shared by the command line and the extension's messages. */
import type { RunReport } from '../core/report';
import type { SeedOrigin, Target } from '../core/types';
import { boundName } from './bounds';
import { paidNote, saved, savings, usd } from './money';
import { count, fixed, items, level, seconds } from './numbers';

/** The calls a batch engine answered in a run, and what they cost. */
export function batchShare(models: RunReport['models']): { calls: number; cost: number } {
  return models.reduce((sum, m) => ({ calls: sum.calls + (m.batchCalls ?? 0), cost: sum.cost + (m.batchCost ?? 0) }), { calls: 0, cost: 0 });
}

/** What the run cost against the reference alone: "Cost $0.265 (all paid in this run) vs $0.504 for gpt-4o alone: 1.90x cheaper, $0.239 less (47.5%)." */
export function costSentence(report: Pick<RunReport, 'totalCost' | 'paidCost' | 'referenceOnlyCost' | 'reference' | 'savings' | 'models'>): string {
  return (
    `Cost ${usd(report.totalCost)} (${paidNote(report.totalCost, report.paidCost, batchShare(report.models))}) vs ${usd(report.referenceOnlyCost)} for ${report.reference} alone: ` +
    `${savings(report.savings)}, ${saved(report.totalCost, report.referenceOnlyCost)}.`
  );
}

/**
 * How "the reference alone" was priced, after its figure: "on all 3,000
 * items: what gpt-4o was charged on the 593 it answered, each other item
 * from its own prompt's length (at 1.25x the tokens counted, as gpt-4o
 * reported them) and 10 output tokens, its mean". The command line and the
 * panel both say it.
 */
export function referenceOnlyNote(report: Pick<RunReport, 'referenceOnly' | 'reference' | 'items'>): string {
  const basis = report.referenceOnly;
  const all = `on all ${items(report.items)}`;
  if (basis.kind === 'mean') return `${all}, at its mean cost per call`;
  if (basis.answered === 0) return `${all}, each from its own prompt's length and ${fixed(basis.outputTokens, 1)} output tokens, an estimate`;
  const charged = `${all}: what ${report.reference} was charged on the ${count(basis.answered)} it answered`;
  if (basis.answered >= report.items) return charged;
  return `${charged}, each other item from its own prompt's length (at ${fixed(basis.inputRatio, 2)}x the tokens counted, as ${report.reference} reported them) and ${fixed(basis.outputTokens, 1)} output tokens, its mean`;
}

/** How the run was set up and how long it took: "Strategy modelmix, anytime-valid bound, seed 7, 390 of 2,400 items (CSV rows) profiled, 183.0 s." */
export function settingsSentence(
  report: Pick<RunReport, 'strategy' | 'bound' | 'seed' | 'seedOrigin' | 'profiledItems' | 'items' | 'timings'> & DatasetShape,
): string {
  const words = datasetWords(report);
  const of = words === undefined ? '' : ` (${words})`;
  return `Strategy ${report.strategy}, ${boundName(report.bound)}, ${seedWords(report)}, ${count(report.profiledItems)} of ${items(report.items)}${of} profiled, ${seconds(report.timings.totalMs)}.`;
}

/** What a dataset was read as: its format and, split into shards, how many. */
export interface DatasetShape {
  readonly inputFormat?: string | undefined;
  readonly shards?: number | undefined;
}

/** What a dataset's items are: "CSV rows", "JSONL lines in 8 shards"; undefined for a report that did not record its format. */
export function datasetWords(dataset: DatasetShape): string | undefined {
  if (dataset.inputFormat === undefined) return undefined;
  const items = ITEM_WORDS[dataset.inputFormat] ?? dataset.inputFormat;
  return dataset.shards === undefined ? items : `${items} in ${count(dataset.shards)} shards`;
}

/** What an item of each input format is, in the report's words. */
const ITEM_WORDS: Readonly<Record<string, string>> = {
  jsonl: 'JSONL lines',
  csv: 'CSV rows',
  tsv: 'TSV rows',
  json: "a JSON array's objects",
  parquet: 'Parquet rows',
};

const SEED_ORIGINS: Readonly<Record<SeedOrigin, string>> = {
  config: '',
  drawn: ' (drawn at random for this file)',
  kept: ' (drawn at random when this file was first run)',
};

/** The seed of the run's order and where it came from: "seed 7", "seed 2976314222 (drawn at random for this file)". */
export function seedWords(report: Pick<RunReport, 'seed' | 'seedOrigin'>): string {
  return `seed ${report.seed}${SEED_ORIGINS[report.seedOrigin ?? 'config']}`;
}

/** The target a run must meet: "agree with gpt-4o on ≥ 95% of items, 95% confidence". */
export function describeTarget(target: Target, reference: string): string {
  return `agree with ${reference} on ≥ ${level(target.accuracy)} of items, ${level(target.confidence)} confidence`;
}
