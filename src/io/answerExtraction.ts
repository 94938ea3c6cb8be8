/**
 * Outputs are compared by what matters, not character by character: "Spam."
 * and "spam" are the same label, "The answer is $1,234." and "#### 1234" the
 * same number. An {@link AnswerRule} says what to extract; two outputs agree
 * when their extracted answers are equal. The rule is part of the run report
 * ({@link describeAnswerRule}), since the guarantee is about those answers.
 *
 * When nothing is found, lastNumber, jsonField and regex give "" (so two
 * outputs without an answer agree), while label gives the whole output
 * (trimmed, lowercased) so that only identical non-answers agree; it is never
 * equal to a configured label.
 */
import { parseFieldPath, readField } from './template';

export type AnswerRule =
  /** The whole output, trimmed (the default). */
  | { kind: 'trim' }
  /**
   * The label found earliest in the output, case-insensitively and as a whole
   * word ("ham" is not found in "hamster"); on a tie the longest ("not spam"
   * over "spam"). Returned as configured. None: the output trimmed and lowercased.
   */
  | { kind: 'label'; labels: string[] }
  /**
   * The last number in the output, normalised: `-$1,234.50` gives `-1234.5`,
   * `1e3` gives `1000`, `.5` gives `0.5`. None: "".
   */
  | { kind: 'lastNumber' }
  /**
   * A field (dotted path) of the first JSON object in the output, also inside
   * a ```json fence. Strings are trimmed, objects written as JSON with sorted
   * keys. No object or no such field: "".
   */
  | { kind: 'jsonField'; field: string }
  /**
   * A group of the first match of a regular expression, trimmed: by number or
   * name; by default group 1 if the pattern has groups, else the whole match.
   * Flags `g` and `y` are refused (they make matching stateful). No match: "".
   */
  | { kind: 'regex'; pattern: string; group?: number | string; flags?: string };

export type AnswerRuleKind = AnswerRule['kind'];
export const ANSWER_RULE_KINDS: readonly AnswerRuleKind[] = ['trim', 'label', 'lastNumber', 'jsonField', 'regex'];

type Extractor = (text: string) => string;

/** Rules compile once (regular expressions, lookup tables); callers reuse one rule object for a whole run. */
const compiled = new WeakMap<AnswerRule, Extractor>();

/**
 * The answer in `text` under `rule`.
 * @throws Error if the rule is malformed (use {@link parseAnswerRule} on configuration).
 */
export function extractAnswer(rule: AnswerRule, text: string): string {
  let extractor = compiled.get(rule);
  if (extractor === undefined) {
    extractor = compileRule(rule);
    compiled.set(rule, extractor);
  }
  return extractor(text);
}

/** A short sentence for the report saying how outputs are compared. */
export function describeAnswerRule(rule: AnswerRule): string {
  switch (rule.kind) {
    case 'trim':
      return 'the whole output, trimmed';
    case 'label':
      return `the first of the labels ${rule.labels.map(quote).join(', ')} found in the output (case-insensitive, whole words); otherwise the whole output, lowercased`;
    case 'lastNumber':
      return 'the last number in the output, normalised (1,234.50 reads as 1234.5); empty if none';
    case 'jsonField':
      return `the field ${quote(rule.field)} of the first JSON object in the output; empty if none`;
    case 'regex': {
      const group = rule.group === undefined ? 'the first group (or the whole match)' : typeof rule.group === 'number' ? `group ${rule.group}` : `group ${quote(rule.group)}`;
      return `${group} of the first match of /${rule.pattern}/${rule.flags ?? ''} in the output, trimmed; empty if none`;
    }
  }
}

/**
 * Validates an answer rule from configuration. Accepts a rule object, a kind
 * name for the rules without parameters (`"lastNumber"`), or undefined for
 * the default `{ kind: 'trim' }`. Labels are trimmed.
 * @param where names the setting in error messages, e.g. `smart.json: answer`.
 * @throws Error starting with `where` and saying what is wrong.
 */
export function parseAnswerRule(value: unknown, where: string): AnswerRule {
  const fail = (problem: string): never => {
    throw new Error(`${where}: ${problem}`);
  };
  if (value === undefined) return { kind: 'trim' };
  if (typeof value === 'string') {
    if (value === 'trim' || value === 'lastNumber') return { kind: value };
    if ((ANSWER_RULE_KINDS as readonly string[]).includes(value)) return fail(`"${value}" needs parameters: write { "kind": "${value}", ... }`);
    return fail(`unknown answer rule ${JSON.stringify(value)}; expected one of ${ANSWER_RULE_KINDS.map(quote).join(', ')}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('expected an object such as { "kind": "trim" }');
  const input = value as Record<string, unknown>;
  const kind = input.kind;
  if (typeof kind !== 'string' || !(ANSWER_RULE_KINDS as readonly string[]).includes(kind)) {
    return fail(`"kind" must be one of ${ANSWER_RULE_KINDS.map(quote).join(', ')}; got ${JSON.stringify(kind)}`);
  }
  const allowKeys = (...keys: string[]): void => {
    const unknown = Object.keys(input).filter((key) => key !== 'kind' && !keys.includes(key));
    if (unknown.length > 0) fail(`unknown key ${quote(unknown[0])} for kind ${quote(kind)}${keys.length > 0 ? `; expected ${keys.map(quote).join(', ')}` : ''}`);
  };
  let rule: AnswerRule;
  switch (kind as AnswerRuleKind) {
    case 'trim':
    case 'lastNumber':
      allowKeys();
      rule = { kind: kind as 'trim' | 'lastNumber' };
      break;
    case 'label': {
      allowKeys('labels');
      const labels = input.labels;
      if (!Array.isArray(labels) || labels.length === 0 || !labels.every((label) => typeof label === 'string')) {
        return fail('"labels" must be a non-empty list of strings');
      }
      rule = { kind: 'label', labels: labels.map((label: string) => label.trim()) };
      break;
    }
    case 'jsonField':
      allowKeys('field');
      if (typeof input.field !== 'string') return fail('"field" must be a string such as "answer" or "result.label"');
      rule = { kind: 'jsonField', field: input.field.trim() };
      break;
    case 'regex': {
      allowKeys('pattern', 'group', 'flags');
      const { pattern, group, flags } = input;
      if (typeof pattern !== 'string') return fail('"pattern" must be a string');
      if (group !== undefined && typeof group !== 'string' && typeof group !== 'number') return fail('"group" must be a group number or name');
      if (flags !== undefined && typeof flags !== 'string') return fail('"flags" must be a string such as "i"');
      rule = { kind: 'regex', pattern };
      if (group !== undefined) rule.group = group;
      if (flags !== undefined) rule.flags = flags;
      break;
    }
  }
  try {
    compiled.set(rule, compileRule(rule));
  } catch (error) {
    return fail((error as Error).message);
  }
  return rule;
}

/** Checks a rule's values and builds its extractor. Error messages are phrased to follow `where: `. */
function compileRule(rule: AnswerRule): Extractor {
  switch (rule.kind) {
    case 'trim':
      return (text) => text.trim();
    case 'label':
      return compileLabels(rule.labels);
    case 'lastNumber':
      return lastNumber;
    case 'jsonField': {
      const path = parseFieldPath(rule.field);
      if (path === undefined) throw new Error(`"field" ${quote(rule.field)} is not a field path such as "answer" or "result.label"`);
      return (text) => {
        const object = firstJsonObject(text);
        return object === undefined ? '' : normaliseJsonValue(readField(object, path));
      };
    }
    case 'regex':
      return compileRegex(rule);
  }
}

/** Letters (with their combining marks), digits and `_`: what a whole-word label must not touch. */
const WORD_CHAR = /[\p{L}\p{M}\p{N}_]/u;
const WORD_CHAR_CLASS = '[\\p{L}\\p{M}\\p{N}_]';

function compileLabels(labels: readonly string[]): Extractor {
  if (labels.length === 0) throw new Error('"labels" must not be empty');
  const byLowercase = new Map<string, string>();
  for (const label of labels) {
    if (label.trim() === '') throw new Error('a label must not be empty');
    const key = label.toLowerCase();
    const twin = byLowercase.get(key);
    if (twin !== undefined) throw new Error(`labels ${quote(twin)} and ${quote(label)} are the same ignoring case`);
    byLowercase.set(key, label);
  }
  // One alternation, longest label first: the engine finds the leftmost
  // match, and at a position tries alternatives in order, so a tie goes to
  // the longest. Word boundaries apply only at a label's word-character ends
  // (a label such as "+1" or "N/A" has none at its non-word ends).
  const ordered = [...labels].sort((a, b) => b.length - a.length);
  const alternatives = ordered.map((label) => {
    const before = WORD_CHAR.test(label[0]) ? `(?<!${WORD_CHAR_CLASS})` : '';
    const after = WORD_CHAR.test(label[label.length - 1]) ? `(?!${WORD_CHAR_CLASS})` : '';
    return `${before}(${escapeRegExp(label)})${after}`;
  });
  const pattern = new RegExp(alternatives.join('|'), 'iu');
  return (text) => {
    const fallback = text.trim().toLowerCase();
    // Also catches texts that equal a label under full lowercasing but not
    // under the regex's simple case folding, so the fallback never equals a label.
    const whole = byLowercase.get(fallback);
    if (whole !== undefined) return whole;
    const match = pattern.exec(text);
    if (match === null) return fallback;
    const index = match.findIndex((group, i) => i > 0 && group !== undefined);
    return ordered[index - 1];
  };
}

/**
 * A number: an optional sign (not right after a word character or dot, so
 * `5-3` and `2024-01-15` hold no negative number) and currency symbol, digits
 * with optional thousands commas in groups of three, a decimal part, an
 * exponent; or a bare decimal part (`.5`) not after a digit.
 */
const NUMBER = /(?:(?<![\p{L}\p{N}_.])[-+\u2212]\p{Sc}?)?(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|(?<!\d)\.\d+)(?:[eE][-+]?\d+)?/gu;

function lastNumber(text: string): string {
  let last: string | undefined;
  for (const match of text.matchAll(NUMBER)) last = match[0];
  return last === undefined ? '' : normaliseNumber(last);
}

/**
 * Canonical decimal text: no sign for zero, no `+`, commas, leading zeros or
 * trailing fractional zeros. Plain decimals are rewritten as text so that
 * long ones stay exact; with an exponent the value goes through a double.
 */
function normaliseNumber(match: string): string {
  const negative = match[0] === '-' || match[0] === '\u2212';
  const unsigned = match.replace(/^[-+\u2212]\p{Sc}?/u, '').replace(/,/g, '');
  if (/[eE]/.test(unsigned)) {
    const value = Number(unsigned) * (negative ? -1 : 1);
    return Object.is(value, -0) ? '0' : String(value);
  }
  const [integerPart, fractionPart = ''] = unsigned.split('.');
  const integer = integerPart.replace(/^0+/, '') || '0';
  const fraction = fractionPart.replace(/0+$/, '');
  const digits = fraction === '' ? integer : `${integer}.${fraction}`;
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/**
 * The first `{...}` in the text that parses as a JSON object (fences and
 * prose around it are skipped over). Candidates are cut at their matching
 * brace, counted outside JSON strings.
 */
function firstJsonObject(text: string): Record<string, unknown> | undefined {
  for (let open = text.indexOf('{'); open >= 0; open = text.indexOf('{', open + 1)) {
    const close = matchingBrace(text, open);
    if (close < 0) continue;
    try {
      return JSON.parse(text.slice(open, close + 1)) as Record<string, unknown>;
    } catch {
      // Not JSON (prose in braces, a truncated object): try the next brace.
    }
  }
  return undefined;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{') {
      depth++;
    } else if (char === '}' && --depth === 0) {
      return i;
    }
  }
  return -1;
}

/** Strings trimmed; other values as JSON with sorted keys, so `{"b":1,"a":2}` equals `{"a":2,"b":1}`; missing: "". */
function normaliseJsonValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  return JSON.stringify(value, (_key, nested: unknown) => {
    if (typeof nested !== 'object' || nested === null || Array.isArray(nested)) return nested;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(nested).sort()) sorted[key] = (nested as Record<string, unknown>)[key];
    return sorted;
  });
}

function compileRegex(rule: { pattern: string; group?: number | string; flags?: string }): Extractor {
  const flags = rule.flags ?? '';
  if (/[gy]/.test(flags)) throw new Error('flags "g" and "y" are not allowed (the first match is used)');
  let pattern: RegExp;
  try {
    pattern = new RegExp(rule.pattern, flags);
  } catch (error) {
    throw new Error(`/${rule.pattern}/${flags} is not a valid regular expression (${(error as Error).message})`);
  }
  // Matching the empty alternative reveals the groups without depending on the pattern matching anything.
  const probe = new RegExp(`(?:${rule.pattern})|`, flags).exec('') as RegExpExecArray;
  const groupCount = probe.length - 1;
  const names = Object.keys(probe.groups ?? {});
  const group = rule.group ?? (groupCount > 0 ? 1 : 0);
  if (typeof group === 'number') {
    if (!Number.isInteger(group) || group < 0 || group > groupCount) {
      throw new Error(`"group" ${group} does not exist: the pattern has ${groupCount} group${groupCount === 1 ? '' : 's'}`);
    }
  } else if (!names.includes(group)) {
    throw new Error(`"group" ${quote(group)} is not a named group of the pattern${names.length > 0 ? ` (it has ${names.map(quote).join(', ')})` : ''}`);
  }
  return (text) => {
    const match = pattern.exec(text);
    if (match === null) return '';
    const found = typeof group === 'number' ? match[group] : match.groups?.[group];
    return found === undefined ? '' : found.trim();
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function quote(text: string): string {
  return JSON.stringify(text);
}
