import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { DEFAULTS } from '../core/defaults';
import { BATCH_WITH_REPLAY, smartConfigSchema, type SmartConfig } from './configSchema';

export type { BatchSettings, SmartConfig } from './configSchema';

/** One problem: the setting's path (`models[1].endpoint`, empty for the whole file) and what is wrong with it. */
export interface ConfigProblem {
  readonly field: string;
  readonly problem: string;
}

/** Problems in `smart.config.json`, one line each, naming the file and the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The setting of the first problem. */
  readonly field: string;
  constructor(
    readonly file: string,
    readonly problems: readonly [ConfigProblem, ...ConfigProblem[]],
  ) {
    super(problems.map(({ field, problem }) => `${file}: ${field ? `${field}: ` : ''}${problem}`).join('\n'));
    this.field = problems[0].field;
  }
}

/** Settings a command line (or the editor) may override. */
export interface ConfigOverrides {
  readonly reference?: string;
  readonly candidates?: readonly string[];
  readonly accuracy?: number;
  readonly confidence?: number;
  readonly strategy?: string;
  readonly bound?: string;
  readonly seed?: number;
  readonly inputFormat?: string;
  readonly delimiter?: string;
  readonly outputFormat?: string;
}

/** Reads and validates a config file; see README "The config file" for every field. */
export function loadConfig(file: string, overrides: ConfigOverrides = {}): SmartConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ field: '', problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(file, [{ field: '', problem: `is not valid JSON (${(error as Error).message})` }]);
  }
  return parseConfig(raw, file, overrides);
}

/**
 * Validates a parsed config object; `file` names it in errors and anchors relative paths.
 * @throws ConfigError listing every problem found.
 */
export function parseConfig(raw: unknown, file: string, overrides: ConfigOverrides = {}): SmartConfig {
  const given = Object.entries(overrides).filter(([, value]) => value !== undefined);
  const merged = isObject(raw) ? { ...raw, ...Object.fromEntries(given) } : raw;
  const result = smartConfigSchema(file).safeParse(merged, { error: problemText, reportInput: true });
  if (result.success) return result.data;
  const [first, ...rest] = problemsOf(result.error.issues, []);
  throw new ConfigError(file, [first, ...rest]);
}

/**
 * The config with batch mode on (keeping the file's batch settings, else the
 * defaults) or off: what `--batch` and the editor's choice of online or batch
 * do to a config read from a file.
 * @throws ConfigError when turned on for a config that replays a recording.
 */
export function withBatch(config: SmartConfig, on: boolean): SmartConfig {
  if (!on) return { ...config, batch: undefined };
  if (config.replay !== undefined) throw new ConfigError(config.file, [{ field: 'batch', problem: BATCH_WITH_REPLAY }]);
  return { ...config, batch: config.batch ?? { ...DEFAULTS.batchSettings } };
}

/** Whether batch mode can send any of the run's models to a Batch API: not replayed, and some model on an endpoint not marked `"batch": false`. */
export function batchCapable(config: SmartConfig): boolean {
  if (config.replay !== undefined) return false;
  const used = new Set([config.reference, ...config.candidates]);
  return config.models.some((m) => used.has(m.id) && servesBatchApi(config, m.endpoint));
}

/** Whether batch mode sends an endpoint's calls to its batch engine (every kind has one), unless `batch: false`. */
export function servesBatchApi(config: SmartConfig, endpoint: string): boolean {
  const settings = config.endpoints.get(endpoint);
  return settings !== undefined && settings.batch !== false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a value of each type zod checks for is called in messages. */
const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  object: 'an object',
  record: 'an object',
  array: 'a list',
  boolean: 'true or false',
};

/** The wording of a problem zod found, when the schema gives none of its own. */
function problemText(issue: z.core.$ZodRawIssue): string | undefined {
  const got = issue.input === undefined ? '' : `, got ${JSON.stringify(issue.input)}`;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${EXPECTED[issue.expected] ?? issue.expected}${got}`;
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}${got}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}${got}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}${got}`;
    case 'unrecognized_keys': {
      const known = issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape).filter((key) => key !== '$schema') : [];
      return `unknown setting${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`;
    }
    default:
      return undefined;
  }
}

/**
 * One problem per issue, at its path. An unknown key is named in the path. A
 * value that matches none of a union's forms is explained by the one form
 * whose type it has (an object answer rule by the rule object's problems),
 * else by the union's own message.
 */
function problemsOf(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      const matching = issue.errors.filter((branch) => !branch.some(isTypeMismatch));
      if (matching.length === 1) return problemsOf(matching[0], at);
    }
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: fieldPath([...at, key]), problem: issue.message }));
    return [{ field: fieldPath(at), problem: issue.message }];
  });
}

/** Whether an issue says the value as a whole has the wrong type for this form (reported with `reportInput`). */
function isTypeMismatch(issue: z.core.$ZodIssue): boolean {
  if (issue.path.length > 0) return false;
  if (issue.code === 'invalid_type') return true;
  return issue.code === 'invalid_value' && typeof issue.input !== typeof issue.values[0];
}

/** `models[1].endpoint` from `['models', 1, 'endpoint']`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`)).join('');
}
