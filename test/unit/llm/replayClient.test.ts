import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { extractAnswer, type AnswerRule } from '../../../src/io/answerExtraction';
import { InputError } from '../../../src/io/inputError';
import { compileTemplate } from '../../../src/io/template';
import type { ModelSpec } from '../../../src/core/types';
import { ReplayClient } from '../../../src/llm/replayClient';
import { tempFolderPerTest } from '../../support/files';

/**
 * The repository root: the first folder above the compiled test, or else above
 * the working folder (when compiled outside the tree), that holds package.json
 * and examples/.
 */
function repoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'examples'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`no repository root with examples/ above ${__dirname} or ${process.cwd()}`);
}

const examples = path.join(repoRoot(), 'examples');
const REFERENCE = 'gpt-4o-2024-11-20';

function spec(id: string): ModelSpec {
  return { id, inputPer1M: 1, outputPer1M: 1 };
}

/** The items of an example, as parsed objects in file order. */
function readItems(folder: string): Record<string, string>[] {
  return readFileSync(path.join(examples, folder, 'items.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, string>);
}

const byId = (id: string): string => id;

describe('ReplayClient', () => {
  describe('on the policy-topics example', () => {
    const recording = path.join(examples, 'policy-topics', 'recorded.jsonl');
    let client: ReplayClient<string>;

    before(async () => {
      client = await ReplayClient.load(recording, byId);
    });

    it('holds every item and model of the benchmark file', () => {
      assert.equal(client.items, 926);
      assert.deepEqual([...client.models].sort(), [
        'claude-3-5-haiku-20241022',
        'gemini-2.0-flash',
        'gpt-3.5-turbo-0125',
        'gpt-4.1-2025-04-14',
        'gpt-4.1-mini-2025-04-14',
        'gpt-4.1-nano-2025-04-14',
        'gpt-4o-2024-11-20',
        'gpt-4o-mini-2024-07-18',
        'llama3.1_70b',
        'mistral-small',
      ]);
    });

    it('answers with the labels of textclass-policy-en.csv', () => {
      // Rows 0 and 2 of the CSV: id 0 (Harbours Act 1964), id 2 (Retail Meat Dealers' Shops Act 1936).
      const expected: [string, string, string][] = [
        ['0', REFERENCE, '20'],
        ['0', 'gpt-4.1-2025-04-14', '10'],
        ['0', 'gpt-4.1-nano-2025-04-14', '15'],
        ['2', REFERENCE, '15'],
        ['2', 'gpt-4o-mini-2024-07-18', '1'],
        ['2', 'gemini-2.0-flash', '5'],
        ['2', 'mistral-small', '20'],
        ['3', 'llama3.1_70b', '19'],
      ];
      for (const [item, model, text] of expected) assert.equal(client.complete(spec(model), item).text, text, `${model} on item ${item}`);
    });

    it('returns calls, not cached answers, with the token counts the example README documents', function () {
      this.timeout(20_000); // building the tokenizer's rank table alone takes seconds
      const template = compileTemplate(readFileSync(path.join(examples, 'policy-topics', 'prompt.txt'), 'utf8'), 'prompt.txt');
      const encoder = new Tiktoken(o200kBase);
      const tokens = (text: string): number => encoder.encode(text, [], []).length;
      readItems('policy-topics').forEach((item, index) => {
        const completion = client.complete(spec(REFERENCE), item.id);
        assert.equal(completion.cached, undefined);
        // The prompt as the project renders it, plus 7 for the chat format; the answer plus 1 end token.
        assert.equal(completion.inputTokens, tokens(template.render(item, { file: 'items.jsonl', line: index + 1 })) + 7, `item ${item.id}`);
        assert.equal(completion.outputTokens, tokens(completion.text) + 1, `item ${item.id}`);
      });
    });

    it('finds models by the name modelName gives them', async () => {
      const named = await ReplayClient.load<string>(recording, byId, (model) => (model.id === 'nano' ? 'gpt-4.1-nano-2025-04-14' : model.id));
      assert.equal(named.complete(spec('nano'), '0').text, '15');
    });

    it('says clearly when no answer is recorded for an item and model', () => {
      assert.throws(
        () => client.complete(spec(REFERENCE), 'no-such-item'),
        (error: unknown) =>
          error instanceof InputError &&
          error.file === recording &&
          error.message.includes('no recording exists for item "no-such-item" and model "gpt-4o-2024-11-20"') &&
          error.message.includes('recorded.jsonl'),
      );
      assert.throws(
        () => client.complete(spec('gpt-5'), '0'),
        /no recording exists for item "0" and model "gpt-5"; the recording has no answers from that model at all \(it has: gpt-4o-2024-11-20, /,
      );
    });
  });

  it('gives the agreement the data README states: gpt-4.1-nano with gpt-4o on toxicity, 0.971', async () => {
    const folder = path.join(examples, 'toxicity');
    const config = JSON.parse(readFileSync(path.join(folder, 'smart.config.json'), 'utf8')) as { labels: string[] };
    const rule: AnswerRule = { kind: 'label', labels: config.labels };
    const client = await ReplayClient.load<Record<string, string>>(path.join(folder, 'recorded.jsonl'), (item) => item.id);
    const items = readItems('toxicity');
    assert.equal(items.length, 750);
    let agree = 0;
    for (const item of items) {
      const reference = extractAnswer(rule, client.complete(spec(REFERENCE), item).text);
      const nano = extractAnswer(rule, client.complete(spec('gpt-4.1-nano-2025-04-14'), item).text);
      if (nano === reference) agree++;
    }
    assert.equal((agree / items.length).toFixed(3), '0.971');
  });

  describe('on a malformed recording', () => {
    const folder = tempFolderPerTest('smart-replay-');

    const good = JSON.stringify({ item: '1', model: 'm', text: 'yes', inputTokens: 10, outputTokens: 2 });

    /** Loads a recording with these lines; returns the error it throws. */
    async function failure(lines: string[]): Promise<InputError> {
      const file = path.join(folder(), 'recorded.jsonl');
      writeFileSync(file, lines.join('\n') + '\n');
      const error = await ReplayClient.load<string>(file, byId).then(
        () => assert.fail('expected the recording to be refused'),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
      assert.equal(error.file, file);
      assert.ok(error.message.startsWith(`${file}:`), error.message);
      return error;
    }

    it('names the file and line of a line that is not JSON', async () => {
      const error = await failure([good, '{"item": "2", "model": ']);
      assert.equal(error.line, 2);
    });

    it('names the file, line and field of a missing or mistyped field', async () => {
      const missing = await failure([good, '', JSON.stringify({ item: '2', model: 'm', text: 'no', outputTokens: 1 })]);
      assert.equal(missing.line, 3);
      assert.equal(missing.field, 'inputTokens');
      assert.match(missing.message, /:3: field "inputTokens" is missing/);

      const fractional = await failure([JSON.stringify({ item: '2', model: 'm', text: 'no', inputTokens: 3, outputTokens: 1.5 })]);
      assert.equal(fractional.field, 'outputTokens');
      const notText = await failure([JSON.stringify({ item: '2', model: 'm', text: 3, inputTokens: 3, outputTokens: 1 })]);
      assert.equal(notText.field, 'text');
      const noModel = await failure([JSON.stringify({ item: '2', model: '', text: '', inputTokens: 3, outputTokens: 1 })]);
      assert.equal(noModel.field, 'model');
    });

    it('refuses an item and model recorded twice, naming both lines', async () => {
      const error = await failure([good, good.replace('"1"', '"2"'), good]);
      assert.equal(error.line, 3);
      assert.match(error.message, /item "1" and model "m" are recorded twice \(first on line 1\)/);
    });

    it('refuses a recording with no answers', async () => {
      const error = await failure(['']);
      assert.match(error.message, /holds no recorded answers/);
    });

    it('accepts numeric item keys, keyed by their string form', async () => {
      const file = path.join(folder(), 'recorded.jsonl');
      writeFileSync(file, JSON.stringify({ item: 7, model: 'm', text: 'yes', inputTokens: 1, outputTokens: 1 }) + '\n');
      const client = await ReplayClient.load<number>(file, String);
      assert.deepEqual(client.complete(spec('m'), 7), { text: 'yes', inputTokens: 1, outputTokens: 1 });
    });
  });
});
