/**
 * Runs to show: states the host could send the cost panel (a run being
 * profiled, a finished run with a mix, a failed and a cancelled run, a run
 * with twenty candidates, and one whose strings look like markup), and their
 * progress event and report, which the text tests word.
 */
import type { BatchesProgress, ModelSummary, ProgressEvent, RunReport } from '../../src/core/report';
import type { PanelState, RunView } from '../../src/protocol/panelProtocol';
import { auditStatement, type AuditFacts } from '../../src/text/audit';

type ModelFields = Pick<ModelSummary, 'id' | 'status' | 'agreements' | 'n'> & Partial<ModelSummary>;

export function candidate(fields: ModelFields): ModelSummary {
  return {
    role: 'candidate',
    calls: fields.n,
    cachedCalls: 0,
    inputTokens: fields.n * 74,
    outputTokens: fields.n * 3,
    cost: 0,
    costPerItem: 0,
    itemsProduced: 0,
    ...fields,
  };
}

function reference(n: number, fields: Partial<ModelSummary> = {}): ModelSummary {
  return candidate({ id: 'gpt-4o', status: 'satisfied', agreements: n, n, interval: { lower: 1, upper: 1 }, ...fields, role: 'reference' });
}

const TARGET = { accuracy: 0.95, confidence: 0.95 } as const;

const base = {
  input: 'data/support-tickets.jsonl',
  target: TARGET,
  strategy: 'modelmix',
  bound: 'anytime',
  intervals: 'anytime',
  reference: 'gpt-4o',
  candidates: ['gpt-4o-mini', 'gpt-4.1-nano', 'gpt-3.5-turbo', 'claude-3-5-haiku'],
} as const;

/** Profiling, 132 items in: one candidate still profiled, one ruled out by its bound. */
export const PROFILING: ProgressEvent = {
  phase: 'profiling',
  itemsDone: 132,
  itemsTotal: 2400,
  profiledItems: 132,
  models: [
    reference(132, { calls: 132, inputTokens: 9768, outputTokens: 396, cost: 0.02772, costPerItem: 0.00021, itemsProduced: 132 }),
    candidate({
      id: 'gpt-4o-mini',
      status: 'unknown',
      agreements: 127,
      n: 132,
      interval: { lower: 0.931, upper: 0.98 },
      cost: 0.00168,
      costPerItem: 0.0000127,
    }),
    candidate({
      id: 'gpt-3.5-turbo',
      status: 'invalid',
      ruledOutBy: 'bound',
      agreements: 101,
      n: 120,
      interval: { lower: 0.742, upper: 0.912 },
      cost: 0.00493,
      costPerItem: 0.0000411,
    }),
  ],
  costSoFar: 0.03433,
  referenceOnlySoFar: 0.02772,
  projectedTotalCost: 0.06454,
  projectedSavings: 7.81,
};

/** A run being profiled. */
export const RUNNING: PanelState = {
  run: { ...base, status: 'running', progress: PROFILING, canOpenOutput: false, canOpenReport: false },
};

const FINISHED_MODELS: ModelSummary[] = [
  reference(390, { calls: 1132, inputTokens: 83768, outputTokens: 3396, cost: 0.23772, costPerItem: 0.00021, itemsProduced: 1132 }),
  candidate({
    id: 'gpt-4o-mini',
    status: 'satisfied',
    agreements: 384,
    n: 390,
    interval: { lower: 0.9551, upper: 0.9962 },
    calls: 390 + 698,
    cachedCalls: 120,
    cost: 0.01382,
    costPerItem: 0.0000127,
    itemsProduced: 698,
  }),
  candidate({
    id: 'gpt-4.1-nano',
    status: 'invalid',
    ruledOutBy: 'cost',
    agreements: 379,
    n: 390,
    interval: { lower: 0.9412, upper: 0.9891 },
    calls: 390 + 570,
    cost: 0.00818,
    costPerItem: 0.0000085,
    itemsProduced: 570,
  }),
  candidate({
    id: 'gpt-3.5-turbo',
    status: 'invalid',
    ruledOutBy: 'bound',
    agreements: 101,
    n: 120,
    interval: { lower: 0.742, upper: 0.912 },
    cost: 0.00493,
    costPerItem: 0.0000411,
  }),
  candidate({ id: 'claude-3-5-haiku', status: 'unknown', agreements: 0, n: 0, calls: 0, inputTokens: 0, outputTokens: 0, costPerItem: 0.0000706 }),
];

/** A finished run that chose a mix of two candidates and the reference. */
export const REPORT: RunReport = {
  strategy: 'modelmix',
  bound: 'anytime',
  seed: 7,
  target: TARGET,
  checkEvery: 10,
  minSample: 100,
  items: 2400,
  profiledItems: 390,
  reference: 'gpt-4o',
  models: FINISHED_MODELS,
  plan: {
    kind: 'mix',
    entries: [
      { id: 'gpt-4o-mini', plan: { kind: 'single', model: 'gpt-4o-mini' }, share: 0.3473, items: 698, lowerBound: 0.9551, level: 0.975, costPerItem: 0.0001 },
      { id: 'gpt-4.1-nano', plan: { kind: 'single', model: 'gpt-4.1-nano' }, share: 0.2836, items: 570, lowerBound: 0.9412, level: 0.975, costPerItem: 0.0001 },
      { id: 'gpt-4o', plan: { kind: 'single', model: 'gpt-4o' }, share: 0.3692, items: 742, lowerBound: 1, level: 1, costPerItem: 0.0001 },
      { id: 'gpt-4.1-mini', plan: { kind: 'single', model: 'gpt-4.1-mini' }, share: 0, items: 0, lowerBound: 0.93, level: 0.95, costPerItem: 0.0001 },
    ],
    about: 'rate',
    agreementLowerBound: 0.973,
    confidence: 0.95,
  },
  totalCost: 0.26461,
  paidCost: 0.26309,
  referenceOnlyCost: 0.504,
  referenceOnly: { kind: 'per-item', answered: 390 + 420, inputRatio: 1.02, outputTokens: 3.1 },
  savings: 1.9047,
  guarantee: {
    about: 'rate',
    accuracy: 0.95,
    confidence: 0.95,
    bound: 'anytime',
    met: true,
    proven: true,
  },
  timings: { startedAt: '2025-05-02T10:00:00.000Z', profilingMs: 61000, applyingMs: 122000, totalMs: 183000 },
};

/** The cost preview of the runs below, as the host words it. */
export const PREVIEW_LINES = [
  '2,400 items, about 74 input tokens per call on average (each item\'s own length, at the tokens per character of 200 prompts); 4 output tokens per answer (the longest label, "not spam", is 2 tokens; 2 more for the full stop, quotes or line break a model may add).',
  'gpt-4o alone on every item: $0.504.',
  'Profiling costs at least $0.02468 (the minimum sample) and at most $0.7342 (every model on every item).',
];

/** The input being checked and the cost estimated, before the preview. */
export const PREPARING: PanelState = {
  run: { ...base, status: 'preparing', canOpenOutput: false, canOpenReport: false },
};

/** The cost preview waits for the person's go-ahead. */
export const CONFIRMING: PanelState = {
  run: { ...base, status: 'confirming', preview: PREVIEW_LINES, canOpenOutput: false, canOpenReport: false },
};

/** The person declined the cost preview: nothing started. */
export const DECLINED: PanelState = {
  run: {
    ...base,
    status: 'declined',
    preview: PREVIEW_LINES,
    message: 'Stopped before any paid call: the cost preview was declined.',
    canOpenOutput: false,
    canOpenReport: false,
  },
};

/** The endpoint refused the key at the first calls, before any progress. */
export const FAILED_AT_ONCE: PanelState = {
  run: {
    ...base,
    status: 'failed',
    preview: PREVIEW_LINES,
    message: "gpt-4o: 401 Unauthorized from endpoint 'openai'; set its key with Smart: Set API Key.",
    canOpenOutput: false,
    canOpenReport: false,
  },
};

/** The finished run, with its output and report on disk. */
export const FINISHED: PanelState = {
  run: { ...base, dataset: 'CSV rows', status: 'done', report: REPORT, canOpenOutput: true, canOpenReport: true },
};

/**
 * A finished `auto` run: a gate of two cheap models and gpt-4o-mini alone
 * certified and used (gpt-4o-mini with a bound below the target on its own
 * items), gpt-3.5-turbo piloted but in no chosen plan, claude-3-5-haiku never
 * profiled. Statuses as the engine sets them: every model a used plan calls
 * satisfied, the piloted one ruled out by cost.
 */
export const AUTO_REPORT: RunReport = {
  ...REPORT,
  strategy: 'auto',
  bound: 'hypergeometric',
  models: [
    reference(390, { calls: 390 + 302 + 121, cost: 0.17073, costPerItem: 0.00021, itemsProduced: 390 + 302 + 121 }),
    candidate({
      id: 'gpt-4.1-nano',
      status: 'satisfied',
      agreements: 381,
      n: 390,
      interval: { lower: 0.953, upper: 0.99 },
      calls: 390 + 1206,
      cost: 0.0136,
      costPerItem: 0.0000085,
      itemsProduced: 1085,
    }),
    candidate({
      id: 'gemini-2.0-flash',
      status: 'satisfied',
      agreements: 377,
      n: 390,
      interval: { lower: 0.942, upper: 0.983 },
      calls: 390 + 1206,
      cost: 0.0112,
      costPerItem: 0.000007,
      itemsProduced: 0,
    }),
    candidate({
      id: 'gpt-4o-mini',
      status: 'satisfied',
      agreements: 366,
      n: 390,
      interval: { lower: 0.906, upper: 0.958 },
      calls: 390 + 502,
      cost: 0.0113,
      costPerItem: 0.0000127,
      itemsProduced: 502,
    }),
    candidate({
      id: 'gpt-3.5-turbo',
      status: 'invalid',
      ruledOutBy: 'cost',
      agreements: 33,
      n: 40,
      interval: { lower: 0.672, upper: 0.927 },
      cost: 0.00164,
      costPerItem: 0.0000411,
    }),
    candidate({ id: 'claude-3-5-haiku', status: 'unknown', agreements: 0, n: 0, calls: 0, inputTokens: 0, outputTokens: 0, costPerItem: 0.0000706 }),
  ],
  plan: {
    kind: 'mix',
    entries: [
      {
        id: 'gpt-4.1-nano+gemini-2.0-flash>gpt-4o',
        plan: { kind: 'gated', members: ['gpt-4.1-nano', 'gemini-2.0-flash'], escalate: 'gpt-4o' },
        share: 0.6,
        items: 1206,
        agreeing: 1176,
        lowerBound: 1176 / 1206,
        level: 0.975,
        costPerItem: 0.0000365,
        coverage: 0.9,
      },
      {
        id: 'gpt-4o-mini',
        plan: { kind: 'single', model: 'gpt-4o-mini' },
        share: 0.25,
        items: 502,
        agreeing: 452,
        lowerBound: 452 / 502,
        level: 0.975,
        costPerItem: 0.0000127,
      },
      { id: 'gpt-4o', plan: { kind: 'single', model: 'gpt-4o' }, share: 0.15, items: 302, agreeing: 302, lowerBound: 1, level: 1, costPerItem: 0.00021 },
    ],
    about: 'outputs',
    agreeingOutputs: 2320,
    agreementLowerBound: 2320 / 2400,
    confidence: 0.95,
    certification: {
      pilotItems: 40,
      pilotModels: ['gemini-2.0-flash', 'gpt-4.1-nano', 'gpt-4o-mini', 'gpt-3.5-turbo'],
      plansConsidered: 14,
      plannedItems: 350,
      items: 350,
      looks: 1,
      plans: [
        {
          id: 'gpt-4.1-nano+gemini-2.0-flash>gpt-4o',
          plan: { kind: 'gated', members: ['gpt-4.1-nano', 'gemini-2.0-flash'], escalate: 'gpt-4o' },
          pilotAgreements: 40,
          pilotItems: 40,
          agreements: 347,
          items: 350,
          agreeing: 1960,
          lowerBound: 1960 / 2010,
          alpha: 0.014,
          blockAlpha: 0.005,
          costPerItem: 0.0000365,
          coverage: 0.9,
        },
        {
          id: 'gpt-4o-mini',
          plan: { kind: 'single', model: 'gpt-4o-mini' },
          pilotAgreements: 38,
          pilotItems: 40,
          agreements: 328,
          items: 350,
          agreeing: 1809,
          lowerBound: 1809 / 2010,
          alpha: 0.014,
          blockAlpha: 0.005,
          costPerItem: 0.0000127,
        },
      ],
    },
  },
  totalCost: 0.20847,
  paidCost: 0.20847,
  savings: 2.4176,
  guarantee: { about: 'outputs', accuracy: 0.95, confidence: 0.95, bound: 'hypergeometric', met: true, proven: true },
};

/** What the audit's words need of AUTO_REPORT. */
const AUTO_REPORT_FACTS: AuditFacts = { items: AUTO_REPORT.items, reference: 'gpt-4o', target: AUTO_REPORT.target };

/** The finished `auto` run, with its output and report on disk. */
export const FINISHED_AUTO: PanelState = {
  run: {
    ...base,
    strategy: 'auto',
    bound: 'hypergeometric',
    intervals: 'clopper-pearson',
    status: 'done',
    report: AUTO_REPORT,
    disagreements: [
      {
        line: 118,
        model: 'gpt-4o-mini',
        input: 'Route this ticket: my card was charged twice for one order',
        referenceOutput: 'billing',
        candidateOutput: 'orders',
        referenceAnswer: 'billing',
        candidateAnswer: 'orders',
      },
      {
        line: 2051,
        model: 'gpt-4.1-nano',
        input: 'Route this ticket: the app logs me out every hour',
        referenceOutput: 'account',
        candidateOutput: 'technical',
        referenceAnswer: 'account',
        candidateAnswer: 'technical',
      },
    ],
    canOpenOutput: true,
    canOpenReport: true,
  },
};

/** The `auto` run audited by a person: 3 of 40 pairs labelled, the next one shown with its prompt and both outputs. */
export const AUDITING: PanelState = {
  run: {
    ...FINISHED_AUTO.run!,
    audit: {
      labelled: 3,
      total: 40,
      pair: {
        key: 'gpt-4o-mini:412',
        plan: 'gpt-4o-mini',
        model: 'gpt-4o-mini',
        line: 412,
        input: 'Summarize the ticket in one sentence:\nI was charged twice for order 1182 and the refund never came.',
        referenceOutput: 'The customer was double-charged for order 1182 and has not been refunded.',
        candidateOutput: 'Customer reports a duplicate charge on order 1182 with no refund yet.',
      },
      last: { label: 'disagree', line: 87, model: 'gpt-4o-mini' },
      statement: auditStatement(AUTO_REPORT_FACTS, { labelled: 3, total: 40 }),
      done: false,
    },
  },
};

/** The audit once every pair is labelled: the guarantee as a person would judge. */
export const AUDITED: PanelState = {
  run: {
    ...FINISHED_AUTO.run!,
    audit: {
      labelled: 40,
      total: 40,
      last: { label: 'agree', line: 2290, model: 'gpt-4o-mini' },
      statement: auditStatement(AUTO_REPORT_FACTS, {
        labelled: 40,
        total: 40,
        done: { plans: [{ plan: 'gpt-4o-mini', sampled: 40, falseYes: 1, cap: 41 }], agreeingOutputs: 2279 },
      }),
      done: true,
      met: false,
    },
  },
};

/** Applying the plan, 1,200 items in: the Open buttons wait for the end, Cancel is offered, the savings are projected. */
export const APPLYING: PanelState = {
  run: {
    ...base,
    status: 'running',
    progress: {
      ...PROFILING,
      phase: 'applying',
      itemsDone: 1200,
      profiledItems: 390,
      models: REPORT.models,
      plan: REPORT.plan,
      costSoFar: 0.1432,
      referenceOnlySoFar: 0.252,
      projectedTotalCost: 0.1867,
      projectedSavings: 2.7,
    },
    canOpenOutput: false,
    canOpenReport: false,
  },
};

/** The API key was refused during profiling. */
export const FAILED: PanelState = {
  run: {
    ...base,
    status: 'failed',
    progress: PROFILING,
    message: "gpt-4o: 401 Unauthorized from endpoint 'openai'; set its key with Smart: Set API Key.",
    canOpenOutput: false,
    canOpenReport: false,
  },
};

/** Stopped by the user while the plan was being applied. */
export const CANCELLED: PanelState = {
  run: {
    ...base,
    status: 'cancelled',
    progress: { ...PROFILING, phase: 'applying', itemsDone: 900, plan: REPORT.plan },
    message: 'Cancelled after 900 of 2,400 items; rerun to resume from the cache.',
    canOpenOutput: false,
    canOpenReport: false,
  },
};

/** When the batches below were looked at (Unix seconds): now, so that the panel shows them hours old, not years. */
export const BATCHES_SEEN_AT = Math.floor(Date.now() / 1000);

/** The batches of a run's application phase, in two rounds: the first collected, one waiting, one not sent yet. */
export const BATCHES: BatchesProgress = {
  batches: [
    {
      endpoint: 'openai',
      model: 'gpt-4o-mini',
      requests: 50_000,
      attempt: 1,
      stage: 'completed',
      batchId: 'batch_68a1f0c2d4e8',
      createdAt: BATCHES_SEEN_AT - 3 * 3600 - 300,
      completed: 50_000,
      failed: 0,
      downloaded: true,
    },
    {
      endpoint: 'openai',
      model: 'gpt-4o-mini',
      requests: 12_345,
      attempt: 1,
      stage: 'in_progress',
      batchId: 'batch_68a1f0c2d4e9',
      createdAt: BATCHES_SEEN_AT - 2 * 3600,
      completed: 8_100,
      failed: 12,
      downloaded: false,
    },
    {
      endpoint: 'openai',
      model: 'gpt-4o',
      requests: 742,
      attempt: 1,
      stage: 'validating',
      batchId: 'batch_68a1f0c2d4ea',
      createdAt: BATCHES_SEEN_AT - 40,
      completed: 0,
      failed: 0,
      downloaded: false,
    },
    { endpoint: 'openai', model: 'gpt-4o', requests: 80, attempt: 2, stage: 'planned', completed: 0, failed: 0, downloaded: false },
  ],
  answered: 50_000,
  requests: 63_087,
};

/** A run waiting for its batches, the plan chosen. */
export const WAITING: PanelState = {
  run: {
    ...base,
    status: 'running',
    progress: { ...PROFILING, phase: 'applying', itemsDone: 390, profiledItems: 390, plan: REPORT.plan },
    batches: BATCHES,
    canOpenOutput: false,
    canOpenReport: false,
  },
};

/** Twenty candidates while profiling, with intervals spread from 60% to 100%. */
export function manyCandidates(): PanelState {
  const models: ModelSummary[] = [reference(200)];
  for (let i = 0; i < 20; i++) {
    const agreements = 120 + i * 4;
    const rate = agreements / 200;
    models.push(
      candidate({
        id: `candidate-model-${String(i + 1).padStart(2, '0')}`,
        status: rate > 0.97 ? 'satisfied' : rate < 0.85 ? 'invalid' : 'unknown',
        ...(rate < 0.85 ? { ruledOutBy: 'bound' as const } : {}),
        agreements,
        n: 200,
        interval: { lower: Math.max(0, rate - 0.07), upper: Math.min(1, rate + 0.04) },
      }),
    );
  }
  const run: RunView = {
    ...base,
    status: 'running',
    progress: { ...PROFILING, itemsDone: 200, profiledItems: 200, models },
    canOpenOutput: false,
    canOpenReport: false,
  };
  return { run };
}

/** Markup where file names, model ids and messages go: it must show as text. */
export const HOSTILE: PanelState = {
  run: {
    ...base,
    input: '<img src=x onerror="window.__injected=1">.jsonl',
    reference: '<b id="injected">ref</b>',
    status: 'failed',
    progress: {
      ...PROFILING,
      models: [
        reference(10, { id: '<b id="injected">ref</b>' }),
        candidate({ id: '<svg onload="window.__injected=1">', status: 'unknown', agreements: 9, n: 10, interval: { lower: 0.5, upper: 0.99 } }),
      ],
    },
    message: '<script>window.__injected=1</script>',
    canOpenOutput: false,
    canOpenReport: false,
  },
};
