import * as assert from 'node:assert/strict';
import { describeGuarantee, planGuarantee } from '../../../src/text/guarantee';
import { REPORT } from '../../support/runFixtures';

const MIX = REPORT.plan;

describe('describeGuarantee', () => {
  it('states a mix: confidence, bound on agreement over the whole file, target, which model made which outputs and its bound on those, and the bounds used', () => {
    assert.equal(
      describeGuarantee(REPORT),
      "With 95% confidence, the outputs agree with gpt-4o on at least 97.3% of the whole file's 2,400 items (target 95%): 390 profiled items carry gpt-4o's own output; " +
        'the other 2,010 come from gpt-4o-mini on 698 (agreement on those at least 95.5%), gpt-4.1-nano on 570 (agreement on those at least 94.1%) and gpt-4o itself on 742; ' +
        'anytime-valid bounds, which hold however often they were checked.',
    );
  });

  it('states one model, with exact bounds', () => {
    const plan = { ...MIX, kind: 'single' as const, entries: [{ id: 'gpt-4o-mini', plan: { kind: 'single' as const, model: 'gpt-4o-mini' }, share: 1, items: 2010, lowerBound: 0.9551, level: 0.95, costPerItem: 0.0001 }] };
    assert.equal(
      describeGuarantee({ ...REPORT, plan, bound: 'clopper-pearson' }),
      "With 95% confidence, the outputs agree with gpt-4o on at least 97.3% of the whole file's 2,400 items (target 95%): 390 profiled items carry gpt-4o's own output; " +
        'the other 2,010 come from gpt-4o-mini (agreement with gpt-4o on those at least 95.5%); exact Clopper-Pearson bounds.',
    );
  });

  it('says so when the target is not met', () => {
    const text = describeGuarantee({ ...REPORT, plan: { ...MIX, agreementLowerBound: 0.9 }, guarantee: { ...REPORT.guarantee, met: false } });
    assert.match(text, /^With 95% confidence, the outputs are only known to agree with gpt-4o on at least 90% of the whole file's 2,400 items \(target 95%\)/);
  });

  it('says outputs all from the reference agree with it, for the naive plan or a plan that kept only the reference', () => {
    const expected = 'All 2,400 outputs come from the reference model gpt-4o itself, so they agree with it on every item.';
    assert.equal(describeGuarantee({ ...REPORT, plan: { ...MIX, kind: 'naive' } }), expected);
    assert.equal(describeGuarantee({ ...REPORT, plan: { ...MIX, entries: [{ id: 'gpt-4o', plan: { kind: 'single' as const, model: 'gpt-4o' }, share: 1, items: 2010, lowerBound: 1, level: 1, costPerItem: 0.0001 }] } }), expected);
  });
});

describe('describeGuarantee, how the bounds were obtained', () => {
  it('says when the paper\'s rule was checked at every step, so the confidence is not proven', () => {
    const text = describeGuarantee({ ...REPORT, bound: 'clopper-pearson', guarantee: { ...REPORT.guarantee, bound: 'clopper-pearson', proven: false } });
    assert.match(text, /exact Clopper-Pearson bounds, the paper's rule, valid for one look and not for the repeated checks of profiling: this confidence is not proven\.$/);
  });

  it('states the confidence the argument backs, and auto\'s certification', () => {
    const certification = { pilotItems: 40, pilotModels: ['gpt-4o-mini'], plansConsidered: 12, plannedItems: 300, items: 300, looks: 1, plans: [] };
    const text = describeGuarantee({ ...REPORT, guarantee: { ...REPORT.guarantee, confidence: 0.9 }, plan: { ...REPORT.plan, certification } });
    assert.match(text, /^With 90% confidence/);
    assert.match(text, /exact Clopper-Pearson bounds on 300 items profiled after the plans were chosen, looked at only at sizes fixed in advance\.$/);
  });
});

describe('planGuarantee', () => {
  it('states the chosen plan\'s bound over the whole file before the report', () => {
    assert.equal(
      planGuarantee(MIX, 'gpt-4o'),
      'The plan keeps agreement with gpt-4o at 97.3% or more over the whole file, with 95% confidence; the full statement comes with the report when the run finishes.',
    );
  });
});
