/** Small runs for the text tests: a finished mix, and the pieces to vary it. */
import type { ModelSummary, Plan, ProgressEvent, RunReport } from '../../../src/core/report';

export function model(fields: Pick<ModelSummary, 'id'> & Partial<ModelSummary>): ModelSummary {
  return {
    role: 'candidate',
    status: 'unknown',
    agreements: 0,
    n: 0,
    calls: 0,
    cachedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cost: 0,
    costPerItem: 0,
    itemsProduced: 0,
    ...fields,
  };
}

export const MIX: Plan = {
  kind: 'mix',
  entries: [
    { id: 'mini', share: 0.3473, items: 698, lowerBound: 0.9551, level: 0.975 },
    { id: 'nano', share: 0.2836, items: 570, lowerBound: 0.9412, level: 0.975 },
    { id: 'big', share: 0.3692, items: 742, lowerBound: 1, level: 1 },
    { id: 'unused', share: 0, items: 0, lowerBound: 0.93, level: 0.95 },
  ],
  agreementLowerBound: 0.973,
  confidence: 0.95,
};

export const REPORT: RunReport = {
  strategy: 'modelmix',
  bound: 'anytime',
  seed: 7,
  target: { accuracy: 0.95, confidence: 0.95 },
  checkEvery: 10,
  minSample: 100,
  items: 2400,
  profiledItems: 390,
  reference: 'big',
  models: [
    model({ id: 'big', role: 'reference', status: 'satisfied', agreements: 390, n: 390, calls: 1132, cost: 0.23772, itemsProduced: 1132 }),
    model({ id: 'mini', status: 'satisfied', agreements: 384, n: 390, interval: { lower: 0.9551, upper: 0.9962 }, calls: 1088, cachedCalls: 120, cost: 0.01382, itemsProduced: 698 }),
    model({ id: 'nano', status: 'invalid', ruledOutBy: 'cost', agreements: 379, n: 390, interval: { lower: 0.9412, upper: 0.9891 }, calls: 960, cost: 0.00818, itemsProduced: 570 }),
    model({ id: 'old', status: 'invalid', ruledOutBy: 'bound', agreements: 101, n: 120, interval: { lower: 0.742, upper: 0.912 }, calls: 120, cost: 0.00493 }),
    model({ id: 'unused' }),
  ],
  plan: MIX,
  totalCost: 0.26461,
  paidCost: 0.26309,
  referenceOnlyCost: 0.504,
  savings: 1.9047,
  guarantee: { accuracy: 0.95, confidence: 0.95, bound: 'anytime', met: true },
  timings: { startedAt: '2025-05-02T10:00:00.000Z', profilingMs: 61000, applyingMs: 122000, totalMs: 183000 },
};

export const PROGRESS: ProgressEvent = {
  phase: 'profiling',
  itemsDone: 132,
  itemsTotal: 2400,
  profiledItems: 132,
  models: REPORT.models,
  costSoFar: 0.03433,
  referenceOnlySoFar: 0.02772,
  projectedTotalCost: 0.06454,
  projectedSavings: 7.81,
};
