/**
 * Reading back the JSON files Smart wrote itself (reports, batch state, the
 * run lock, the batch journal's lines): each through the zod schema of its
 * kind, so that a truncated, hand-edited or foreign file stops with an error
 * that names the file, the line and the field and says what is wrong,
 * instead of a crash further on or a decision taken on a wrong value.
 */
import { readFileSync } from 'node:fs';
import type * as z from 'zod';

/** A file Smart wrote that does not read back as what it should hold. */
export class StateFileError extends Error {
  override readonly name: string = 'StateFileError';

  /**
   * @param file the file.
   * @param what what it should hold, as a noun phrase: "a Smart run report".
   * @param problem what is wrong: `guarantee.met: expected boolean, received string`.
   * @param line the 1-based line, for a file of JSON lines.
   */
  constructor(
    readonly file: string,
    readonly what: string,
    readonly problem: string,
    readonly line?: number,
  ) {
    super(`${line === undefined ? file : `${file}:${line}`}: not ${what} (${problem})`);
  }
}

/** The first issue zod found, with the field it is at: `plan.entries.0.items: expected number, received string`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'not valid';
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

/** Parses `text` as JSON of `schema`'s shape. @throws StateFileError naming `file` (and `line`) when it is not. */
export function parseJsonAs<S extends z.ZodType>(
  text: string,
  schema: S,
  where: { readonly file: string; readonly what: string; readonly line?: number },
): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new StateFileError(where.file, where.what, text.trim() === '' ? 'it is empty' : `not valid JSON: ${(error as Error).message}`, where.line);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StateFileError(where.file, where.what, firstIssue(parsed.error), where.line);
  return parsed.data;
}

/**
 * Reads a JSON file of `schema`'s shape. Errors of the file system (a file
 * not there, not readable) pass as they are, for the caller to tell apart.
 * @throws StateFileError naming the file when it does not hold `what`.
 */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, what: string): z.output<S> {
  return parseJsonAs(readFileSync(file, 'utf8'), schema, { file, what });
}
