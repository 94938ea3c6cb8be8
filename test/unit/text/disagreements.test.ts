import * as assert from 'node:assert/strict';
import type { DisagreementSample } from '../../../src/core/report';
import { excerpt } from '../../../src/job/disagreements';
import { disagreementHeading, disagreementSummary } from '../../../src/text/disagreements';

const label: DisagreementSample = {
  line: 14,
  model: 'mid',
  input: 'Spam or ham? win a prize',
  referenceOutput: 'Spam.',
  candidateOutput: 'Ham.',
  referenceAnswer: 'spam',
  candidateAnswer: 'ham',
};
const judged: DisagreementSample = {
  line: 3,
  model: 'mini',
  input: 'Summarise: ...',
  referenceOutput: 'A storm closed the port.',
  candidateOutput: 'The port stayed open.',
  verdict: 'no',
};

describe('disagreements in words', () => {
  it('head each sample by candidate and line, with what decided it', () => {
    assert.equal(disagreementHeading(label), 'mid, line 14: the answers "spam" and "ham"');
    assert.equal(disagreementHeading(judged), 'mini, line 3: the judge said no');
    assert.equal(disagreementHeading({ ...label, file: 'part-3.jsonl' }), 'mid, part-3.jsonl line 14: the answers "spam" and "ham"');
    assert.equal(disagreementHeading({ ...judged, verdict: 'unreadable' }), "mini, line 3: the judge's verdict could not be read");
    const { line, model, input, referenceOutput, candidateOutput } = label;
    assert.equal(disagreementHeading({ line, model, input, referenceOutput, candidateOutput }), 'mid, line 14', 'no answers extracted');
  });

  it('show the command line at most two a candidate, saying how many the report holds', () => {
    const samples = [label, { ...label, line: 20 }, { ...label, line: 31 }, judged];
    const lines = disagreementSummary(samples, 'big');
    assert.equal(lines[0], 'Profiled items where a candidate disagreed with big, the first met in the random order (3 of 4 shown; all in the report):');
    assert.deepEqual(lines.slice(1, 5), [
      '  mid, line 14: the answers "spam" and "ham"',
      '    Prompt: Spam or ham? win a prize',
      '    big: Spam.',
      '    mid: Ham.',
    ]);
    assert.equal(lines.filter((l) => l.startsWith('  mid, line')).length, 2);
    assert.ok(lines.includes('  mini, line 3: the judge said no'));
  });

  it('cut long texts to an excerpt on one line', () => {
    assert.equal(excerpt('  a\n\n b  '), 'a b');
    const long = excerpt('x'.repeat(1000));
    assert.equal(long.length, 300);
    assert.ok(long.endsWith('…'));
  });
});
