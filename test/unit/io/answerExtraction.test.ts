import * as assert from 'node:assert/strict';
import { describeAnswerRule, extractAnswer, type AnswerRule } from '../../../src/io/answerExtraction';

function check(rule: AnswerRule, cases: [string, string][]): void {
  for (const [text, expected] of cases) assert.equal(extractAnswer(rule, text), expected, `extracting from ${JSON.stringify(text)}`);
}

describe('extractAnswer', () => {
  it('trim: the whole output without surrounding whitespace', () => {
    check({ kind: 'trim' }, [
      ['  Spam.\n', 'Spam.'],
      ['', ''],
    ]);
  });

  describe('normalized', () => {
    const same = (a: string, b: string): boolean => extractAnswer({ kind: 'normalized' }, a) === extractAnswer({ kind: 'normalized' }, b);

    it('ignores case, punctuation, spacing and Unicode compatibility forms', () => {
      assert.ok(same('The answer is: Paris.', 'the answer is paris'));
      assert.ok(same('  Hello,\n\tWORLD!  ', 'hello world'));
      assert.ok(same('Ｐａｒｉｓ', 'paris'), 'full-width letters read as their plain forms (NFKC)');
      assert.ok(same('ﬁne', 'fine'), 'a ligature reads as its letters');
      assert.ok(same('STRASSE', 'Straße'), 'case folding, not only lower-casing');
      assert.ok(same('“Yes” — she said…', 'yes she said'));
    });

    it('keeps words apart where punctuation stood, and different words different', () => {
      assert.ok(!same('yes,no', 'yesno'));
      assert.ok(!same('Paris', 'London'));
      assert.ok(!same('1.5', '15'));
      assert.equal(extractAnswer({ kind: 'normalized' }, ''), '');
    });
  });

  describe('json', () => {
    const same = (rule: AnswerRule, a: string, b: string): boolean => extractAnswer(rule, a) === extractAnswer(rule, b);
    const json: AnswerRule = { kind: 'json' };

    it('compares the first JSON value as data: key order, number spelling and spaces around strings do not matter', () => {
      assert.ok(same(json, '{"name": "Ada ", "born": 1815}', 'Here it is:\n```json\n{"born": 1815.0, "name": "Ada"}\n```'));
      assert.ok(same(json, '[1, 2, {"b": 1e2, "a": true}]', 'The list: [1,2,{"a":true,"b":100}] as asked.'));
      assert.ok(!same(json, '[1, 2]', '[2, 1]'), 'arrays keep their order');
      assert.ok(!same(json, '{"name": "Ada"}', '{"name": "ada"}'), 'case matters by default');
      assert.ok(same({ kind: 'json', ignoreCase: true }, '{"name": "Ada"}', '{"name": "ada"}'));
    });

    it('takes the first value that parses, passing over prose in brackets', () => {
      assert.equal(extractAnswer(json, 'See note [a] and {curly prose}, then {"x": 1}.'), '{"x":1}');
      assert.equal(extractAnswer(json, 'Values: [1, 2] and then {"x": 1}'), '[1,2]');
    });

    it('compares only the fields asked for, nested ones by path', () => {
      const rule: AnswerRule = { kind: 'json', fields: ['name', 'address.city'] };
      assert.ok(
        same(
          rule,
          '{"name": "Ada", "address": {"city": "London", "street": "1 Main St"}, "note": "x"}',
          '{"address": {"city": "London"}, "name": "Ada", "note": "y"}',
        ),
      );
      assert.ok(!same(rule, '{"name": "Ada", "address": {"city": "London"}}', '{"name": "Ada", "address": {"city": "Paris"}}'));
      assert.ok(!same(rule, '{"name": "Ada"}', '{"name": "Ada", "address": {"city": "Paris"}}'), 'a missing field differs from a present one');
    });

    it('without JSON gives the output trimmed, so only identical non-JSON outputs agree', () => {
      assert.equal(extractAnswer(json, '  I cannot answer that. '), 'I cannot answer that.');
      assert.ok(!same(json, 'no JSON here', '{"a": 1}'));
    });
  });

  describe('label', () => {
    const rule: AnswerRule = { kind: 'label', labels: ['spam', 'Ham', 'not spam'] };

    it('finds the earliest label, case-insensitively, in its configured spelling', () => {
      check(rule, [
        ['SPAM', 'spam'],
        ['Label: ham.', 'Ham'],
        ['It is ham, not spam', 'Ham'],
        ['**Spam** (not ham)', 'spam'],
      ]);
    });

    it('prefers the longest label on a tie', () => {
      check(rule, [
        ['Not spam.', 'not spam'],
        ['not  spam', 'spam'], // two spaces: "not spam" is not there
      ]);
      // Listed shortest first, so the order of the list does not decide.
      check({ kind: 'label', labels: ['very', 'very positive', 'positive'] }, [
        ['Very positive!', 'very positive'],
        ['very, positive', 'very'],
      ]);
    });

    it('matches whole words only', () => {
      check(rule, [
        ['hamster food', 'hamster food'],
        ['spammy hamster, so spam', 'spam'],
        ['ham_1 or ham', 'Ham'],
        ['Ham', 'Ham'],
      ]);
      check({ kind: 'label', labels: ['café'] }, [
        ['CAFÉ!', 'café'],
        ['cafés', 'cafés'],
      ]);
    });

    it('handles labels with punctuation, which need no word boundary at their punctuated ends', () => {
      check({ kind: 'label', labels: ['N/A', '+1', '-1', 'a.b'] }, [
        ['Rating: +1', '+1'],
        ['vote:-1.', '-1'],
        ['answer n/a', 'N/A'],
        ['axb', 'axb'],
        ['x a.b', 'a.b'],
      ]);
    });

    it('without a label gives the output lowercased, never equal to a label', () => {
      check(rule, [
        ['  I cannot tell. ', 'i cannot tell.'],
        ['', ''],
      ]);
      // "İ" lowercases to "i̇" (two code points) but the regex's case folding does not equate them.
      check({ kind: 'label', labels: ['i̇'] }, [['İ', 'i̇']]);
    });
  });

  describe('lastNumber', () => {
    const rule: AnswerRule = { kind: 'lastNumber' };

    it('reads GSM8K-style answers', () => {
      check(rule, [
        ['Natalia sold 48/2 = 24 clips in May.\n48 + 24 = 72\n#### 72', '72'],
        ['The answer is $1,234.', '1234'],
        ['So she pays 3 * $12.50 = $37.50.', '37.5'],
        ['#### 1,000,000', '1000000'],
        ['The answer is \\boxed{42}.', '42'],
        ['The total is -$5.', '-5'],
        ['It falls to −3 °C', '-3'],
      ]);
    });

    it('normalises signs, commas, zeros, decimals and exponents', () => {
      check(rule, [
        ['x = -3', '-3'],
        ['+7', '7'],
        ['-0.0', '0'],
        ['007', '7'],
        ['1,234.50', '1234.5'],
        ['42.0', '42'],
        ['.5 of it', '0.5'],
        ['1e3', '1000'],
        ['2.5E-3', '0.0025'],
        ['12345678901234567890123', '12345678901234567890123'],
      ]);
    });

    it('does not read hyphens, list commas or version dots as part of numbers', () => {
      check(rule, [
        ['5-3', '3'],
        ['on 2024-01-15', '15'],
        ['pick 1,2,3', '3'],
        ['1,2345', '2345'],
        ['v1.2.3', '3'],
        ['5 eggs', '5'],
        ['2eggs', '2'],
      ]);
    });

    it('gives "" when there is no number', () => {
      check(rule, [
        ['no digits here', ''],
        ['-', ''],
        ['', ''],
      ]);
    });
  });

  describe('jsonField', () => {
    it('reads a field of the first JSON object, fenced or in prose', () => {
      check({ kind: 'jsonField', field: 'label' }, [
        ['{"label": " spam "}', 'spam'],
        ['Sure! {not json} Here:\n```json\n{"label": "ham", "why": "a {brace} in a string"}\n```\nand {"label": "x"}', 'ham'],
        ['{"label": 3.50}', '3.5'],
        ['{"label": true}', 'true'],
        ['{"label": null}', 'null'],
        ['{"label": {"b": 1, "a": [2, {"d": 1, "c": 0}]}}', '{"a":[2,{"c":0,"d":1}],"b":1}'],
        ['{"label": "a \\"quoted\\" } brace"}', 'a "quoted" } brace'],
        ['[{"label": "in an array"}]', 'in an array'],
      ]);
    });

    it('reads nested fields and array indices', () => {
      check({ kind: 'jsonField', field: 'result.labels.1' }, [['{"result": {"labels": ["a", "b"]}}', 'b']]);
    });

    it('gives "" without an object or a field', () => {
      check({ kind: 'jsonField', field: 'label' }, [
        ['no json here', ''],
        ['{"other": 1}', ''],
        ['{"label": "truncated', ''],
      ]);
    });
  });

  describe('regex', () => {
    it('takes group 1 by default when there is one, else the whole match', () => {
      check({ kind: 'regex', pattern: 'Answer:\\s*(\\w+)' }, [
        ['Answer: B\nAnswer: C', 'B'],
        ['no answer', ''],
      ]);
      check({ kind: 'regex', pattern: '[A-D]\\)' }, [['pick C) then D)', 'C)']]);
    });

    it('takes a numbered or named group, with flags', () => {
      check({ kind: 'regex', pattern: '(final|answer): (?<value>.+)', group: 'value', flags: 'i' }, [['FINAL:  yes  ', 'yes']]);
      check({ kind: 'regex', pattern: '(a)|(b)', group: 2 }, [
        ['b', 'b'],
        ['a', ''],
      ]);
      check({ kind: 'regex', pattern: '(a)(b)', group: 0 }, [['xaby', 'ab']]);
    });
  });
});

describe('describeAnswerRule', () => {
  it('says how each rule compares outputs', () => {
    assert.equal(describeAnswerRule({ kind: 'trim' }), 'the whole output, trimmed');
    assert.equal(describeAnswerRule({ kind: 'normalized' }), 'the whole output, ignoring case, punctuation and spacing (Unicode NFKC)');
    assert.match(
      describeAnswerRule({ kind: 'json' }),
      /^the first JSON value in the output, compared as data \(key order ignored, numbers by value, strings trimmed\)/,
    );
    assert.match(
      describeAnswerRule({ kind: 'json', fields: ['a', 'b.c'], ignoreCase: true }),
      /^the fields "a", "b\.c" of the first JSON value .* case ignored\)/,
    );
    assert.match(
      describeAnswerRule({ kind: 'label', labels: ['spam', 'ham'] }),
      /^the first of the labels "spam", "ham" found in the output \(case-insensitive, whole words\)/,
    );
    assert.match(describeAnswerRule({ kind: 'lastNumber' }), /last number/);
    assert.match(describeAnswerRule({ kind: 'jsonField', field: 'a.b' }), /field "a\.b" of the first JSON object/);
    assert.match(
      describeAnswerRule({ kind: 'regex', pattern: 'x(\\d)', flags: 'i' }),
      /first group \(or the whole match\) of the first match of \/x\(\\d\)\/i/,
    );
    assert.match(describeAnswerRule({ kind: 'regex', pattern: 'x', group: 'v' }), /^group "v"/);
  });
});
