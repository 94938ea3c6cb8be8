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
import * as z from 'zod';
import { DEFAULTS } from '../core/defaults';
import { JUDGE_QUESTIONS } from '../core/types';
import { parseFieldPath, readField } from './template';

/**
 * A check, once a value has the right shape, that `compile` accepts it: a
 * rule's values are checked by building its extractor (a valid regular
 * expression, an existing group, distinct labels).
 */
function compiles<T>(compile: (value: T) => unknown): z.core.$ZodCheck<T> {
  return z.superRefine<T>(
    (value, context) => {
      try {
        compile(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
      }
    },
    { when: ({ issues }) => issues.length === 0 },
  );
}

/** The labels of a `label` rule (also a config's `labels`): trimmed, none empty. */
export const labelsSchema = z
  .array(z.string().trim().min(1, 'a label must not be empty'))
  .min(1, 'must name at least one label')
  .check(compiles(compileLabels))
  .describe('Labels such as ["spam", "ham"]: an output\'s answer is the first of them found in it (case-insensitive, whole words; on a tie the longest).');

const ruleObjects = [
  z.strictObject({ kind: z.literal('trim') }).describe('The whole output, trimmed (the default).'),
  z
    .strictObject({ kind: z.literal('normalized') })
    .describe(
      'The whole output after Unicode NFKC normalisation and case folding, with punctuation dropped and whitespace collapsed: "The answer is: Paris." and "the answer is paris" agree.',
    ),
  z
    .strictObject({
      kind: z.literal('json'),
      fields: z
        .array(z.string().trim().min(1, 'a field must not be empty'))
        .min(1, 'must name at least one field')
        .exactOptional()
        .describe('Compare only these fields, dotted paths such as "name" or "address.city" (default: the whole value).'),
      ignoreCase: z.boolean().exactOptional().describe('Compare strings ignoring case (default false).'),
    })
    .describe(
      'The first JSON object or array in the output (also inside a ```json fence), compared as data: key order ignored, numbers by value, strings trimmed. ' +
        'None: the output trimmed, so only identical non-JSON outputs agree.',
    ),
  z
    .strictObject({ kind: z.literal('label'), labels: labelsSchema })
    .describe(
      'The label found earliest in the output, case-insensitively and as a whole word ("ham" is not found in "hamster"); ' +
        'on a tie the longest ("not spam" over "spam"). None: the output trimmed and lowercased.',
    ),
  z
    .strictObject({ kind: z.literal('lastNumber') })
    .describe('The last number in the output, normalised: `-$1,234.50` gives `-1234.5`, `1e3` gives `1000`, `.5` gives `0.5`. None: "".'),
  z
    .strictObject({ kind: z.literal('jsonField'), field: z.string().trim().describe('A dotted field path such as "answer" or "result.label".') })
    .describe(
      'A field of the first JSON object in the output, also inside a ```json fence. Strings are trimmed, objects written as JSON with sorted keys. None: "".',
    ),
  z
    .strictObject({
      kind: z.literal('regex'),
      pattern: z.string().describe('A JavaScript regular expression, e.g. "Answer: (\\\\w+)".'),
      group: z
        .union([z.int().min(0), z.string()], { error: 'must be a group number or name' })
        .exactOptional()
        .describe('The group to take, by number or name (default: group 1 if the pattern has groups, else the whole match).'),
      flags: z.string().exactOptional().describe('Regular expression flags such as "i"; "g" and "y" are not allowed (the first match is used).'),
    })
    .describe('A group of the first match of a regular expression, trimmed. No match: "".'),
] as const;

/**
 * A judge model decides agreement where the outputs are not the same under
 * `normalized` (then they agree without a call). The model is one of the
 * config's models; the template, when given, is a file beside the config.
 */
const judgeRule = z
  .strictObject({
    kind: z.literal('judge'),
    model: z
      .string()
      .trim()
      .min(1, 'must name a model')
      .describe("The id of the judge model, one of the config's `models` (it need not be the reference or a candidate)."),
    question: z
      .enum(JUDGE_QUESTIONS)
      .default('equivalent')
      .describe(
        'What the judge is asked: "equivalent" (the candidate\'s output says the same as the reference\'s: same facts, same answer; the default) or "asGood" (it is an acceptable substitute, at least as good for the task).',
      ),
    template: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe(
        'A judge prompt file of your own, relative to the config: {{input}} (the prompt the models saw), {{reference_output}}, {{candidate_output}}, {{criteria}} and the item\'s own fields. It must ask for a yes or a no (or {"verdict": "yes"}).',
      ),
    criteria: z.string().trim().min(1).optional().describe('A sentence added to the question, such as "Numbers and names must match exactly."'),
    auditItems: z
      .int()
      .min(0)
      .default(DEFAULTS.auditItems)
      .describe(
        `Items per plan a person labels to audit the judge with smart audit (default ${DEFAULTS.auditItems}): more labels vouch for more of the outputs as a person would judge (at 95% confidence with one plan, 40 items that all agree cap the judge's false yes at about 11% of the items, 200 at about 2.3%). ` +
          '0: no audit, and the guarantee stays as the judge decides, at the full confidence. Set it before running: the sample is fixed by the run.',
      ),
  })
  .describe(
    "A judge model decides whether a candidate's output agrees with the reference's, where they differ beyond case, punctuation and spacing. The guarantee is then about agreement as the judge decides.",
  );

const KINDS = [...ruleObjects.map((rule) => rule.shape.kind.value), judgeRule.shape.kind.value];

/** The rule as an object: `{ "kind": ..., ...parameters }`. */
const ruleObject = z.discriminatedUnion('kind', [...ruleObjects, judgeRule], {
  error: (issue) => {
    const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
    return `must be one of ${KINDS.map(quote).join(', ')}; got ${kind === undefined ? 'none' : JSON.stringify(kind)}`;
  },
});

/** The rules without parameters may be written as their kind name: `"lastNumber"`. */
const ruleName = z.enum(['trim', 'normalized', 'json', 'lastNumber'], {
  error: (issue) => {
    const name = String(issue.input);
    if ((KINDS as readonly string[]).includes(name)) return `${quote(name)} needs parameters: write { "kind": ${quote(name)}, ... }`;
    return `unknown answer rule ${quote(name)}; expected "trim", "normalized", "json", "lastNumber" or an object with "kind" one of ${KINDS.map(quote).join(', ')}`;
  },
});

/** An answer rule as configuration writes it: a rule object, or the kind name of a rule without parameters. */
export const answerRuleSchema = z
  .union([ruleName.transform((kind) => ({ kind })), ruleObject], {
    error: 'must be "trim", "normalized", "json", "lastNumber" or an object such as { "kind": "jsonField", "field": "answer" }',
  })
  .check(compiles((rule: AnswerRule) => compiled.set(rule, compileRule(rule))))
  .describe(
    'How outputs are compared with the reference\'s: "trim" (the whole output, trimmed; the default), "normalized" (case, punctuation and spacing ignored), ' +
      '"json" (the JSON value as data; or { "kind": "json", "fields": [...], "ignoreCase": true }), "lastNumber", ' +
      '{ "kind": "label", "labels": [...] }, { "kind": "jsonField", "field": "a.b" }, { "kind": "regex", "pattern": "...", "group": 1 } ' +
      'or a judge model: { "kind": "judge", "model": "gpt-4o-mini", "question": "equivalent" }.',
  );

/** What to extract from an output; two outputs agree when their extracted answers are equal (or, with a judge, when it says so). */
export type AnswerRule = z.output<(typeof ruleObjects)[number]> | JudgeRule;
export type JudgeRule = z.output<typeof judgeRule>;

type Extractor = (text: string) => string;

/** Rules compile once (regular expressions, lookup tables); callers reuse one rule object for a whole run. */
const compiled = new WeakMap<AnswerRule, Extractor>();

/**
 * The answer in `text` under `rule`.
 * @throws Error if the rule is malformed (configuration is checked by {@link answerRuleSchema}).
 */
export function extractAnswer(rule: AnswerRule, text: string): string {
  let extractor = compiled.get(rule);
  if (extractor === undefined) {
    extractor = compileRule(rule);
    compiled.set(rule, extractor);
  }
  return extractor(text);
}

/**
 * Whether two outputs agree by the rule without asking anyone: their
 * extracted answers are equal; with a judge, the same under `normalized`
 * (where they are not, the judge decides).
 */
export function answersMatch(rule: AnswerRule, a: string, b: string): boolean {
  const key = rule.kind === 'judge' ? normalizedText : (text: string) => extractAnswer(rule, text);
  return key(a) === key(b);
}

/** A short sentence for the report saying how outputs are compared. */
export function describeAnswerRule(rule: AnswerRule): string {
  switch (rule.kind) {
    case 'trim':
      return 'the whole output, trimmed';
    case 'normalized':
      return 'the whole output, ignoring case, punctuation and spacing (Unicode NFKC)';
    case 'json': {
      const what =
        rule.fields === undefined
          ? 'the first JSON value in the output'
          : `the fields ${rule.fields.map(quote).join(', ')} of the first JSON value in the output`;
      return `${what}, compared as data (key order ignored, numbers by value, strings trimmed${rule.ignoreCase === true ? ', case ignored' : ''}); otherwise the whole output, trimmed`;
    }
    case 'judge':
      return `${rule.model} judges whether each candidate output ${rule.question === 'asGood' ? 'is at least as good as' : 'says the same as'} the reference's, where they differ beyond case, punctuation and spacing${rule.criteria === undefined ? '' : ` (${rule.criteria})`}`;
    case 'label':
      return `the first of the labels ${rule.labels.map(quote).join(', ')} found in the output (case-insensitive, whole words); otherwise the whole output, lowercased`;
    case 'lastNumber':
      return 'the last number in the output, normalised (1,234.50 reads as 1234.5); empty if none';
    case 'jsonField':
      return `the field ${quote(rule.field)} of the first JSON object in the output; empty if none`;
    case 'regex': {
      const group =
        rule.group === undefined
          ? 'the first group (or the whole match)'
          : typeof rule.group === 'number'
            ? `group ${rule.group}`
            : `group ${quote(rule.group)}`;
      return `${group} of the first match of /${rule.pattern}/${rule.flags ?? ''} in the output, trimmed; empty if none`;
    }
  }
}

/** Checks a rule's values and builds its extractor. Error messages are phrased to follow the setting's name (`answer: `). */
function compileRule(rule: AnswerRule): Extractor {
  switch (rule.kind) {
    case 'trim':
    case 'judge':
      return (text) => text.trim();
    case 'normalized':
      return normalizedText;
    case 'json':
      return compileJson(rule);
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

/** Punctuation, and runs of whitespace (what `normalized` drops and collapses). */
const PUNCTUATION = /\p{P}+/gu;
const WHITESPACE = /\s+/gu;

/**
 * NFKC (so full-width letters, ligatures and the like read as their plain
 * forms), then case folding: upper- then lower-casing folds what lower-casing
 * alone leaves apart ("Straße" and "STRASSE"). Punctuation becomes a space, so
 * "yes,no" does not become "yesno".
 */
function normalizedText(text: string): string {
  return text.normalize('NFKC').toUpperCase().toLowerCase().replace(PUNCTUATION, ' ').replace(WHITESPACE, ' ').trim();
}

function compileJson(rule: { fields?: readonly string[]; ignoreCase?: boolean }): Extractor {
  const paths = rule.fields?.map((field) => {
    const path = parseFieldPath(field);
    if (path === undefined) throw new Error(`"fields": ${quote(field)} is not a field path such as "name" or "address.city"`);
    return { field, path };
  });
  const ignoreCase = rule.ignoreCase === true;
  return (text) => {
    const value = firstJsonValue(text);
    if (value === undefined) return text.trim();
    if (paths === undefined) return canonicalJson(value, ignoreCase);
    const picked: Record<string, unknown> = {};
    for (const { field, path } of paths) picked[field] = value !== null && typeof value === 'object' ? readField(value, path) : undefined;
    return canonicalJson(picked, ignoreCase);
  };
}

/**
 * A JSON value as text that two equal values share: object keys sorted,
 * numbers as JSON writes them (1.50 and 1.5 alike), strings trimmed (and
 * lowercased with `ignoreCase`), missing fields left out.
 */
function canonicalJson(value: unknown, ignoreCase: boolean): string {
  return (
    JSON.stringify(value, (_key, nested: unknown) => {
      if (typeof nested === 'string') return ignoreCase ? nested.trim().toLowerCase() : nested.trim();
      if (typeof nested !== 'object' || nested === null || Array.isArray(nested)) return nested;
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(nested).sort()) sorted[key] = (nested as Record<string, unknown>)[key];
      return sorted;
    }) ?? ''
  );
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

/** The first `{...}` in the text that parses as a JSON object (fences and prose around it are skipped over). */
export function firstJsonObject(text: string): Record<string, unknown> | undefined {
  return firstJson(text, '{') as Record<string, unknown> | undefined;
}

/** The first JSON object or array in the text, whichever comes first. */
function firstJsonValue(text: string): unknown {
  return firstJson(text, '{[');
}

/**
 * The first value that parses as JSON opening with one of `opens` (`{` or
 * `[`). Candidates are cut at their matching bracket, counted outside JSON
 * strings; one that does not parse (prose in braces, a truncated object, a
 * "[1]" footnote that is not the answer's) is passed over for the next.
 */
function firstJson(text: string, opens: string): unknown {
  for (let open = 0; open < text.length; open++) {
    if (!opens.includes(text[open])) continue;
    const close = matchingBracket(text, open);
    if (close < 0) continue;
    try {
      return JSON.parse(text.slice(open, close + 1)) as unknown;
    } catch {
      // Not JSON: try the next opening bracket.
    }
  }
  return undefined;
}

/** Where the bracket opening at `open` closes, counting only brackets of its kind outside JSON strings; -1 if it does not. */
function matchingBracket(text: string, open: number): number {
  const opening = text[open];
  const closing = opening === '{' ? '}' : ']';
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === opening) {
      depth++;
    } else if (char === closing && --depth === 0) {
      return i;
    }
  }
  return -1;
}

/** Strings trimmed; other values as canonical JSON, so `{"b":1,"a":2}` equals `{"a":2,"b":1}`; missing: "". */
function normaliseJsonValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  return canonicalJson(value, false);
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
