/**
 * The one error type for bad input data across the project: a line that is
 * not JSON, a record that lacks a field a template needs, and so on. It names
 * the file, the line and the field, so that the CLI and the editor can print it
 * as is (`data.jsonl:12: field "ticket.body" is missing`) or jump to the line.
 */

/** Where in the input a problem is. */
export interface InputLocation {
  /** The file as the user named it (printed as given). */
  readonly file: string;
  /** 1-based physical line number, when the problem is on one line. */
  readonly line?: number;
  /** Dotted field path (`ticket.body`), when the problem is one field. */
  readonly field?: string;
}

export class InputError extends Error implements InputLocation {
  override readonly name: string = 'InputError';
  readonly file: string;
  readonly line?: number;
  readonly field?: string;
  /** The message without the location, e.g. `not valid JSON (...)`. */
  readonly problem: string;

  /**
   * @param where the file, and the line and field when known.
   * @param problem what is wrong, as a phrase without the location:
   *   `field "ticket.body" is missing`, `expected a JSON object, got an array`.
   */
  constructor(where: InputLocation, problem: string, options?: ErrorOptions) {
    const prefix = where.line === undefined ? where.file : `${where.file}:${where.line}`;
    super(`${prefix}: ${problem}`, options);
    this.file = where.file;
    if (where.line !== undefined) this.line = where.line;
    if (where.field !== undefined) this.field = where.field;
    this.problem = problem;
  }
}

/** The input changed while a run was reading it: what one pass read no longer matches what another read. */
export class InputChangedError extends InputError {
  override readonly name = 'InputChangedError';

  /** @param detail how the change showed, e.g. `1200 bytes, now 1234`. */
  constructor(
    file: string,
    readonly detail: string,
  ) {
    super({ file }, `changed while the run was going (${detail})`);
  }
}
