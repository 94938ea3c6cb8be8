import * as assert from 'node:assert/strict';
import { STATUS_WORDS, statusKind, statusWord } from '../../../src/text/modelStatus';
import { model } from './runFixtures';

describe('model status words', () => {
  it('names each standing, for the table, the chart and the legend', () => {
    const cases = [
      [model({ id: 'r', role: 'reference', status: 'satisfied' }), 'reference', 'reference'],
      [model({ id: 'a', status: 'satisfied', n: 100 }), 'satisfied', 'meets the target'],
      [model({ id: 'b', status: 'invalid', ruledOutBy: 'bound', n: 100 }), 'too-weak', 'below the target'],
      [model({ id: 'c', status: 'invalid', ruledOutBy: 'cost', n: 100 }), 'not-worth-it', 'profiling stopped (not worth it)'],
      [model({ id: 'd', status: 'invalid', n: 100 }), 'ruled-out', 'ruled out'],
      [model({ id: 'e', status: 'unknown', n: 0 }), 'not-profiled', 'not profiled'],
    ] as const;
    for (const [m, kind, words] of cases) {
      assert.equal(statusKind(m, false), kind, m.id);
      assert.equal(statusWord(m, false), words, m.id);
    }
  });

  it('calls an undecided model "profiling" while the run profiles, "undecided" after', () => {
    const m = model({ id: 'u', status: 'unknown', n: 40, agreements: 38 });
    assert.equal(statusWord(m, true), 'profiling');
    assert.equal(statusWord(m, false), 'undecided');
  });

  it('has words for every kind, each different', () => {
    const words = Object.values(STATUS_WORDS);
    assert.equal(new Set(words).size, words.length);
    assert.ok(words.every((w) => w.length > 0));
  });
});
