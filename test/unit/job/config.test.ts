import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../../src/job/config';

describe('smart.config.json', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smart-config-'));
  writeFileSync(path.join(dir, 'prompt.txt'), 'Is this spam? {{text}}');
  const file = path.join(dir, 'smart.config.json');
  const valid = {
    endpoints: { local: { baseURL: 'http://127.0.0.1:8000/v1', apiKeyEnv: 'LOCAL_KEY' } },
    models: [
      { id: 'big', endpoint: 'local', model: 'provider-model-name', inputPer1M: 30, outputPer1M: 60 },
      { id: 'mid', endpoint: 'local', model: 'other-model', inputPer1M: 1, outputPer1M: 2 },
      { id: 'mini', endpoint: 'local', model: 'gpt-4o-mini' },
    ],
    reference: 'big',
    candidates: ['mid', 'mini'],
    template: 'prompt.txt',
    system: 'optional system prompt',
    labels: ['spam', 'ham'],
    accuracy: 0.9,
    confidence: 0.95,
    strategy: 'modelmix',
    seed: 7,
  };
  const parse = (change: (c: Record<string, unknown>) => void): ReturnType<typeof parseConfig> => {
    const c = structuredClone(valid) as Record<string, unknown>;
    change(c);
    return parseConfig(c, file);
  };

  it('reads the documented format, resolving the template beside the file', () => {
    writeFileSync(file, JSON.stringify(valid));
    const c = loadConfig(file);
    assert.equal(c.reference, 'big');
    assert.deepEqual(c.candidates, ['mid', 'mini']);
    assert.equal(c.template, 'Is this spam? {{text}}');
    assert.deepEqual(c.answer, { kind: 'label', labels: ['spam', 'ham'] });
    assert.equal(c.endpoints.get('local')!.apiKeyEnv, 'LOCAL_KEY');
    assert.equal(c.strategy, 'modelmix');
    assert.equal(c.bound, 'anytime');
    assert.equal(c.seed, 7);
  });

  it('takes a known model price from the price table, and config prices over it', () => {
    const c = parse(() => undefined);
    assert.deepEqual(c.models.find((m) => m.id === 'mini'), { id: 'mini', endpoint: 'local', model: 'gpt-4o-mini', inputPer1M: 0.15, outputPer1M: 0.6 });
    const d = parse((c) => ((c.models as Array<Record<string, unknown>>)[2].inputPer1M = 9));
    assert.equal(d.models.find((m) => m.id === 'mini')!.inputPer1M, 9);
  });

  it('lets overrides replace settings', () => {
    const c = parseConfig(valid, file, { reference: 'mid', candidates: ['mini'], accuracy: 0.8, strategy: 'efficient', seed: 3 });
    assert.equal(c.reference, 'mid');
    assert.equal(c.accuracy, 0.8);
    assert.equal(c.strategy, 'efficient');
    assert.equal(c.seed, 3);
  });

  const cases: Array<[string, (c: Record<string, unknown>) => void, RegExp]> = [
    ['an unknown reference', (c) => (c.reference = 'huge'), /reference: unknown model id "huge" \(models: big, mid, mini\)/],
    ['an unknown candidate', (c) => (c.candidates = ['mid', 'tiny']), /candidates: unknown model id "tiny"/],
    ['the reference as a candidate', (c) => (c.candidates = ['big']), /candidates: "big" is the reference; it cannot also be a candidate/],
    ['accuracy 1', (c) => (c.accuracy = 1), /accuracy: must be between 0 and 1 \(exclusive\), got 1/],
    ['accuracy 0', (c) => (c.accuracy = 0), /accuracy: must be between 0 and 1/],
    ['a string confidence', (c) => (c.confidence = '95%'), /confidence: must be a number, got "95%"/],
    ['a missing template file', (c) => (c.template = 'nope.txt'), /template: file not found: .*nope\.txt/],
    ['an unknown strategy', (c) => (c.strategy = 'cheap'), /strategy: must be one of naive, exhaustive, efficient, modelmix/],
    ['an unknown endpoint', (c) => ((c.models as Array<Record<string, unknown>>)[0].endpoint = 'remote'), /models\[0\]\.endpoint: unknown endpoint "remote"/],
    ['a model with no known price', (c) => ((c.models as Array<Record<string, unknown>>)[1] = { id: 'mid', endpoint: 'local', model: 'my-finetune' }), /models\[1\]\.inputPer1M: no price is known for model "my-finetune": set "inputPer1M" and "outputPer1M"/],
    ['a key instead of a variable name', (c) => ((c.endpoints as Record<string, Record<string, unknown>>).local.apiKeyEnv = 'sk-abc-123'), /apiKeyEnv: must be the NAME of an environment variable/],
    ['an unknown setting', (c) => (c.temperature = 0.7), /temperature: unknown setting/],
    ['a duplicate model id', (c) => (c.models as unknown[]).push({ id: 'mid', endpoint: 'local', inputPer1M: 1, outputPer1M: 1 }), /models\[3\]\.id: "mid" is used by two models/],
    ['a non-http base URL', (c) => ((c.endpoints as Record<string, Record<string, unknown>>).local.baseURL = 'ftp://x'), /baseURL: must start with http:\/\/ or https:\/\//],
    ['labels and answer together', (c) => (c.answer = { kind: 'lastNumber' }), /labels: give either "labels" or "answer", not both/],
  ];
  for (const [name, change, message] of cases) {
    it(`rejects ${name}`, () => {
      assert.throws(() => parse(change), (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, message);
        assert.ok(error.message.startsWith(file), error.message);
        return true;
      });
    });
  }

  it('names a file that is not JSON', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ "models": [ }');
    assert.throws(() => loadConfig(bad), /bad\.json: is not valid JSON/);
  });
});
