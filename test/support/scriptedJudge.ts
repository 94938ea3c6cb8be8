/**
 * A judge model for the test server: it reads the two outputs from a judge
 * prompt (the tags of Smart's default judge prompt) and answers yes or no
 * from the truth the test knows, with errors the test sets: false agreement
 * (yes where the truth is no) and false disagreement, each on the outputs a
 * rule picks, and answers with no verdict at all.
 */
import type { TestMessage } from './openaiTestServer';

export interface ScriptedJudgeOptions {
  /** The truth: whether the candidate's output says the same as the reference's. */
  readonly same: (referenceOutput: string, candidateOutput: string) => boolean;
  /** Where the judge says yes though the truth is no, and no though it is yes (by default nowhere). */
  readonly falseAgreement?: (candidateOutput: string) => boolean;
  readonly falseDisagreement?: (candidateOutput: string) => boolean;
  /** Where it answers without a verdict, however often it is asked. */
  readonly unreadable?: (candidateOutput: string) => boolean;
}

/** The text between a tag's opening and closing, trimmed. */
function tagged(prompt: string, tag: string): string {
  const match = new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`).exec(prompt);
  if (match === null) throw new Error(`not a judge prompt: no <${tag}>`);
  return match[1];
}

/** The judge's answer to a judge prompt. */
export function scriptedJudge(options: ScriptedJudgeOptions): (messages: readonly TestMessage[]) => string {
  return (messages) => {
    const prompt = messages[messages.length - 1].content;
    const reference = tagged(prompt, 'answer_a');
    const candidate = tagged(prompt, 'answer_b');
    if (options.unreadable?.(candidate)) return 'It depends on how one reads the task.';
    const truth = options.same(reference, candidate);
    const verdict = truth ? !(options.falseDisagreement?.(candidate) ?? false) : (options.falseAgreement?.(candidate) ?? false);
    return verdict ? 'Yes.' : 'No';
  };
}
