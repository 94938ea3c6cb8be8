/**
 * What Profile Dataset's questions were last answered with on a file, kept in
 * `.smart/<file>.choices.json` beside it, so that "Choose settings…" starts
 * from them (saved as a config or not) and Enter alone repeats them.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { STRATEGIES } from '../core/types';
import { answerRuleSchema, type AnswerRule } from '../io/answerExtraction';
import { stateFileFor } from '../io/stateFile';
import { writeFileAtomic } from '../io/writeFileAtomic';

const share = z.number().gt(0).lt(1);

const choicesSchema = z.strictObject({
  /** The template file, absolute. */
  template: z.string().min(1),
  reference: z.string().min(1),
  candidates: z.array(z.string().min(1)),
  accuracy: share,
  confidence: share,
  answer: answerRuleSchema,
  strategy: z.enum(STRATEGIES),
});

/** The config fields that say how answers are compared: `labels`, or an `answer` rule; none for the whole text (the default). */
export type AnswerFields = { readonly labels?: readonly string[]; readonly answer?: AnswerRule };

/** The answers to the questions of one Profile Dataset run on a file. */
export type WizardChoices = z.infer<typeof choicesSchema>;

/** The file that keeps them: `.smart/<input name>.choices.json`. */
export function choicesFileFor(input: string): string {
  return stateFileFor(input, '.choices.json');
}

/**
 * The choices last made on `input`; undefined when none were kept, or when
 * the file does not hold them (edited, from another version): the
 * questions then start from the settings, as on a first run, and the next
 * run's answers replace the file.
 */
export function recallChoices(input: string): WizardChoices | undefined {
  let text: string;
  try {
    text = readFileSync(choicesFileFor(input), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = choicesSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the choices made on `input` (written whole, atomically, over the last ones). */
export async function rememberChoices(input: string, choices: WizardChoices): Promise<void> {
  const file = choicesFileFor(input);
  mkdirSync(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, (out) => out.writeLine(JSON.stringify(choices)), { overwrite: true });
}

/** A comparison rule as the config's fields: `labels` for labels, nothing for the whole answer, else `answer`. */
export function answerFieldsOf(rule: AnswerRule): AnswerFields {
  if (rule.kind === 'label') return { labels: rule.labels };
  if (rule.kind === 'trim') return {};
  return { answer: rule };
}

/** The rule the config's fields give: the inverse of `answerFieldsOf`. */
export function answerRuleOf(fields: AnswerFields): AnswerRule {
  if (fields.labels !== undefined) return { kind: 'label', labels: [...fields.labels] };
  return fields.answer ?? { kind: 'trim' };
}
