/**
 * Prompt templates: text with `{{field}}` placeholders filled from a record.
 *
 * - A placeholder names a field by a dotted path: `{{ticket.body}}`, and an
 *   array element by its index: `{{items.0}}`. Spaces inside the braces are
 *   ignored (`{{ ticket.body }}`), not those inside a name (`{{first name}}`,
 *   as a CSV header may have it). A name in double quotes is one key as it
 *   is, dots and all: `{{"price.usd"}}` (JSON's string syntax).
 * - Strings are inserted as they are, numbers and booleans as `String()` gives
 *   them, objects and arrays as compact JSON, and `null` as `null`: like a
 *   value nested in an object, and visible in the prompt instead of a silent gap.
 * - A field the record lacks is an {@link InputError} naming file, line and
 *   field: a prompt with a hole would be paid for and give a wrong answer.
 * - `}}` alone is ordinary text (JSON examples in prompts end with it); an
 *   unclosed `{{` is an error naming the template.
 */
import { InputError } from './inputError';

export interface Template {
  /** The template's name in messages (a file name, or `template`). */
  readonly name: string;
  /** The fields its placeholders name, in order (repeats kept). */
  readonly fields: readonly string[];
  /**
   * Fills the placeholders from `value`, a record read from `where`.
   * @throws InputError if a field is missing.
   */
  render(value: Record<string, unknown>, where: { file: string; line: number }): string;
}

/** A placeholder after compilation: its path, split once. */
interface Placeholder {
  readonly field: string;
  readonly path: readonly string[];
}

/**
 * The line a drafted template starts with, for the person to replace with the
 * task: a run refuses a template that still holds it ({@link taskMissing}),
 * so a draft accepted with Enter alone is never sent.
 */
export const TASK_PLACEHOLDER = '<<Write the task here: what should the model do with each item, and how should it answer?>>';

/**
 * A first template for records like `example`: the task's placeholder, then
 * each top-level field as a placeholder (those a placeholder can name), for
 * the person to edit.
 */
export function draftTemplate(example: Record<string, unknown> | undefined): string {
  const fields = Object.keys(example ?? {}).filter((key) => key.trim() !== '' && !key.includes('}}'));
  return `${TASK_PLACEHOLDER}\n\n${fields.map((f) => `${f}: {{${placeholderFor(f)}}}`).join('\n')}\n`;
}

/** How a placeholder names a top-level key: as it is where that reads back as the key, else quoted. */
function placeholderFor(key: string): string {
  const path = parseFieldPath(key);
  return path !== undefined && path.length === 1 ? key : JSON.stringify(key);
}

/** The one key a quoted name holds (`"price.usd"`), or undefined when the name is not quoted. */
function quotedKey(field: string): string[] | undefined {
  if (field.length < 2 || !field.startsWith('"') || !field.endsWith('"')) return undefined;
  try {
    const key: unknown = JSON.parse(field);
    return typeof key === 'string' && key !== '' ? [key] : undefined;
  } catch {
    return undefined;
  }
}

/** Words that join a list of labels but are not labels themselves ("one or two sentences"). */
const NOT_LABELS = new Set(['one', 'two', 'three', 'more', 'less', 'either', 'neither', 'both', 'whether', 'a', 'an', 'the']);

/**
 * The labels a template's task names, for the comparison step to suggest:
 * the first list "one of: a, b, c" or "a, b or c" in its own words (not in
 * its placeholders); undefined when it names none. A suggestion, not a rule:
 * the person confirms the labels.
 */
export function labelsNamedIn(source: string): string[] | undefined {
  const text = source.replace(/\{\{[^}]*\}\}/g, ' ');
  const word = `["'“]?[A-Za-z][\\w-]{0,30}["'”]?`;
  const lists = [
    new RegExp(`\\bone of\\s*:?\\s*(${word}(?:\\s*,\\s*${word})+(?:\\s*,?\\s+or\\s+${word})?)`, 'i'),
    new RegExp(`(${word}(?:\\s*,\\s*${word})*\\s*,?\\s+or\\s+${word})`),
  ];
  for (const list of lists) {
    const found = list.exec(text)?.[1];
    if (found === undefined) continue;
    const labels = found
      .split(/\s*,\s*(?:or\s+)?|\s+or\s+/)
      .map((l) => l.replace(/^["'“]|["'”]$/g, ''))
      .filter((l) => l !== '');
    if (labels.length >= 2 && labels.every((l) => !NOT_LABELS.has(l.toLowerCase())) && new Set(labels.map((l) => l.toLowerCase())).size === labels.length)
      return labels;
  }
  return undefined;
}

/** Why a template cannot be sent as it is: it still holds the drafted task's placeholder. */
export function taskMissing(source: string): string | undefined {
  return source.includes(TASK_PLACEHOLDER) ? `still holds ${TASK_PLACEHOLDER}: write the task in its place (the run sends nothing until then)` : undefined;
}

/**
 * Parses a template once; the returned {@link Template} renders by joining
 * precompiled parts.
 * @param name used in error messages (e.g. the template's file name).
 * @throws Error naming the template and the position of an unclosed `{{` or a malformed placeholder.
 */
export function compileTemplate(source: string, name = 'template'): Template {
  // Literals and placeholders alternate: literals[i] precedes placeholders[i]; one more literal ends it.
  const literals: string[] = [];
  const placeholders: Placeholder[] = [];
  let position = 0;
  for (;;) {
    const open = source.indexOf('{{', position);
    if (open < 0) break;
    const close = source.indexOf('}}', open + 2);
    const nextOpen = source.indexOf('{{', open + 2);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      throw new Error(`${name}:${locate(source, open)}: "{{" is not closed by "}}"`);
    }
    const field = source.slice(open + 2, close).trim();
    const path = quotedKey(field) ?? parseFieldPath(field);
    if (path === undefined) {
      throw new Error(
        `${name}:${locate(source, open)}: "${source.slice(open, close + 2)}" is not a field name (write {{field}}, {{field.nested}} or {{"a name with.dots"}})`,
      );
    }
    literals.push(source.slice(position, open));
    placeholders.push({ field, path });
    position = close + 2;
  }
  literals.push(source.slice(position));

  return {
    name,
    fields: placeholders.map((p) => p.field),
    render(value, where) {
      let text = literals[0];
      for (let i = 0; i < placeholders.length; i++) {
        const placeholder = placeholders[i];
        const found = readField(value, placeholder.path);
        if (found === undefined) {
          throw new InputError({ file: where.file, line: where.line, field: placeholder.field }, describeMissing(value, placeholder));
        }
        text += renderValue(found) + literals[i + 1];
      }
      return text;
    },
  };
}

/**
 * Splits a dotted field path (`ticket.body`, `items.0`) into its keys, or
 * returns undefined if it is not one: empty, an empty key (`a..b`), braces or
 * spaces around a dot.
 */
export function parseFieldPath(field: string): string[] | undefined {
  const keys = field.split('.');
  for (const key of keys) {
    if (key === '' || key.trim() !== key || key.includes('{') || key.includes('}')) return undefined;
  }
  return keys;
}

/**
 * Reads a field by path; undefined if missing. Only a record's own keys count
 * (so `{{constructor}}` is missing, not a function), and arrays are read by
 * index only.
 */
export function readField(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(key)) return undefined;
      current = current[Number(key)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, key)) {
      current = (current as Record<string, unknown>)[key];
    } else {
      return undefined;
    }
  }
  return current;
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

function renderValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Says why a field is missing; when a parent exists but holds no such key, names what it holds. */
function describeMissing(value: unknown, placeholder: Placeholder): string {
  let current = value;
  for (let depth = 0; depth < placeholder.path.length - 1; depth++) {
    current = readField(current, [placeholder.path[depth]]);
    if (current === undefined) break;
    if (typeof current !== 'object' || current === null) {
      const parent = placeholder.path.slice(0, depth + 1).join('.');
      return `field "${placeholder.field}" is missing ("${parent}" is ${current === null ? 'null' : `a ${typeof current}`})`;
    }
  }
  return `field "${placeholder.field}" is missing`;
}

/** `line:column` (1-based) of an offset, for messages about the template. */
function locate(source: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `${line}:${offset - lineStart + 1}`;
}
