import * as assert from 'node:assert/strict';
import { formatReport, modelTable } from '../../../src/cli/reportSummary';
import { describeGuarantee } from '../../../src/text/guarantee';
import { AUTO_REPORT, REPORT } from '../../support/runFixtures';

/** A table's lines split into cells (cells hold no double spaces). */
const cells = (table: string): string[][] => table.split('\n').map((line) => line.trim().split(/\s{2,}/));

describe('the command line report summary', () => {
  it('has a row per model: what profiling concluded, agreement, interval, calls, cost, outputs and its use in the plan', () => {
    const rows = cells(modelTable(REPORT));
    assert.equal(rows.length, 1 + REPORT.models.length);
    assert.deepEqual(rows[0], ['model', 'profiling', 'agreed', 'interval', 'calls', 'cached', 'cost', 'outputs', 'use']);
    assert.deepEqual(rows[1], ['gpt-4o', 'the reference', '–', '–', '1,132', '0', '$0.2377', '1,132', 'answers the profiled items and 36.9% of the rest']);
    assert.deepEqual(rows[2], ['gpt-4o-mini', 'meets the target', '384/390', '95.5%–99.7%', '1,088', '120', '$0.01382', '698', 'answers 34.7% of the rest']);
    // The contradiction, now two facts that agree with the plan.
    assert.deepEqual(rows[3], [
      'gpt-4.1-nano',
      'profiling stopped to save cost',
      '379/390',
      '94.1%–99%',
      '960',
      '0',
      '$0.00818',
      '570',
      'answers 28.4% of the rest',
    ]);
    assert.deepEqual(rows[4].slice(0, 2).concat(rows[4].slice(-1)), ['gpt-3.5-turbo', 'below the target', 'not used']);
  });

  it("states auto's models from its certification, and the gate members' use", () => {
    const rows = cells(modelTable(AUTO_REPORT)).slice(1);
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[r.length - 1]]),
      [
        ['gpt-4o', 'the reference', 'answers the profiled items, 15% of the rest and the items gates pass on'],
        ['gpt-4.1-nano', 'in a certified plan', 'in a gate on 60% of the rest'],
        ['gemini-2.0-flash', 'in a certified plan', 'in a gate on 60% of the rest'],
        ['gpt-4o-mini', 'in a certified plan', 'answers 25% of the rest'],
        ['gpt-3.5-turbo', 'piloted, not chosen', 'not used'],
        ['claude-3-5-haiku', 'not profiled', 'not used'],
      ],
    );
  });

  it('states the plan with a line per entry, the cost, the guarantee for the whole file and the settings', () => {
    const lines = formatReport(REPORT)
      .split('\n')
      .slice(REPORT.models.length + 2);
    assert.deepEqual(lines, [
      "A mix of models for the 2,010 items left after profiling (the 390 profiled items keep gpt-4o's output).",
      '  gpt-4o-mini 34.7% · 698 items: expected agreement rate with gpt-4o on the 698 items it answers at least 95.5%; $0.0001 per item',
      '  gpt-4.1-nano 28.4% · 570 items: expected agreement rate with gpt-4o on the 570 items it answers at least 94.1%, below the 95% target, which is for the whole file; $0.0001 per item',
      '  gpt-4o 36.9% · 742 items: the reference itself',
      'Cost $0.2646 (paid now $0.2631, $0.00152 from the cache) vs $0.504 for gpt-4o alone: 1.90x cheaper, $0.2394 less (47.5%).',
      "gpt-4o alone on all 2,400 items: what gpt-4o was charged on the 810 it answered, each other item from its own prompt's length (at 1.02x the tokens counted, as gpt-4o reported them) and 3.1 output tokens, its mean.",
      `Guarantee: ${describeGuarantee(REPORT)}`,
      'Strategy modelmix, anytime-valid bound, seed 7, 390 of 2,400 items profiled, 183.0 s.',
    ]);
    assert.match(lines[6], /expected agreement rate with gpt-4o over the whole file's 2,400 items/);
  });

  it("names gates in the plan's lines", () => {
    const lines = formatReport(AUTO_REPORT).split('\n');
    assert.ok(
      lines.includes(
        '  gpt-4.1-nano + gemini-2.0-flash (else gpt-4o) 60% · 1,206 items: keeps the cheap answer on 90% of items; at least 1,176 of its 1,206 outputs (97.5%) agree with gpt-4o; $0.0000365 per item',
      ),
      lines.join('\n'),
    );
  });
});
