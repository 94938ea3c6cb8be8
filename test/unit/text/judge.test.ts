import * as assert from 'node:assert/strict';
import type { JudgeSummary } from '../../../src/core/report';
import { agreementNote, describeGuarantee, planGuarantee } from '../../../src/text/guarantee';
import { describeJudge } from '../../../src/text/judge';
import { AUTO_REPORT } from '../../support/runFixtures';

const JUDGE: JudgeSummary = {
  model: 'gpt-4o-mini',
  question: 'equivalent',
  comparisons: 1638,
  judged: 412,
  gateVerdicts: 0,
  unreadable: [],
  calls: 412,
  cachedCalls: 0,
  inputTokens: 120_000,
  outputTokens: 412,
  cost: 0.031,
  paidCost: 0.031,
};

describe('the judge in words', () => {
  it('says what it was asked, how often, what it cost, and the verdicts it could not read', () => {
    assert.equal(
      describeJudge(JUDGE),
      'Judge gpt-4o-mini (the same meaning): asked on 412 of 1,638 comparisons (the others were the same but for case, punctuation and spacing), 412 calls, $0.031 (all paid in this run).',
    );
    const later = {
      ...JUDGE,
      question: 'asGood' as const,
      judged: 1638,
      calls: 1640,
      cachedCalls: 400,
      paidCost: 0.02,
      unreadable: [
        { index: 3, model: 'a' },
        { index: 9, model: 'b' },
      ],
    };
    assert.equal(
      describeJudge(later),
      'Judge gpt-4o-mini (at least as good): asked on 1,638 of 1,638 comparisons, 1,640 calls, $0.031 (paid now $0.02, $0.011 from the cache); 2 verdicts could not be read and count as disagreement.',
    );
    assert.equal(
      describeJudge({ ...JUDGE, gateVerdicts: 900, calls: 1312 }),
      "Judge gpt-4o-mini (the same meaning): asked on 412 of 1,638 comparisons (the others were the same but for case, punctuation and spacing), and on 900 pairs of cheap models' outputs in gates, 1,312 calls, $0.031 (all paid in this run).",
    );
  });

  it("is named in the guarantee, before the report and under it: agreement is the judge's word", () => {
    const judgedBy = { model: 'gpt-4o-mini', question: 'equivalent' as const };
    const report = { ...AUTO_REPORT, guarantee: { ...AUTO_REPORT.guarantee, judgedBy } };
    assert.match(
      describeGuarantee(report),
      /^With 95% confidence, at least 2,320 of the whole file's 2,400 outputs \(96\.6%\) agree with gpt-4o \(target 95%\), as gpt-4o-mini judges agreement \(the same meaning\): 390 profiled items/,
    );
    assert.equal(
      planGuarantee(AUTO_REPORT.plan, 'gpt-4o', judgedBy),
      'The plan keeps at least 2,320 outputs (96.6% of the file) in agreement with gpt-4o, as gpt-4o-mini judges agreement (the same meaning), with 95% confidence; the full statement comes with the report when the run finishes.',
    );
    assert.match(
      agreementNote('gpt-4o', 'outputs', { model: 'gpt-4o-mini', question: 'asGood' }),
      /^Agreement means gpt-4o-mini judged an output at least as good as gpt-4o's \(or found them the same but for case, punctuation and spacing\): it is the judge's word, not correctness; /,
    );
  });
});
