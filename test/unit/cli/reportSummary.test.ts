import * as assert from 'node:assert/strict';
import { formatReport, modelTable } from '../../../src/cli/reportSummary';
import { describeGuarantee } from '../../../src/text/guarantee';
import { REPORT } from '../../support/runFixtures';

describe('the command line report summary', () => {
  it('has a row per model with its standing, interval, calls and cost', () => {
    const lines = modelTable(REPORT.models).split('\n');
    assert.equal(lines.length, 1 + REPORT.models.length);
    assert.deepEqual(lines[2].trim().split(/\s{2,}/), ['gpt-4o-mini', 'meets the target', '384/390', '95.5%–99.6%', '1,088', '120', '$0.01382', '698']);
    assert.deepEqual(lines[1].trim().split(/\s{2,}/), ['gpt-4o', 'reference', '–', '–', '1,132', '0', '$0.2377', '1,132']);
  });

  it('states the plan, the cost, the guarantee and the settings', () => {
    const lines = formatReport(REPORT).split('\n').slice(REPORT.models.length + 2);
    assert.deepEqual(lines, [
      "A mix of plans for the 2,010 items left after profiling (the 390 profiled items keep gpt-4o's output). Shares: gpt-4o-mini 34.7% (698 items), gpt-4.1-nano 28.4% (570 items), gpt-4o 36.9% (742 items).",
      'Cost $0.2646 (paid now $0.2631, $0.00152 from the cache) vs $0.504 for gpt-4o alone: 1.90x cheaper, $0.2394 less (47.5%).',
      `Guarantee: ${describeGuarantee(REPORT)}`,
      'Strategy modelmix, anytime-valid bound, seed 7, 390 of 2,400 items profiled, 183.0 s.',
    ]);
  });
});
