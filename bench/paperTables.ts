import type { PaperDataset } from './paperSetup';
import type { Row } from './paper';
import { ratio, usd } from '../src/text/money';
import { items, NO_FIGURE, percent, seconds } from '../src/text/numbers';
import { textTable } from '../src/text/table';

/**
 * Prints, per dataset, one line per strategy and bound: total cost, savings as
 * total naive cost / total cost (how the paper averages), mean and max savings
 * over the settings (deltas), the share of runs that met the target, the share
 * whose guarantee failed, and wall time; then the oracle.
 */
export function printTables(
  rows: readonly Row[],
  datasets: readonly PaperDataset[],
  deltas: readonly number[],
  seeds: number,
  confidence: number,
  oracleCost: (dataset: PaperDataset, accuracy: number) => number,
): void {
  for (const dataset of datasets) {
    const mine = rows.filter((r) => r.dataset === dataset.name);
    if (mine.length === 0) continue;
    console.log(`\n${dataset.name} (${items(dataset.items)}; deltas ${deltas.join(', ')}; confidence ${confidence}; ${seeds} seed(s))`);
    const body: string[][] = [];
    for (const [name, group] of groupRuns(mine)) {
      const cost = group.reduce((s, r) => s + r.cost, 0);
      const naive = group.reduce((s, r) => s + r.naiveCost, 0);
      const perDelta = deltas.map((d) => {
        const g = group.filter((r) => r.delta === d);
        return g.reduce((s, r) => s + r.naiveCost, 0) / g.reduce((s, r) => s + r.cost, 0);
      });
      body.push([
        name,
        usd(cost),
        ratio(naive / cost),
        ratio(perDelta.reduce((s, x) => s + x, 0) / perDelta.length),
        ratio(Math.max(...perDelta)),
        percent(group.filter((r) => r.met).length / group.length),
        percent(group.filter((r) => r.violated).length / group.length),
        seconds(
          group.reduce((s, r) => s + r.ms, 0),
          2,
        ),
      ]);
    }
    // The reference's cost does not depend on the run: every run's naive cost is the same.
    const naivePerRun = mine[0].naiveCost;
    const oracle = deltas.map((d) => oracleCost(dataset, 1 - d));
    const oracleTotal = oracle.reduce((s, x) => s + x, 0) * seeds;
    const oracleSavings = oracle.map((c) => naivePerRun / c);
    body.push([
      'oracle (true rates, no profiling)',
      usd(oracleTotal),
      ratio((naivePerRun * deltas.length * seeds) / oracleTotal),
      ratio(oracleSavings.reduce((s, x) => s + x, 0) / oracleSavings.length),
      ratio(Math.max(...oracleSavings)),
      NO_FIGURE,
      NO_FIGURE,
      NO_FIGURE,
    ]);
    console.log(textTable(['strategy / bound', 'total cost', 'savings', 'mean', 'max', 'met', 'violated', 'time'], body, { rule: true }));
  }
}

/**
 * Prints, per dataset, the application phase at batch prices beside the
 * online figures, one line per strategy and bound: the total cost online and
 * in batch mode, batch over online, the savings against the reference alone
 * online (what a run costs without Smart or batches) and against the
 * reference alone in batch mode (the batch discount on every item: what Smart
 * adds to the batch discount), and the share of batch runs that met the
 * target and whose guarantee failed.
 */
export function printBatchTables(rows: readonly Row[], datasets: readonly PaperDataset[], deltas: readonly number[], seeds: number, discount: number): void {
  console.log(`\nThe application phase at batch prices (${percent(discount)} of the list price; profiling online at list price)`);
  for (const dataset of datasets) {
    const mine = rows.filter((r) => r.dataset === dataset.name);
    const online = groupRuns(mine.filter((r) => r.mode === 'online'));
    const batch = groupRuns(mine.filter((r) => r.mode === 'batch'));
    if (batch.size === 0) continue;
    console.log(`\n${dataset.name} (${items(dataset.items)}; deltas ${deltas.join(', ')}; ${seeds} seed(s))`);
    const body: string[][] = [];
    for (const [name, group] of batch) {
      const cost = group.reduce((s, r) => s + r.cost, 0);
      const naive = group.reduce((s, r) => s + r.naiveCost, 0);
      const onlineCost = (online.get(name) ?? []).reduce((s, r) => s + r.cost, 0);
      body.push([
        name,
        usd(onlineCost),
        usd(cost),
        percent(cost / onlineCost),
        ratio(naive / cost),
        ratio((discount * naive) / cost),
        percent(group.filter((r) => r.met).length / group.length),
        percent(group.filter((r) => r.violated).length / group.length),
      ]);
    }
    console.log(
      textTable(['strategy / bound', 'online cost', 'batch cost', 'batch / online', 'savings vs ref online', 'vs ref in batch', 'met', 'violated'], body, {
        rule: true,
      }),
    );
  }
}

/** Runs by strategy and bound (`naive` alone), in the order they first appear. */
function groupRuns(rows: readonly Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = r.strategy === 'naive' || r.strategy === 'auto' ? r.strategy : `${r.strategy} / ${r.bound}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return groups;
}
