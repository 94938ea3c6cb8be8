import * as assert from 'node:assert/strict';
import { STATUS_WORDS, statusKind, statusWord } from '../../../src/text/modelStatus';
import { candidate } from '../../support/runFixtures';

describe('model status words', () => {
  it('names each standing, for the table, the chart and the legend', () => {
    const cases = [
      [candidate({ id: 'r', role: 'reference', status: 'satisfied', agreements: 100, n: 100 }), 'reference', 'reference'],
      [candidate({ id: 'a', status: 'satisfied', agreements: 99, n: 100 }), 'satisfied', 'meets the target'],
      [candidate({ id: 'b', status: 'invalid', ruledOutBy: 'bound', agreements: 60, n: 100 }), 'too-weak', 'below the target'],
      [candidate({ id: 'c', status: 'invalid', ruledOutBy: 'cost', agreements: 96, n: 100 }), 'not-worth-it', 'profiling stopped (not worth it)'],
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

  it('has words for every kind, each different', () => {
    const words = Object.values(STATUS_WORDS);
    assert.equal(new Set(words).size, words.length);
    assert.ok(words.every((w) => w.length > 0));
  });
});
