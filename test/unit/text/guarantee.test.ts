import * as assert from 'node:assert/strict';
import { agreementNote, describeGuarantee, planGuarantee } from '../../../src/text/guarantee';
import { AUTO_REPORT, REPORT } from '../../support/runFixtures';

const MIX = REPORT.plan;

describe("describeGuarantee, for a count of this file's outputs (auto)", () => {
  it("states a mix: confidence, how many of the file's outputs agree, the target, which plan wrote which outputs and how many of those agree, and the bounds", () => {
    assert.equal(
      describeGuarantee(AUTO_REPORT),
      "With 95% confidence, at least 2,320 of the whole file's 2,400 outputs (96.6%) agree with gpt-4o (target 95%): 390 profiled items carry gpt-4o's own output; " +
        'the other 2,010 come from gpt-4.1-nano + gemini-2.0-flash (else gpt-4o) on 1,206 (at least 1,176 of them agree), gpt-4o-mini on 502 (at least 452 of them agree) and gpt-4o itself on 302; ' +
        'exact bounds for sampling without replacement from this file, on 350 items profiled after the plans were chosen and looked at only at sizes fixed in advance, and on the items each plan was dealt at random.',
    );
  });

  it('states one plan', () => {
    const entries = [{ ...AUTO_REPORT.plan.entries[1], items: 2010, agreeing: 1930, lowerBound: 1930 / 2010 }];
    const plan = { ...AUTO_REPORT.plan, kind: 'single' as const, entries, agreeingOutputs: 2320 };
    assert.match(
      describeGuarantee({ ...AUTO_REPORT, plan }),
      /the other 2,010 come from gpt-4o-mini \(at least 1,930 of them agree with gpt-4o\); exact bounds/,
    );
  });

  it("states a plan certified in sequence: the model's thresholds tested in order, the confidence not divided among them (issue 20)", () => {
    const certification = AUTO_REPORT.plan.certification!;
    const tested = (plans: ReadonlyArray<{ threshold?: number; agreeing: number }>) =>
      plans.map(({ threshold, agreeing }) => ({
        ...certification.plans[0],
        id: threshold === undefined ? 'gpt-4o-mini' : `gpt-4o-mini@${threshold}>gpt-4o`,
        plan:
          threshold === undefined
            ? { kind: 'single' as const, model: 'gpt-4o-mini' }
            : { kind: 'confident' as const, model: 'gpt-4o-mini', threshold, escalate: 'gpt-4o' },
        agreeing,
        inSequence: true as const,
      }));
    const said = (plans: ReturnType<typeof tested>) => {
      const passed = plans.find((p) => p.agreeing > 0);
      const entries = passed
        ? [{ ...AUTO_REPORT.plan.entries[1], id: passed.id, plan: passed.plan, items: 2010, agreeing: 1890, lowerBound: 1890 / 2010 }]
        : [];
      const plan = { ...AUTO_REPORT.plan, kind: 'single' as const, entries, agreeingOutputs: 2280, certification: { ...certification, plans } };
      return describeGuarantee({ ...AUTO_REPORT, plan });
    };
    const lead =
      "looked at only at sizes fixed in advance, gpt-4o-mini's confidence thresholds tested in order from the highest without dividing the confidence among them";
    assert.ok(
      said(
        tested([
          { threshold: 0.99732, agreeing: 1890 },
          { threshold: 0.9973125, agreeing: 0 },
        ]),
      ).endsWith(`${lead}, down to the lowest that passed.`),
    );
    assert.ok(said(tested([{ agreeing: 1890 }])).endsWith(`${lead}, every one passing, and gpt-4o-mini alone too.`));
    assert.match(said(tested([{ agreeing: 1890 }])), /; exact tests for sampling without replacement from this file, on [\d,]+ items profiled/);
  });

  it('says so when the target is not met', () => {
    const text = describeGuarantee({
      ...AUTO_REPORT,
      plan: { ...AUTO_REPORT.plan, agreeingOutputs: 2200, agreementLowerBound: 2200 / 2400 },
      guarantee: { ...AUTO_REPORT.guarantee, met: false },
    });
    assert.match(text, /^With 95% confidence, at least 2,200 of the whole file's 2,400 outputs \(91.6%\) are known to agree with gpt-4o \(target 95%\)/);
  });
});

describe("describeGuarantee, for a rate (the paper's strategies)", () => {
  it("states a mix: the expected agreement rate over the whole file, that it is a rate and not a count, and each entry's rate", () => {
    assert.equal(
      describeGuarantee(REPORT),
      "With 95% confidence, the plan's expected agreement rate with gpt-4o over the whole file's 2,400 items is at least 97.3% (target 95%), items taken as independent draws (a rate, not a count of this file's outputs): " +
        "390 profiled items carry gpt-4o's own output; the other 2,010 come from gpt-4o-mini on 698 (expected agreement rate at least 95.5%), gpt-4.1-nano on 570 (expected agreement rate at least 94.1%) and gpt-4o itself on 742; " +
        'anytime-valid bounds, which hold however often they were checked.',
    );
  });

  it('states one model, with exact bounds', () => {
    const plan = {
      ...MIX,
      kind: 'single' as const,
      entries: [
        {
          id: 'gpt-4o-mini',
          plan: { kind: 'single' as const, model: 'gpt-4o-mini' },
          share: 1,
          items: 2010,
          lowerBound: 0.9551,
          level: 0.95,
          costPerItem: 0.0001,
        },
      ],
    };
    assert.match(
      describeGuarantee({ ...REPORT, plan, bound: 'clopper-pearson' }),
      /the other 2,010 come from gpt-4o-mini \(expected agreement rate with gpt-4o at least 95.5%\); exact Clopper-Pearson bounds\.$/,
    );
  });

  it('says so when the target is not met', () => {
    const text = describeGuarantee({ ...REPORT, plan: { ...MIX, agreementLowerBound: 0.9 }, guarantee: { ...REPORT.guarantee, met: false } });
    assert.match(
      text,
      /^With 95% confidence, the plan's expected agreement rate with gpt-4o over the whole file's 2,400 items is only known to be at least 90% \(target 95%\)/,
    );
  });

  it("says when the paper's rule was checked at every step, so the confidence is not proven", () => {
    const text = describeGuarantee({ ...REPORT, bound: 'clopper-pearson', guarantee: { ...REPORT.guarantee, bound: 'clopper-pearson', proven: false } });
    assert.match(
      text,
      /exact Clopper-Pearson bounds, the paper's rule, valid for one look and not for the repeated checks of profiling: this confidence is not proven\.$/,
    );
  });

  it('states the confidence the argument backs', () => {
    assert.match(describeGuarantee({ ...REPORT, guarantee: { ...REPORT.guarantee, confidence: 0.75 } }), /^With 75% confidence/);
  });
});

describe('describeGuarantee, outputs all from the reference', () => {
  it('says they agree with it, for the naive plan or a plan that kept only the reference', () => {
    const expected = 'All 2,400 outputs come from the reference model gpt-4o itself, so they agree with it on every item.';
    assert.equal(describeGuarantee({ ...REPORT, plan: { ...MIX, kind: 'naive' } }), expected);
    assert.equal(
      describeGuarantee({
        ...AUTO_REPORT,
        plan: {
          ...AUTO_REPORT.plan,
          entries: [
            {
              id: 'gpt-4o',
              plan: { kind: 'single' as const, model: 'gpt-4o' },
              share: 1,
              items: 2010,
              agreeing: 2010,
              lowerBound: 1,
              level: 1,
              costPerItem: 0.0001,
            },
          ],
        },
      }),
      expected,
    );
  });
});

describe('planGuarantee and agreementNote', () => {
  it("state the chosen plan's guarantee before the report, as a count or as a rate", () => {
    assert.equal(
      planGuarantee(AUTO_REPORT.plan, 'gpt-4o'),
      'The plan keeps at least 2,320 outputs (96.6% of the file) in agreement with gpt-4o, with 95% confidence; the full statement comes with the report when the run finishes.',
    );
    assert.equal(
      planGuarantee(MIX, 'gpt-4o'),
      'The plan keeps the expected agreement rate with gpt-4o at 97.3% or more over the whole file, with 95% confidence; the full statement comes with the report when the run finishes.',
    );
  });

  it('say what the confidence is over: the order drawn for this file as it is, or independent draws', () => {
    assert.match(agreementNote('gpt-4o', 'outputs'), /over the random order Smart drew for this run .* the file itself is taken as it is\.$/);
    assert.match(agreementNote('gpt-4o', 'rate'), /with items taken as independent draws\.$/);
  });
});
