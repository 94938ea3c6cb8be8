/** How a run compares answers, in a few words: for telling configs apart. */
import type { AnswerRule } from '../io/answerExtraction';
import { JUDGE_QUESTION_WORDS } from '../text/guarantee';

/** "labels spam, ham", "the last number", "judge gpt-4o-mini (the same meaning)". */
export function answerRuleWords(rule: AnswerRule): string {
  switch (rule.kind) {
    case 'trim':
      return 'the whole answer';
    case 'normalized':
      return 'the same words';
    case 'label':
      return `labels ${rule.labels.join(', ')}`;
    case 'lastNumber':
      return 'the last number';
    case 'json':
      return 'JSON';
    case 'jsonField':
      return `JSON field ${rule.field}`;
    case 'regex':
      return 'a regular expression';
    case 'judge':
      return `judge ${rule.model} (${JUDGE_QUESTION_WORDS[rule.question]})`;
  }
}
