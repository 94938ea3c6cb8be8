import * as assert from 'node:assert/strict';
import type { RunReport } from '../../../src/core/report';
import { STATUS_WORDS, standing, statusKind, statusWord } from '../../../src/text/modelStatus';
import { AUTO_REPORT, candidate, REPORT } from '../../support/runFixtures';

/** Each model's two facts, by id. */
function standings(report: RunReport): Record<string, [profiling: string, use: string]> {
  return Object.fromEntries(
    report.models.map((m) => {
      const s = standing(m, report);
      return [m.id, [s.profiling, s.use]];
    }),
  );
}

describe('model status words', () => {
  it('names what profiling concluded, for the table, the chart and the legend', () => {
    const cases = [
      [candidate({ id: 'r', role: 'reference', status: 'satisfied', agreements: 100, n: 100 }), 'reference', 'the reference'],
      [candidate({ id: 'a', status: 'satisfied', agreements: 99, n: 100 }), 'satisfied', 'meets the target'],
      [candidate({ id: 'b', status: 'invalid', ruledOutBy: 'bound', agreements: 60, n: 100 }), 'too-weak', 'below the target'],
      [candidate({ id: 'c', status: 'invalid', ruledOutBy: 'cost', agreements: 96, n: 100 }), 'not-worth-it', 'profiling stopped to save cost'],
      [candidate({ id: 'd', status: 'invalid', agreements: 60, n: 100 }), 'ruled-out', 'ruled out'],
      [candidate({ id: 'e', status: 'unknown', agreements: 0, n: 0 }), 'not-profiled', 'not profiled'],
    ] as const;
    for (const [m, kind, words] of cases) {
      assert.equal(statusKind(m, false), kind, m.id);
      assert.equal(statusWord(m, false), words, m.id);
    }
  });

  it('calls an undecided model "profiling" while the run profiles, "undecided" after', () => {
    const m = candidate({ id: 'u', status: 'unknown', agreements: 38, n: 40 });
    assert.equal(statusWord(m, true), 'profiling');
    assert.equal(statusWord(m, false), 'undecided');
  });

  it('has words for every kind, each different, none about use in the plan', () => {
    const words = Object.values(STATUS_WORDS);
    assert.equal(new Set(words).size, words.length);
    assert.ok(words.every((w) => w.length > 0));
    for (const w of words) assert.doesNotMatch(w, /\bused?\b|not worth|answers|plan for|of the rest/, w);
  });

  it('under auto, reads the certification: in a certified plan, piloted but not chosen, not profiled', () => {
    const plan = AUTO_REPORT.plan;
    const kinds = AUTO_REPORT.models.map((m) => statusKind(m, false, plan));
    assert.deepEqual(kinds, ['reference', 'certified', 'certified', 'certified', 'not-chosen', 'not-profiled']);
    // The engine's flags alone would say "meets the target" of a gate member and "profiling stopped to save cost" of a piloted model.
    assert.deepEqual(
      AUTO_REPORT.models.map((m) => statusKind(m, false)),
      ['reference', 'satisfied', 'satisfied', 'satisfied', 'not-worth-it', 'not-profiled'],
    );
  });

  it('under auto, does not call a model in a certified plan the mix gave no items "in a certified plan" (issue 16, item 12)', () => {
    const plan = AUTO_REPORT.plan;
    const unused = { ...plan, entries: plan.entries.map((e) => (e.id === 'gpt-4o' ? e : { ...e, items: 0 })) };
    const kinds = AUTO_REPORT.models.map((m) => statusKind(m, false, unused));
    assert.deepEqual(kinds, ['reference', 'certified-unneeded', 'certified-unneeded', 'certified-unneeded', 'not-chosen', 'not-profiled']);
    assert.equal(statusWord(AUTO_REPORT.models[1], false, unused), 'certified, not needed by the mix');
  });

  it('under auto, says when the certification gave up before its first look', () => {
    const certification = { ...AUTO_REPORT.plan.certification!, looks: 0, items: 120, stoppedEarly: 'not-worth-it' as const };
    const plan = { ...AUTO_REPORT.plan, certification };
    const mini = AUTO_REPORT.models.find((m) => m.id === 'gpt-4o-mini')!;
    assert.equal(statusWord(mini, false, plan), 'certification stopped to save cost');
    assert.equal(
      statusWord(
        AUTO_REPORT.models.find((m) => m.id === 'gpt-3.5-turbo')!,
        false,
        plan,
      ),
      'piloted, not chosen',
    );
  });
});

describe("a model's two facts: what profiling concluded, and its use in the plan", () => {
  it("states a mix run's models: a model whose profiling stopped to save cost still answers its share", () => {
    assert.deepEqual(standings(REPORT), {
      'gpt-4o': ['the reference', 'answers the profiled items and 36.9% of the rest'],
      'gpt-4o-mini': ['meets the target', 'answers 34.7% of the rest'],
      'gpt-4.1-nano': ['profiling stopped to save cost', 'answers 28.4% of the rest'],
      'gpt-3.5-turbo': ['below the target', 'not used'],
      'claude-3-5-haiku': ['not profiled', 'not used'],
    });
  });

  it("states an auto run's models: gate members, a model alone, the reference's escalations, a piloted model left out", () => {
    assert.deepEqual(standings(AUTO_REPORT), {
      'gpt-4o': ['the reference', 'answers the profiled items, 15% of the rest and the items gates pass on'],
      'gpt-4.1-nano': ['in a certified plan', 'in a gate on 60% of the rest'],
      'gemini-2.0-flash': ['in a certified plan', 'in a gate on 60% of the rest'],
      'gpt-4o-mini': ['in a certified plan', 'answers 25% of the rest'],
      'gpt-3.5-turbo': ['piloted, not chosen', 'not used'],
      'claude-3-5-haiku': ['not profiled', 'not used'],
    });
  });

  it('never calls a model "not used" when the plan gives it items, nor used when it gives it none', () => {
    for (const report of [REPORT, AUTO_REPORT]) {
      for (const m of report.models) {
        if (m.role === 'reference') continue;
        const inPlan = report.plan.entries.some((e) => e.items > 0 && JSON.stringify(e.plan).includes(`"${m.id}"`));
        assert.equal(standing(m, report).use === 'not used', !inPlan, `${report.strategy} ${m.id}`);
      }
    }
  });
});
