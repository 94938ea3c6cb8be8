import * as assert from 'node:assert/strict';
import { readVerdict } from '../../../src/io/judgeVerdict';

describe('readVerdict', () => {
  it('reads a yes or a no as the first word, after quotes, emphasis or a label', () => {
    for (const text of ['yes', 'Yes.', 'YES', ' "yes"', '**Yes** - both name Paris.', 'Verdict: yes', 'Answer - Yes', '(yes)'])
      assert.equal(readVerdict(text), true, text);
    for (const text of ['no', 'No.', 'NO, they differ.', '`no`', 'Verdict: No']) assert.equal(readVerdict(text), false, text);
  });

  it('reads a JSON verdict, also in a fence', () => {
    assert.equal(readVerdict('{"verdict": "yes"}'), true);
    assert.equal(readVerdict('```json\n{"reason": "same city", "verdict": "No"}\n```'), false);
    assert.equal(readVerdict('{"verdict": true}'), true);
    assert.equal(readVerdict('{"verdict": false}'), false);
  });

  it('reads nothing else: a hedge, a yes later in the text, a word that starts like one', () => {
    for (const text of [
      '',
      'Maybe.',
      'It depends; yes in part.',
      'Yesterday it was',
      'Nothing differs',
      'Not really',
      '{"verdict": "probably"}',
      '{"verdict": 1}',
      'I would say yes',
    ]) {
      assert.equal(readVerdict(text), undefined, text);
    }
  });
});
