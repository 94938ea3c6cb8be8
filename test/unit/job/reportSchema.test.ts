import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StateFileError } from '../../../src/io/jsonFile';
import { loadConfig } from '../../../src/job/config';
import { jobReportSchema, readReportConfig, readReportFile } from '../../../src/job/reportSchema';
import { runJob, type JobReport } from '../../../src/job/runJob';

/** A number in [0, 1) from a string, the same on every run. */
function hashed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/**
 * A real report, written by `runJob` on a replayed recording (no endpoint,
 * no server): 1,200 spam-or-ham items, a reference and three candidates
 * agreeing with it 96%, 90% and 90% of the time, one malformed line skipped.
 * `auto` chooses and certifies a mix (of a gated plan and a single model).
 */
async function realReport(dir: string): Promise<string> {
  const agreement: Record<string, number> = { big: 1, small: 0.96, tiny: 0.9, mini: 0.9 };
  const lines: string[] = [];
  const recorded: string[] = [];
  for (let i = 0; i < 1200; i++) {
    const truth = hashed(`t${i}`) < 0.5 ? 'spam' : 'ham';
    lines.push(JSON.stringify({ id: String(i), text: `message number ${i}` }));
    for (const [model, rate] of Object.entries(agreement)) {
      const text = hashed(`${model}${i}`) < rate ? truth : truth === 'spam' ? 'ham' : 'spam';
      recorded.push(JSON.stringify({ item: String(i), model, text, inputTokens: 20, outputTokens: 2 }));
    }
  }
  lines.splice(5, 0, '{ not json');
  const input = path.join(dir, 'items.jsonl');
  writeFileSync(input, lines.join('\n') + '\n');
  writeFileSync(path.join(dir, 'recorded.jsonl'), recorded.join('\n') + '\n');
  writeFileSync(path.join(dir, 'prompt.txt'), 'Is this spam? Answer spam or ham.\n{{text}}');
  const config = path.join(dir, 'smart.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      models: [
        { id: 'big', inputPer1M: 10, outputPer1M: 30 },
        { id: 'small', inputPer1M: 1, outputPer1M: 3 },
        { id: 'tiny', inputPer1M: 0.1, outputPer1M: 0.3 },
        { id: 'mini', inputPer1M: 0.15, outputPer1M: 0.4 },
      ],
      reference: 'big',
      candidates: ['small', 'tiny', 'mini'],
      template: 'prompt.txt',
      labels: ['spam', 'ham'],
      accuracy: 0.9,
      confidence: 0.95,
      strategy: 'auto',
      seed: 7,
      replay: 'recorded.jsonl',
      itemKey: 'id',
    }),
  );
  const { files } = await runJob({ input, config: loadConfig(config), skipInvalid: true });
  return files.report;
}

/**
 * The real report with what only a run with a judge writes (a judge is
 * called through an endpoint, which a pure test has none of), in the shapes
 * runJob writes them; and the union members the replayed run did not reach.
 */
function withJudge(report: JobReport): JobReport {
  const entry = report.plan.entries[0];
  const certification = report.plan.certification!;
  return {
    ...report,
    seedOrigin: 'drawn',
    auditAlpha: 0.01,
    auditItems: 30,
    judge: {
      model: 'judge',
      question: 'asGood',
      comparisons: 540,
      judged: 212,
      gateVerdicts: 655,
      unreadable: [{ index: 17, model: 'tiny' }],
      calls: 868,
      cachedCalls: 12,
      inputTokens: 130_211,
      outputTokens: 1736,
      cost: 0.014_2,
      paidCost: 0.013_9,
    },
    plan: {
      ...report.plan,
      entries: [
        ...report.plan.entries,
        {
          id: 'tiny~mini>big',
          plan: { kind: 'gated', members: ['tiny', 'mini'], escalate: 'big', judged: true },
          share: 0,
          items: 0,
          agreeing: 0,
          lowerBound: 0,
          level: 0.95,
          costPerItem: 0.000_02,
          coverage: 0.74,
        },
        {
          id: 'small@0.9>big',
          plan: { kind: 'confident', model: 'small', threshold: 0.9, escalate: 'big' },
          share: 0,
          items: 0,
          lowerBound: 0.91,
          level: 0.95,
          costPerItem: 0.000_05,
          coverage: 0.81,
        },
      ],
      certification: { ...certification, stoppedEarly: 'not-worth-it' },
    },
    referenceOnly: { kind: 'mean', answered: 297 },
    guarantee: { ...report.guarantee, judgedBy: { model: 'judge', question: 'asGood' } },
    unreadableVerdicts: [{ line: 19, model: 'tiny' }],
    disagreements: [
      ...report.disagreements,
      {
        line: 42,
        model: 'mini',
        input: 'Is this spam? …',
        referenceOutput: 'It is spam.',
        candidateOutput: 'Looks fine.',
        referenceAnswer: 'spam',
        candidateAnswer: 'ham',
        verdict: 'no',
      },
      { line: 19, model: 'tiny', input: 'Is this spam? …', referenceOutput: 'spam', candidateOutput: 'Hard to say.', verdict: 'unreadable' },
    ],
    audit: {
      alpha: 0.005,
      population: 1034,
      plans: [{ plan: entry.id, sampled: 30 }],
      pairs: [
        {
          plan: entry.id,
          model: 'tiny',
          line: 88,
          input: 'Is this spam? Answer spam or ham.\nmessage number 87',
          referenceOutput: 'spam',
          candidateOutput: 'Spam.',
        },
      ],
    },
    preview: { ...report.preview, outputEstimate: { kind: 'maxTokens' }, judge: { model: 'judge', perCall: 0.000_04, atMost: 0.29, gates: 3 } },
  };
}

describe('the run report schema', function () {
  this.timeout(60_000);
  let runDir = '';
  /** The report file runJob wrote, and its text. */
  let reportFile = '';
  let reportText = '';
  let dir = '';

  before(async () => {
    runDir = mkdtempSync(path.join(os.tmpdir(), 'smart-report-run-'));
    reportFile = await realReport(runDir);
    reportText = readFileSync(reportFile, 'utf8');
  });
  after(() => rmSync(runDir, { recursive: true, force: true }));
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'smart-report-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes `text` as a report file of this test's folder. */
  const written = (text: string): string => {
    const file = path.join(dir, 'items.smart-report.json');
    writeFileSync(file, text);
    return file;
  };

  /** Reading `text` as a report fails with a StateFileError that names the file and matches `problem`. */
  const refused = (text: string, problem: RegExp): void => {
    const file = written(text);
    assert.throws(
      () => readReportFile(file),
      (error: unknown) => {
        assert.ok(error instanceof StateFileError, String(error));
        assert.equal(error.file, file);
        assert.ok(error.message.startsWith(`${file}: not a Smart run report (`), error.message);
        assert.match(error.problem, problem);
        return true;
      },
    );
  };

  it('reads a report runJob wrote as it is', () => {
    const raw = JSON.parse(reportText) as JobReport;
    // What the recording is made to reach (if the engine comes to choose otherwise, change the recording, not these).
    assert.equal(raw.plan.kind, 'mix', 'the replayed run should end in a mix');
    assert.ok(raw.plan.certification !== undefined, 'auto certifies its plans');
    assert.ok(raw.disagreements.length > 0, 'candidates disagree with the reference on some profiled items');
    assert.deepEqual(
      raw.skippedLines.map((s) => s.line),
      [6],
    );
    assert.equal(raw.preview.outputEstimate.kind, 'label');
    assert.deepEqual(readReportFile(reportFile), raw);
  });

  it('reads a report with a judge, its audit and every optional field', () => {
    const report = withJudge(JSON.parse(reportText) as JobReport);
    const parsed = readReportFile(written(JSON.stringify(report, null, 2)));
    assert.deepEqual(parsed, report);
    assert.equal(parsed.audit?.pairs[0].line, 88);
  });

  it('reads each kind of the unions the report holds', () => {
    const report = JSON.parse(reportText) as JobReport;
    for (const outputEstimate of [{ kind: 'label', label: 'not spam', labelTokens: 2, margin: 2 }, { kind: 'maxTokens' }, { kind: 'default' }] as const) {
      const variant = { ...report, preview: { ...report.preview, outputEstimate } };
      assert.deepEqual(jobReportSchema.parse(variant), variant);
    }
    for (const referenceOnly of [
      { kind: 'per-item', answered: 3, inputRatio: 1.1, outputTokens: 2.5 },
      { kind: 'mean', answered: 3 },
    ] as const) {
      const variant = { ...report, referenceOnly };
      assert.deepEqual(jobReportSchema.parse(variant), variant);
    }
  });

  it('still reads a report from a newer version with fields it does not know, leaving them out', () => {
    const raw = JSON.parse(reportText) as JobReport;
    const newer = { ...raw, somethingNew: { added: 'later' }, plan: { ...raw.plan, entries: raw.plan.entries.map((e) => ({ ...e, extra: 1 })) } };
    assert.deepEqual(readReportFile(written(JSON.stringify(newer))), raw);
  });

  it('refuses a truncated report, saying it is not valid JSON', () => {
    refused(reportText.slice(0, Math.floor(reportText.length / 2)), /^not valid JSON: /);
  });

  it('refuses a hand-edited report, naming the field', () => {
    const raw = JSON.parse(reportText) as JobReport;
    refused(JSON.stringify({ ...raw, guarantee: { ...raw.guarantee, met: 'yes' } }), /^guarantee\.met: .*boolean/);
    const entries = raw.plan.entries.map((e, i) => (i === 0 ? { ...e, items: '12' } : e));
    refused(JSON.stringify({ ...raw, plan: { ...raw.plan, entries } }), /^plan\.entries\.0\.items: .*number/);
    refused(JSON.stringify({ ...raw, plan: { ...raw.plan, entries: [{ ...raw.plan.entries[0], items: 12.5 }] } }), /^plan\.entries\.0\.items: .*int/i);
    refused(JSON.stringify({ ...raw, strategy: 'cheapest' }), /^strategy: /);
    refused(JSON.stringify({ ...raw, disagreements: undefined }), /^disagreements: /);
  });

  it('refuses a JSON file of another kind, naming a field it lacks', () => {
    refused(JSON.stringify({ name: 'smart-llm', version: '0.1.0', scripts: { test: 'mocha' } }), /^strategy: /);
    refused('[1, 2, 3]', /expected object/);
  });

  it('refuses an empty file', () => {
    refused('', /^it is empty$/);
    refused('  \n', /^it is empty$/);
  });

  it('lets file-system errors through as they are', () => {
    assert.throws(
      () => readReportFile(path.join(dir, 'none.smart-report.json')),
      (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
    );
  });

  it("reads the config a report names even from a report that is otherwise not one (the last run's settings on a file)", () => {
    const file = path.join(dir, 'partial.smart-report.json');
    writeFileSync(file, JSON.stringify({ config: '/data/smart.config.2.json', strategy: 'from another version' }));
    assert.equal(readReportConfig(file), '/data/smart.config.2.json');
    writeFileSync(file, JSON.stringify({ strategy: 'auto' }));
    assert.throws(
      () => readReportConfig(file),
      (error: Error) => error instanceof StateFileError && /\(config: /.test(error.message),
    );
  });
});
