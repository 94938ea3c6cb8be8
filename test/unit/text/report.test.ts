import * as assert from 'node:assert/strict';
import { costSentence, describeTarget, settingsSentence } from '../../../src/text/report';
import { REPORT } from '../../support/runFixtures';

describe('report sentences', () => {
  it('states the cost against the reference alone, with what came from the cache', () => {
    assert.equal(costSentence(REPORT), 'Cost $0.2646 (paid now $0.2631, $0.00152 from the cache) vs $0.504 for gpt-4o alone: 1.90x cheaper, $0.2394 less (47.5%).');
    assert.equal(
      costSentence({ ...REPORT, totalCost: 1234.5, paidCost: 1234.5, referenceOnlyCost: 1200, savings: 1200 / 1234.5 }),
      'Cost $1,234.50 (all paid in this run) vs $1,200.00 for gpt-4o alone: 1.03x more expensive, $34.50 more (2.9%).',
    );
  });

  it('states how the run was set up and how long it took', () => {
    assert.equal(settingsSentence(REPORT), 'Strategy modelmix, anytime-valid bound, seed 7, 390 of 2,400 items profiled, 183.0 s.');
  });

  it('states the target', () => {
    assert.equal(describeTarget({ accuracy: 0.975, confidence: 0.9 }, 'gpt-4o'), 'agree with gpt-4o on ≥ 97.5% of items, 90% confidence');
    assert.equal(describeTarget({ accuracy: 0.57, confidence: 0.95 }, 'gpt-4o'), 'agree with gpt-4o on ≥ 57% of items, 95% confidence');
  });
});
