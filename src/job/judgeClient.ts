/**
 * A job's judge: renders the judge prompt for a profiled item (the task the
 * models saw, the reference's output, a candidate's output), asks the judge
 * model through the job's client (so its calls are cached, retried, resumed
 * and paid once like any other), and reads a strict yes or no. An answer
 * with no verdict is asked once more with a reminder (a different request,
 * so the cache does not give the same answer back), then counted as
 * disagreement (the report lists it).
 */
import { readVerdict } from '../io/judgeVerdict';
import type { InputRecord } from '../io/readingPass';
import { compileTemplate, type Template } from '../io/template';
import type { Completion, JudgeClient, JudgeQuestion, JudgeVerdict, ModelSpec } from '../core/types';
import type { JobClient } from './jobClient';

/** What every judge prompt ends with: the one form of answer that is read. */
const ANSWER_FORM = 'Reply with one word: yes or no.';

/** The question each default prompt asks. */
const QUESTIONS: Readonly<Record<JudgeQuestion, string>> = {
  equivalent: 'Does answer B say the same as answer A: the same facts and the same answer, even if it is worded differently?',
  asGood: 'Is answer B an acceptable substitute for answer A: at least as good for the task, with nothing wrong or missing that answer A gets right?',
};

/** The default judge prompt for a question: the task, both answers, the question, the criteria and the answer's form. */
export function defaultJudgePrompt(question: JudgeQuestion): string {
  return [
    'Two answers were given to the same task.',
    '',
    '<task>',
    '{{input}}',
    '</task>',
    '',
    '<answer_a>',
    '{{reference_output}}',
    '</answer_a>',
    '',
    '<answer_b>',
    '{{candidate_output}}',
    '</answer_b>',
    '',
    `${QUESTIONS[question]} {{criteria}}`,
    ANSWER_FORM,
    '',
  ].join('\n');
}

/** The placeholders a judge template must use: without both outputs there is nothing to judge. */
const REQUIRED_FIELDS = ['reference_output', 'candidate_output'];

/**
 * Compiles a judge template (the config's file, or the default for the
 * question) and checks it shows the judge both outputs.
 * @throws Error naming the template when it leaves one out.
 */
export function judgeTemplate(source: string | undefined, question: JudgeQuestion, name = 'judge prompt'): Template {
  const template = compileTemplate(source ?? defaultJudgePrompt(question), name);
  const missing = REQUIRED_FIELDS.filter((field) => !template.fields.includes(field));
  if (missing.length > 0) throw new Error(`${name} must show the judge both outputs: it has no ${missing.map((f) => `{{${f}}}`).join(' or ')}`);
  return template;
}

export interface JobJudgeOptions {
  readonly client: JobClient;
  /** The judge model, as the job's client routes it. */
  readonly model: ModelSpec;
  readonly template: Template;
  readonly criteria?: string;
  /** The input file, as named in error messages. */
  readonly inputName: string;
}

export class JobJudge implements JudgeClient<InputRecord> {
  constructor(private readonly options: JobJudgeOptions) {}

  async judge(record: InputRecord, referenceOutput: string, candidateOutput: string, signal: AbortSignal): Promise<JudgeVerdict> {
    const prompt = this.prompt(record, referenceOutput, candidateOutput);
    const first = await this.ask(prompt, record, signal);
    const verdict = readVerdict(first.text);
    if (verdict !== undefined) return { agrees: verdict, calls: [first] };
    const again = await this.ask(`${prompt}\n\nYour answer could not be read. ${ANSWER_FORM}`, record, signal);
    const second = readVerdict(again.text);
    return second === undefined ? { agrees: false, unreadable: true, calls: [first, again] } : { agrees: second, calls: [first, again] };
  }

  /** The judge prompt for an item: the prompt the models saw, both outputs, the criteria, and the item's own fields. */
  private prompt(record: InputRecord, referenceOutput: string, candidateOutput: string): string {
    const { client, template, criteria, inputName } = this.options;
    const input = client.taskOf(record);
    const values = { ...record.value, input, reference_output: referenceOutput, candidate_output: candidateOutput, criteria: criteria ?? '' };
    return template.render(values, { file: inputName, line: record.line }).replace(/ +\n/g, '\n');
  }

  private async ask(prompt: string, record: InputRecord, signal: AbortSignal): Promise<Completion> {
    return this.options.client.completePrompt(this.options.model, prompt, record, signal);
  }
}
