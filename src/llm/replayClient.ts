/**
 * Serves recorded model answers instead of calling endpoints, so a run can be
 * repeated offline, without an API key, at no cost (the bundled examples under
 * examples/ run this way). A recording is a JSONL file with one line per
 * (item, model):
 *
 *   {"item": "17", "model": "gpt-4o-2024-11-20", "text": "3", "inputTokens": 212, "outputTokens": 2}
 *
 * Costs are still computed by the engine from the recorded token counts and
 * the configured prices, so a replayed run reports what the live run would
 * have cost.
 */
import { InputError } from '../io/inputError';
import { readJsonl } from '../io/jsonl';
import type { Completion, LlmClient, ModelSpec } from '../core/types';

/** One line of a recording. */
export interface ReplayRecord {
  /** The item's key: the value of its key field, as a string. */
  item: string;
  /** The model's name as the recording gives it. */
  model: string;
  /** The model's answer. */
  text: string;
  inputTokens: number;
  outputTokens: number;
}

/**
 * An {@link LlmClient} answering from a recording: {@link ReplayClient.load}
 * reads it once, then every call is a synchronous lookup.
 */
export class ReplayClient<T> implements LlmClient<T> {
  /** The model names the recording holds answers from. */
  readonly models: ReadonlySet<string>;
  /** How many distinct items the recording holds answers for. */
  readonly items: number;

  private constructor(
    private readonly file: string,
    private readonly answers: ReadonlyMap<string, Completion>,
    private readonly itemKey: (item: T) => string,
    private readonly modelName: (spec: ModelSpec) => string,
    models: ReadonlySet<string>,
    items: number,
  ) {
    this.models = models;
    this.items = items;
  }

  /**
   * Reads a recording, streaming it line by line.
   * @param file the recording (JSONL, one {@link ReplayRecord} per line; blank lines are skipped).
   * @param itemKey the key of an item as the recording's `item` field writes it.
   * @param modelName the name a model has in the recording; its id by default.
   * @throws InputError naming the file, line and field of a malformed line or of an
   *   (item, model) pair recorded twice, or naming the file if it holds no answers.
   */
  static async load<T>(file: string, itemKey: (item: T) => string, modelName: (spec: ModelSpec) => string = (spec) => spec.id): Promise<ReplayClient<T>> {
    const answers = new Map<string, Completion>();
    const models = new Set<string>();
    const items = new Set<string>();
    for await (const { line, value } of readJsonl(file)) {
      const record = parseRecord(value, { file, line });
      const key = answerKey(record.model, record.item);
      if (answers.has(key)) {
        const first = await firstLineOf(file, key);
        throw new InputError(
          { file, line, field: 'item' },
          `item "${record.item}" and model "${record.model}" are recorded twice${first === undefined ? '' : ` (first on line ${first})`}`,
        );
      }
      // Frozen so that the engine, which gets the same object on every call, cannot change the recording.
      answers.set(key, Object.freeze({ text: record.text, inputTokens: record.inputTokens, outputTokens: record.outputTokens }));
      models.add(record.model);
      items.add(record.item);
    }
    if (answers.size === 0) throw new InputError({ file }, 'holds no recorded answers');
    return new ReplayClient(file, answers, itemKey, modelName, models, items.size);
  }

  /**
   * The recorded answer of `model` to `item`. It is a call like any other (not
   * marked cached): the engine charges its tokens at the model's prices.
   * @throws InputError naming the file, the item key and the model if no answer is recorded.
   */
  complete(model: ModelSpec, item: T): Completion {
    const name = this.modelName(model);
    const key = this.itemKey(item);
    const answer = this.answers.get(answerKey(name, key));
    if (answer !== undefined) return answer;
    const who = name === model.id ? `model "${name}"` : `model "${name}" (id "${model.id}")`;
    const why = this.models.has(name)
      ? 'the model has answers to other items: is the item missing from the recording, or was the recording made for another input file?'
      : `the recording has no answers from that model at all (it has: ${[...this.models].join(', ')})`;
    throw new InputError({ file: this.file }, `no recording exists for item "${key}" and ${who}; ${why}`);
  }
}

/** Map key of an answer; NUL cannot occur in a model name written by a person, so keys cannot collide. */
function answerKey(model: string, item: string): string {
  return `${model}\u0000${item}`;
}

/** Validates one line of a recording. `item` may be written as a number; it is keyed by its string form. */
function parseRecord(value: Record<string, unknown>, where: { file: string; line: number }): ReplayRecord {
  const fail = (field: string, problem: string): never => {
    throw new InputError({ ...where, field }, `field "${field}" ${problem}`);
  };
  const { item, model, text, inputTokens, outputTokens } = value;
  if (typeof item !== 'string' && !(typeof item === 'number' && Number.isFinite(item))) {
    fail('item', item === undefined ? 'is missing' : `must be the item's key as a string, got ${JSON.stringify(item)}`);
  }
  if (typeof model !== 'string' || model === '') fail('model', model === undefined ? 'is missing' : `must be a non-empty string, got ${JSON.stringify(model)}`);
  if (typeof text !== 'string') fail('text', text === undefined ? 'is missing' : `must be a string, got ${JSON.stringify(text)}`);
  const tokens = (field: string, count: unknown): number => {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      return fail(field, count === undefined ? 'is missing' : `must be a whole number of tokens (0 or more), got ${JSON.stringify(count)}`);
    }
    return count;
  };
  return {
    item: String(item),
    model: model as string,
    text: text as string,
    inputTokens: tokens('inputTokens', inputTokens),
    outputTokens: tokens('outputTokens', outputTokens),
  };
}

/** The line where an answer is first recorded: read again only to explain a duplicate, so the index keeps no line numbers. */
async function firstLineOf(file: string, key: string): Promise<number | undefined> {
  for await (const { line, value } of readJsonl(file)) {
    if (answerKey(String(value.model), String(value.item)) === key) return line;
  }
  return undefined;
}
