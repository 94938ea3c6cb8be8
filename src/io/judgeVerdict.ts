/**
 * Reading a judge's verdict, strictly: a yes or a no, as the first word of
 * its answer (after quotes, asterisks or a label such as "Verdict:"), or a
 * JSON object's `verdict` ("yes", "no", true or false). Anything else is not
 * a verdict: a judge that hedges is asked again, then counted as disagreeing.
 */
import { firstJsonObject } from './answerExtraction';

const FIRST_WORD = /^[\s"'`*_([]*(?:(?:verdict|answer)\s*[:=-]\s*[\s"'`*_]*)?(yes|no)\b/i;

/** True for yes, false for no, undefined when the text holds no verdict. */
export function readVerdict(text: string): boolean | undefined {
  const object = firstJsonObject(text);
  if (object !== undefined && 'verdict' in object) return verdictValue(object.verdict);
  const match = FIRST_WORD.exec(text);
  return match === null ? undefined : match[1].toLowerCase() === 'yes';
}

function verdictValue(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  return word === 'yes' || word === 'true' ? true : word === 'no' || word === 'false' ? false : undefined;
}
