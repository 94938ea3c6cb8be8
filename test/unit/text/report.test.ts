import * as assert from 'node:assert/strict';
import type { RunReport } from '../../../src/core/report';
import { costSentence, describeTarget, referenceOnlyNote, settingsSentence } from '../../../src/text/report';
import { REPORT } from '../../support/runFixtures';

describe('report sentences', () => {
  it('states the cost against the reference alone, with what came from the cache', () => {
    assert.equal(
      costSentence(REPORT),
      'Cost $0.2646 (paid now $0.2631, $0.00152 from the cache) vs $0.504 for gpt-4o alone: 1.90x cheaper, $0.2394 less (47.5%).',
    );
    assert.equal(
      costSentence({ ...REPORT, totalCost: 1234.5, paidCost: 1234.5, referenceOnlyCost: 1200, savings: 1200 / 1234.5 }),
      'Cost $1,234.50 (all paid in this run) vs $1,200.00 for gpt-4o alone: 1.03x more expensive, $34.50 more (2.9%).',
    );
  });

  it('states how the run was set up and how long it took', () => {
    assert.equal(settingsSentence(REPORT), 'Strategy modelmix, anytime-valid bound, seed 7, 390 of 2,400 items profiled, 183.0 s.');
    assert.equal(
      settingsSentence({ ...REPORT, inputFormat: 'csv' }),
      'Strategy modelmix, anytime-valid bound, seed 7, 390 of 2,400 items (CSV rows) profiled, 183.0 s.',
    );
    assert.equal(
      settingsSentence({ ...REPORT, inputFormat: 'jsonl', shards: 8 }),
      'Strategy modelmix, anytime-valid bound, seed 7, 390 of 2,400 items (JSONL lines in 8 shards) profiled, 183.0 s.',
    );
  });

  it('states the target', () => {
    assert.equal(describeTarget({ accuracy: 0.975, confidence: 0.9 }, 'gpt-4o'), 'agree with gpt-4o on ≥ 97.5% of items, 90% confidence');
    assert.equal(describeTarget({ accuracy: 0.57, confidence: 0.95 }, 'gpt-4o'), 'agree with gpt-4o on ≥ 57% of items, 95% confidence');
  });

  it('says how the reference alone was priced: charged where it answered, item by item elsewhere, or at its mean (issue 16, item 1)', () => {
    const at = (referenceOnly: RunReport['referenceOnly']): string => referenceOnlyNote({ reference: 'gpt-4o', items: 3000, referenceOnly });
    assert.equal(
      at({ kind: 'per-item', answered: 593, inputRatio: 1.25, outputTokens: 10 }),
      "on all 3,000 items: what gpt-4o was charged on the 593 it answered, each other item from its own prompt's length (at 1.25x the tokens counted, as gpt-4o reported them) and 10.0 output tokens, its mean",
    );
    assert.equal(
      at({ kind: 'per-item', answered: 3000, inputRatio: 1, outputTokens: 4 }),
      'on all 3,000 items: what gpt-4o was charged on the 3,000 it answered',
    );
    assert.equal(
      at({ kind: 'per-item', answered: 0, inputRatio: 1, outputTokens: 50 }),
      "on all 3,000 items, each from its own prompt's length and 50.0 output tokens, an estimate",
    );
    assert.equal(at({ kind: 'mean', answered: 12 }), 'on all 3,000 items, at its mean cost per call');
  });
});
