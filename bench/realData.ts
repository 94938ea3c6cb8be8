/**
 * The recorded answers of real models that `npm run bench:real` replays: the
 * offline examples under examples/ (TextClass benchmark, CC BY 4.0: see each
 * folder's NOTICE), read once, bootstrapped to a file of any size, and the two
 * oracles the benchmark compares Smart with.
 */
import * as path from 'node:path';
import { cheapestMix, type Column } from '../src/core/mix/mixSolver';
import { mulberry32 } from '../src/core/random';
import { planFamily } from '../src/core/plans/planFamily';
import { splitCallCost } from '../src/core/costMeter';
import { planOutcome } from '../src/core/plans/planOutcome';
import type { PlanSpec } from '../src/core/plans/planSpec';
import type { Completion, ModelSpec } from '../src/core/types';
import { extractAnswer } from '../src/io/answerExtraction';
import { readJsonl } from '../src/io/jsonl';
import { loadConfig } from '../src/job/config';

export const EXAMPLES_DIR = path.join(__dirname, '..', '..', 'examples');

/** One example's models and every model's recorded answer to every item. */
export interface RealDataset {
  readonly name: string;
  readonly reference: string;
  readonly models: readonly ModelSpec[];
  /** Items in the recording. */
  readonly items: number;
  /** Per model id, its answer to each item (by the item's position in items.jsonl), ready to hand to the engine. */
  readonly answers: ReadonlyMap<string, readonly Completion[]>;
  /** Whether two outputs give the same answer under the example's comparison rule. */
  readonly same: (a: string, b: string) => boolean;
}

/** Reads examples/<name>: its config (models, prices, reference, comparison rule), items and recording. */
export async function loadRealDataset(name: string): Promise<RealDataset> {
  const dir = path.join(EXAMPLES_DIR, name);
  const config = loadConfig(path.join(dir, 'smart.config.json'));
  const position = new Map<string, number>();
  for await (const { value } of readJsonl(path.join(dir, 'items.jsonl'))) position.set(String(value[config.replay!.itemKey]), position.size);
  const byProvider = new Map(config.models.map((m) => [m.model, m.id]));
  const answers = new Map<string, Completion[]>(config.models.map((m) => [m.id, new Array<Completion>(position.size)]));
  for await (const { line, value } of readJsonl(config.replay!.file)) {
    const id = byProvider.get(String(value.model));
    const at = position.get(String(value.item));
    if (id === undefined || at === undefined) throw new Error(`${config.replay!.file}:${line}: unknown model or item`);
    answers.get(id)![at] = { text: String(value.text), inputTokens: Number(value.inputTokens), outputTokens: Number(value.outputTokens) };
  }
  // Extracted answers are compared many times: extract each distinct text once.
  const extracted = new Map<string, string>();
  const answerOf = (text: string): string => {
    let a = extracted.get(text);
    if (a === undefined) extracted.set(text, (a = extractAnswer(config.answer, text)));
    return a;
  };
  return {
    name,
    reference: config.reference,
    models: config.models.map((m) => ({ id: m.id, inputPer1M: m.inputPer1M, outputPer1M: m.outputPer1M })),
    items: position.size,
    answers,
    same: (a, b) => answerOf(a) === answerOf(b),
  };
}

/** A file of `size` items drawn with replacement from the recording (seeded): each entry is the recorded item it copies. */
export function bootstrap(dataset: RealDataset, size: number, seed: number): Uint32Array {
  const next = mulberry32(seed ^ 0xb007);
  const sources = new Uint32Array(size);
  for (let i = 0; i < size; i++) sources[i] = Math.floor(next() * dataset.items);
  return sources;
}

/** A plan's true agreement with the reference and mean cost per item over a bootstrapped file. */
function truth(dataset: RealDataset, sources: Uint32Array, plan: PlanSpec): { rate: number; cost: number } {
  const spec = new Map(dataset.models.map((m) => [m.id, m]));
  // Outcomes depend only on the recorded item: count each once, weighted by its copies.
  const copies = new Map<number, number>();
  for (const s of sources) copies.set(s, (copies.get(s) ?? 0) + 1);
  let agree = 0;
  let cost = 0;
  for (const [source, weight] of copies) {
    const answerOf = (model: string): Completion => dataset.answers.get(model)![source];
    const agrees = (model: string): boolean => dataset.same(answerOf(model).text, answerOf(dataset.reference).text);
    const outcome = planOutcome(plan, answerOf, agrees, dataset.same, (model) => splitCallCost(spec.get(model)!, answerOf(model)));
    if (outcome.agrees) agree += weight;
    cost += weight * outcome.cost;
  }
  return { rate: agree / sources.length, cost: cost / sources.length };
}

/**
 * What knowing every true rate would buy, with no profiling: the cheapest mix
 * (an LP; at most two columns) that reaches the target over the whole file,
 * over single models and the reference (`mix`, the best any random mix can do)
 * and over every plan Smart's `auto` strategy could choose, gated pairs and
 * triples included (`plans`). Both in USD for the whole file.
 */
export function oracleCosts(dataset: RealDataset, sources: Uint32Array, accuracy: number): { mix: number; plans: number } {
  const candidates = dataset.models.filter((m) => m.id !== dataset.reference);
  const reference = truth(dataset, sources, { kind: 'single', model: dataset.reference });
  // Cheapest first, as the strategy orders them (so gated plans keep the cheapest answer).
  const singles = candidates.map((m) => ({ id: m.id, ...truth(dataset, sources, { kind: 'single', model: m.id }) })).sort((a, b) => a.cost - b.cost);
  const family = planFamily({ candidates: singles.map((s) => s.id), reference: dataset.reference, withConfidence: new Set() });
  const column = (id: string, order: number, t: { rate: number; cost: number }): Column => ({ id, order, cost: t.cost, bound: t.rate, level: 1 });
  const best = (columns: Column[]): number => cheapestMix(columns, accuracy).reduce((sum, p) => sum + p.share * p.column.cost, 0);
  const referenceColumn = column(dataset.reference, -1, reference);
  const mix = best([referenceColumn, ...singles.map((s, i) => column(s.id, i, s))]);
  const plans = best([referenceColumn, ...family.map((plan, i) => column(String(i), i, truth(dataset, sources, plan)))]);
  return { mix: mix * sources.length, plans: plans * sources.length };
}
