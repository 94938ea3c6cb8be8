import * as assert from 'node:assert/strict';
import { defaultJudgePrompt, judgeTemplate } from '../../../src/job/judgeClient';

describe('judge prompts', () => {
  it('ship for both questions: the task, both answers, the question and one form of answer', () => {
    for (const question of ['equivalent', 'asGood'] as const) {
      const template = judgeTemplate(undefined, question);
      assert.deepEqual([...new Set(template.fields)].sort(), ['candidate_output', 'criteria', 'input', 'reference_output']);
      const prompt = template.render(
        { input: 'What is 2+2?', reference_output: '4', candidate_output: 'Four.', criteria: 'Numbers must match exactly.' },
        { file: 'x', line: 1 },
      );
      assert.match(prompt, /<task>\nWhat is 2\+2\?\n<\/task>/);
      assert.match(prompt, /<answer_a>\n4\n<\/answer_a>/);
      assert.match(prompt, /<answer_b>\nFour\.\n<\/answer_b>/);
      assert.match(prompt, /Numbers must match exactly\.\nReply with one word: yes or no\.\n$/);
    }
    assert.match(defaultJudgePrompt('equivalent'), /say the same as answer A/);
    assert.match(defaultJudgePrompt('asGood'), /acceptable substitute for answer A: at least as good for the task/);
  });

  it("takes a prompt of the person's own only if it shows the judge both outputs", () => {
    assert.deepEqual(
      judgeTemplate('A: {{reference_output}}\nB: {{candidate_output}}\nQuestion {{item.id}}: same? yes or no', 'equivalent', 'mine.txt').fields,
      ['reference_output', 'candidate_output', 'item.id'],
    );
    assert.throws(
      () => judgeTemplate('B: {{candidate_output}} right?', 'equivalent', 'mine.txt'),
      /mine\.txt must show the judge both outputs: it has no \{\{reference_output\}\}/,
    );
    assert.throws(() => judgeTemplate('Same?', 'asGood', 'mine.txt'), /it has no \{\{reference_output\}\} or \{\{candidate_output\}\}/);
  });
});
