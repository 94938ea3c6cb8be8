import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAnswerRule, type AnswerRule } from '../io/answerExtraction';
import { BOUND_KINDS, STRATEGIES, type BoundKind, type Strategy } from '../core/types';
import { knownPrice } from './priceTable';

/** A problem in `smart.config.json`, naming the file and the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${problem}`);
  }
}

export interface EndpointSettings {
  readonly name: string;
  readonly baseURL: string;
  /** Name of the environment variable holding the key; absent for local servers. */
  readonly apiKeyEnv?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Calls in flight at once per model on this endpoint. */
  readonly concurrency?: number;
  readonly requestsPerMinute?: number;
}

export interface ModelSettings {
  /** The id the run uses (reference, candidates, reports). */
  readonly id: string;
  readonly endpoint: string;
  /** The provider's model name sent in requests. */
  readonly model: string;
  readonly inputPer1M: number;
  readonly outputPer1M: number;
}

/** A validated config, paths resolved against the config file's folder. */
export interface SmartConfig {
  readonly file: string;
  readonly endpoints: ReadonlyMap<string, EndpointSettings>;
  readonly models: readonly ModelSettings[];
  readonly reference: string;
  readonly candidates: readonly string[];
  readonly templateFile: string;
  readonly template: string;
  readonly system?: string;
  readonly answer: AnswerRule;
  readonly accuracy: number;
  readonly confidence: number;
  readonly strategy: Strategy;
  readonly bound: BoundKind;
  readonly seed: number;
  readonly maxTokens?: number;
  /** Calls in flight at once over the whole run. */
  readonly concurrency: number;
  readonly checkEvery?: number;
  readonly minSample?: number;
  /** A recording to replay instead of calling endpoints, and the item field that keys it. */
  readonly replay?: { readonly file: string; readonly itemKey: string };
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
}

export const DEFAULT_CONCURRENCY = 8;
const TOP_LEVEL_KEYS = [
  'endpoints', 'models', 'reference', 'candidates', 'template', 'system', 'labels', 'answer', 'accuracy', 'confidence',
  'strategy', 'bound', 'seed', 'maxTokens', 'concurrency', 'checkEvery', 'minSample', 'replay', 'itemKey', '$schema',
];
const ENDPOINT_KEYS = ['baseURL', 'apiKeyEnv', 'headers', 'query', 'timeoutMs', 'concurrency', 'requestsPerMinute'];
const MODEL_KEYS = ['id', 'endpoint', 'model', 'inputPer1M', 'outputPer1M'];

/** Reads and validates a config file; see README "The config file" for every field. */
export function loadConfig(file: string, overrides: ConfigOverrides = {}): SmartConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(file, '', `is not valid JSON (${(error as Error).message})`);
  }
  return parseConfig(raw, file, overrides);
}

/** Validates a parsed config object; `file` names it in errors and anchors relative paths. */
export function parseConfig(raw: unknown, file: string, overrides: ConfigOverrides = {}): SmartConfig {
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(file, field, problem);
  };
  const dir = path.dirname(path.resolve(file));
  const c = object(raw, '', fail);
  for (const key of Object.keys(c)) if (!TOP_LEVEL_KEYS.includes(key)) fail(key, `unknown setting (known: ${TOP_LEVEL_KEYS.filter((k) => k !== '$schema').join(', ')})`);

  const replayFile = optionalString(c.replay, 'replay', fail);
  const endpoints = new Map<string, EndpointSettings>();
  const rawEndpoints = c.endpoints === undefined && replayFile ? {} : object(c.endpoints, 'endpoints', fail);
  for (const [name, value] of Object.entries(rawEndpoints)) {
    const where = `endpoints.${name}`;
    const e = object(value, where, fail);
    for (const key of Object.keys(e)) if (!ENDPOINT_KEYS.includes(key)) fail(`${where}.${key}`, `unknown setting (known: ${ENDPOINT_KEYS.join(', ')})`);
    const baseURL = string(e.baseURL, `${where}.baseURL`, fail);
    if (!replayFile && !/^https?:\/\//.test(baseURL)) fail(`${where}.baseURL`, `must start with http:// or https://, got "${baseURL}"`);
    const apiKeyEnv = optionalString(e.apiKeyEnv, `${where}.apiKeyEnv`, fail);
    if (apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv)) {
      fail(`${where}.apiKeyEnv`, 'must be the NAME of an environment variable (the key itself never goes in this file)');
    }
    endpoints.set(name, {
      name,
      baseURL,
      ...(apiKeyEnv ? { apiKeyEnv } : {}),
      ...(e.headers !== undefined ? { headers: stringRecord(e.headers, `${where}.headers`, fail) } : {}),
      ...(e.query !== undefined ? { query: stringRecord(e.query, `${where}.query`, fail) } : {}),
      ...optionalNumberField(e, 'timeoutMs', where, fail, { min: 1, integer: true }),
      ...optionalNumberField(e, 'concurrency', where, fail, { min: 1, integer: true }),
      ...optionalNumberField(e, 'requestsPerMinute', where, fail, { min: 1 }),
    });
  }

  if (!Array.isArray(c.models) || c.models.length === 0) fail('models', 'must be a non-empty list of models');
  const models: ModelSettings[] = (c.models as unknown[]).map((value, i) => {
    const where = `models[${i}]`;
    const m = object(value, where, fail);
    for (const key of Object.keys(m)) if (!MODEL_KEYS.includes(key)) fail(`${where}.${key}`, `unknown setting (known: ${MODEL_KEYS.join(', ')})`);
    const id = string(m.id, `${where}.id`, fail);
    const model = m.model === undefined ? id : string(m.model, `${where}.model`, fail);
    const endpoint = m.endpoint === undefined && replayFile ? 'replay' : string(m.endpoint, `${where}.endpoint`, fail);
    if (!replayFile && !endpoints.has(endpoint)) fail(`${where}.endpoint`, `unknown endpoint "${endpoint}" (defined: ${[...endpoints.keys()].join(', ') || 'none'})`);
    const listed = knownPrice(model);
    const price = (key: 'inputPer1M' | 'outputPer1M'): number => {
      if (m[key] === undefined) {
        if (listed) return listed[key];
        return fail(
          `${where}.${key}`,
          `no price is known for model "${model}": set "inputPer1M" and "outputPer1M" (USD per million tokens) on it, e.g. { "id": "${id}", ..., "inputPer1M": 0.15, "outputPer1M": 0.6 }`,
        );
      }
      return number(m[key], `${where}.${key}`, fail, { min: 0 });
    };
    return { id, endpoint, model, inputPer1M: price('inputPer1M'), outputPer1M: price('outputPer1M') };
  });
  const ids = new Set<string>();
  models.forEach((m, i) => {
    if (ids.has(m.id)) fail(`models[${i}].id`, `"${m.id}" is used by two models`);
    ids.add(m.id);
  });
  const knownIds = `(models: ${[...ids].join(', ')})`;

  const reference = overrides.reference ?? string(c.reference, 'reference', fail);
  if (!ids.has(reference)) fail('reference', `unknown model id "${reference}" ${knownIds}`);
  const candidates = overrides.candidates ?? stringList(c.candidates ?? [...ids].filter((id) => id !== reference), 'candidates', fail);
  if (candidates.length === 0) fail('candidates', 'must name at least one model to profile against the reference');
  for (const id of candidates) {
    if (!ids.has(id)) fail('candidates', `unknown model id "${id}" ${knownIds}`);
    if (id === reference) fail('candidates', `"${id}" is the reference; it cannot also be a candidate`);
  }
  if (new Set(candidates).size !== candidates.length) fail('candidates', 'lists a model twice');

  const templateName = string(c.template, 'template', fail);
  const templateFile = path.resolve(dir, templateName);
  if (!existsSync(templateFile)) fail('template', `file not found: ${templateFile}`);
  const template = readFileSync(templateFile, 'utf8').replace(/^\uFEFF/, '');

  if (c.labels !== undefined && c.answer !== undefined) fail('labels', 'give either "labels" or "answer", not both');
  const answer = c.labels !== undefined ? parseAnswerRule({ kind: 'label', labels: c.labels }, `${file}: labels`) : parseAnswerRule(c.answer, `${file}: answer`);

  const accuracy = overrides.accuracy ?? (c.accuracy === undefined ? 0.95 : number(c.accuracy, 'accuracy', fail));
  if (!(accuracy > 0 && accuracy < 1)) fail('accuracy', `must be between 0 and 1 (exclusive), got ${accuracy}`);
  const confidence = overrides.confidence ?? (c.confidence === undefined ? 0.95 : number(c.confidence, 'confidence', fail));
  if (!(confidence > 0 && confidence < 1)) fail('confidence', `must be between 0 and 1 (exclusive), got ${confidence}`);
  const strategy = overrides.strategy ?? (c.strategy === undefined ? 'modelmix' : string(c.strategy, 'strategy', fail));
  if (!(STRATEGIES as readonly string[]).includes(strategy)) fail('strategy', `must be one of ${STRATEGIES.join(', ')}, got "${strategy}"`);
  const bound = overrides.bound ?? (c.bound === undefined ? 'anytime' : string(c.bound, 'bound', fail));
  if (!(BOUND_KINDS as readonly string[]).includes(bound)) fail('bound', `must be one of ${BOUND_KINDS.join(', ')}, got "${bound}"`);
  const seed = overrides.seed ?? (c.seed === undefined ? 0 : number(c.seed, 'seed', fail, { min: 0, integer: true }));
  if (!(Number.isInteger(seed) && seed >= 0)) fail('seed', `must be a non-negative integer, got ${seed}`);

  let replay: SmartConfig['replay'];
  if (replayFile) {
    const replayPath = path.resolve(dir, replayFile);
    if (!existsSync(replayPath)) fail('replay', `file not found: ${replayPath}`);
    replay = { file: replayPath, itemKey: c.itemKey === undefined ? 'id' : string(c.itemKey, 'itemKey', fail) };
  } else if (c.itemKey !== undefined) {
    fail('itemKey', 'only applies with "replay"');
  }

  return {
    file: path.resolve(file),
    endpoints,
    models,
    reference,
    candidates,
    templateFile,
    template,
    ...(c.system !== undefined ? { system: string(c.system, 'system', fail) } : {}),
    answer,
    accuracy,
    confidence,
    strategy: strategy as Strategy,
    bound: bound as BoundKind,
    seed,
    ...optionalNumberField(c, 'maxTokens', '', fail, { min: 1, integer: true }),
    concurrency: c.concurrency === undefined ? DEFAULT_CONCURRENCY : number(c.concurrency, 'concurrency', fail, { min: 1, integer: true }),
    ...optionalNumberField(c, 'checkEvery', '', fail, { min: 1, integer: true }),
    ...optionalNumberField(c, 'minSample', '', fail, { min: 0, integer: true }),
    ...(replay ? { replay } : {}),
  };
}

type Fail = (field: string, problem: string) => never;

function object(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(field, 'must be an object');
  return value as Record<string, unknown>;
}

function string(value: unknown, field: string, fail: Fail): string {
  if (typeof value !== 'string' || value.trim() === '') return fail(field, value === undefined ? 'is required' : 'must be a non-empty string');
  return value;
}

function optionalString(value: unknown, field: string, fail: Fail): string | undefined {
  return value === undefined ? undefined : string(value, field, fail);
}

function stringList(value: unknown, field: string, fail: Fail): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return fail(field, 'must be a list of model ids');
  return value;
}

function stringRecord(value: unknown, field: string, fail: Fail): Record<string, string> {
  const o = object(value, field, fail);
  for (const [k, v] of Object.entries(o)) if (typeof v !== 'string') fail(`${field}.${k}`, 'must be a string');
  return o as Record<string, string>;
}

function number(value: unknown, field: string, fail: Fail, limits: { min?: number; integer?: boolean } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail(field, `must be a number, got ${JSON.stringify(value)}`);
  if (limits.integer && !Number.isInteger(value)) fail(field, `must be a whole number, got ${value}`);
  if (limits.min !== undefined && value < limits.min) fail(field, `must be at least ${limits.min}, got ${value}`);
  return value;
}

function optionalNumberField<K extends string>(
  o: Record<string, unknown>,
  key: K,
  where: string,
  fail: Fail,
  limits: { min?: number; integer?: boolean },
): Partial<Record<K, number>> {
  if (o[key] === undefined) return {};
  return { [key]: number(o[key], where ? `${where}.${key}` : key, fail, limits) } as Partial<Record<K, number>>;
}
