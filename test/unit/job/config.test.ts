import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULTS } from '../../../src/core/defaults';
import { batchCapable, ConfigError, loadConfig, parseConfig, withBatch } from '../../../src/job/config';

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
    assert.deepEqual(
      c.models.find((m) => m.id === 'mini'),
      { id: 'mini', endpoint: 'local', model: 'gpt-4o-mini', inputPer1M: 0.15, outputPer1M: 0.6, logprobs: false },
    );
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
    ['a template that is a folder', (c) => (c.template = '.'), /template: .+ is a folder, not a file$/],
    ['a recording that is a folder', (c) => (c.replay = '.'), /replay: .+ is a folder, not a file$/],
    ['an unknown strategy', (c) => (c.strategy = 'cheap'), /strategy: must be one of auto, naive, exhaustive, efficient, modelmix/],
    ['an unknown endpoint', (c) => ((c.models as Array<Record<string, unknown>>)[0].endpoint = 'remote'), /models\[0\]\.endpoint: unknown endpoint "remote"/],
    [
      'a model with no known price',
      (c) => ((c.models as Array<Record<string, unknown>>)[1] = { id: 'mid', endpoint: 'local', model: 'my-finetune' }),
      /models\[1\]\.inputPer1M: no price is known for model "my-finetune": set "inputPer1M" and "outputPer1M"/,
    ],
    [
      'a key instead of a variable name',
      (c) => ((c.endpoints as Record<string, Record<string, unknown>>).local.apiKeyEnv = 'sk-abc-123'),
      /apiKeyEnv: must be the NAME of an environment variable/,
    ],
    ['an unknown setting', (c) => (c.temperature = 0.7), /temperature: unknown setting/],
    [
      'a duplicate model id',
      (c) => (c.models as unknown[]).push({ id: 'mid', endpoint: 'local', inputPer1M: 1, outputPer1M: 1 }),
      /models\[3\]\.id: "mid" is used by two models/,
    ],
    [
      'a non-http base URL',
      (c) => ((c.endpoints as Record<string, Record<string, unknown>>).local.baseURL = 'ftp://x'),
      /baseURL: must start with http:\/\/ or https:\/\//,
    ],
    ['labels and answer together', (c) => (c.answer = { kind: 'lastNumber' }), /labels: give either "labels" or "answer", not both/],
    ['a fractional seed', (c) => (c.seed = 1.5), /seed: must be a whole number, got 1\.5/],
    ['a negative seed', (c) => (c.seed = -1), /seed: must be at least 0, got -1/],
    ['zero concurrency', (c) => (c.concurrency = 0), /concurrency: must be at least 1, got 0/],
    ['an unknown bound', (c) => (c.bound = 'hoeffding'), /bound: must be one of clopper-pearson, anytime, got "hoeffding"/],
    ['an empty model list', (c) => (c.models = []), /^[^\n]*models: must be a non-empty list of models$/],
    ['a missing reference', (c) => delete c.reference, /reference: is required/],
    ['a blank reference', (c) => (c.reference = ' '), /reference: must be a non-empty string$/],
    ['candidates that are not a list', (c) => (c.candidates = 'mid'), /candidates: must be a list, got "mid"/],
    ['a candidate listed twice', (c) => (c.candidates = ['mid', 'mid']), /candidates: lists a model twice/],
    ['a negative price', (c) => ((c.models as Array<Record<string, unknown>>)[0].inputPer1M = -1), /models\[0\]\.inputPer1M: must be at least 0, got -1/],
    [
      'an unknown model setting',
      (c) => ((c.models as Array<Record<string, unknown>>)[0].price = 1),
      /models\[0\]\.price: unknown setting \(known: id, endpoint, model, inputPer1M, outputPer1M, logprobs\)/,
    ],
    ['a model without an endpoint', (c) => delete (c.models as Array<Record<string, unknown>>)[0].endpoint, /models\[0\]\.endpoint: is required/],
    [
      'an unknown endpoint setting',
      (c) => ((c.endpoints as Record<string, Record<string, unknown>>).local.apikey = 'X'),
      /endpoints\.local\.apikey: unknown setting \(known: kind, baseURL, apiKeyEnv/,
    ],
    [
      'a header that is not a string',
      (c) => ((c.endpoints as Record<string, Record<string, unknown>>).local.headers = { 'x-id': 7 }),
      /endpoints\.local\.headers\.x-id: must be a string, got 7/,
    ],
    [
      'a fractional timeout',
      (c) => ((c.endpoints as Record<string, Record<string, unknown>>).local.timeoutMs = 0.5),
      /endpoints\.local\.timeoutMs: must be a whole number, got 0\.5/,
    ],
    ['no endpoints and no replay', (c) => delete c.endpoints, /endpoints: is required \(or "replay"/],
    ['itemKey without replay', (c) => (c.itemKey = 'id'), /itemKey: only applies with "replay"/],
    ['a missing recording', (c) => (c.replay = 'nope.jsonl'), /replay: file not found: .*nope\.jsonl/],
    ['a label given twice', (c) => (c.labels = ['Spam', 'spam']), /labels: labels "Spam" and "spam" are the same ignoring case/],
    ['a blank label', (c) => (c.labels = ['spam', ' ']), /labels\[1\]: a label must not be empty/],
    ['batch settings of the wrong type', (c) => (c.batch = 'yes'), /batch: must be true, false or an object of batch settings, got "yes"/],
    ['a batch discount above 1', (c) => (c.batch = { discount: 1.5 }), /batch\.discount: must be at most 1, got 1\.5/],
    [
      'an unknown batch setting',
      (c) => (c.batch = { window: '24h' }),
      /batch\.window: unknown setting \(known: pollSeconds, discount, maxRequestsPerBatch, maxBytesPerBatch, stragglers, maxHours\)/,
    ],
    ['a fractional batch request limit', (c) => (c.batch = { maxRequestsPerBatch: 10.5 }), /batch\.maxRequestsPerBatch: must be a whole number, got 10\.5/],
    [
      'an endpoint batch flag that is not one',
      (c) => ((c.endpoints as Record<string, Record<string, unknown>>).local.batch = 'no'),
      /endpoints\.local\.batch: must be true or false, got "no"/,
    ],
  ];
  for (const [name, change, message] of cases) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => parse(change),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, String(error));
          assert.match(error.message, message);
          assert.ok(error.message.startsWith(file), error.message);
          return true;
        },
      );
    });
  }

  it('reads batch mode as off, on with the defaults, or on with settings', () => {
    assert.equal(parse(() => undefined).batch, undefined);
    assert.equal(parse((c) => (c.batch = false)).batch, undefined);
    assert.deepEqual(parse((c) => (c.batch = true)).batch, DEFAULTS.batchSettings);
    assert.deepEqual(parse((c) => (c.batch = { pollSeconds: 5, discount: 0.4 })).batch, { ...DEFAULTS.batchSettings, pollSeconds: 5, discount: 0.4 });
    assert.deepEqual(DEFAULTS.batchSettings, {
      pollSeconds: 30,
      discount: 0.5,
      maxRequestsPerBatch: 50_000,
      maxBytesPerBatch: 200_000_000,
      stragglers: 'online',
      maxHours: 24,
    });
  });

  it("turns batch mode on keeping the file's settings, or off; never for a replayed run", () => {
    const settings = parse((c) => (c.batch = { pollSeconds: 5 }));
    assert.deepEqual(withBatch(settings, true).batch, settings.batch);
    assert.deepEqual(
      withBatch(
        parse(() => undefined),
        true,
      ).batch,
      DEFAULTS.batchSettings,
    );
    assert.equal(withBatch(settings, false).batch, undefined);
    const replayFile = path.join(dir, 'recording.jsonl');
    writeFileSync(replayFile, '');
    const replayed = parse((c) => {
      delete c.endpoints;
      for (const m of c.models as Array<Record<string, unknown>>) delete m.endpoint;
      c.replay = 'recording.jsonl';
    });
    assert.throws(() => withBatch(replayed, true), /smart\.config\.json: batch: does not apply with "replay": the recording answers every call/);
    assert.throws(
      () =>
        parse((c) => {
          delete c.endpoints;
          for (const m of c.models as Array<Record<string, unknown>>) delete m.endpoint;
          c.replay = 'recording.jsonl';
          c.batch = true;
        }),
      /batch: does not apply with "replay"/,
    );
    assert.equal(batchCapable(replayed), false);
  });

  it('knows whether batch mode has an endpoint with a Batch API to use', () => {
    assert.equal(batchCapable(parse(() => undefined)), true);
    assert.equal(batchCapable(parse((c) => ((c.endpoints as Record<string, Record<string, unknown>>).local.batch = false))), false);
  });

  it('fills in every default from the one table of defaults', () => {
    const c = parse((c) => {
      for (const key of ['accuracy', 'confidence', 'strategy', 'seed']) delete c[key];
    });
    assert.equal(c.accuracy, DEFAULTS.accuracy);
    assert.equal(c.confidence, DEFAULTS.confidence);
    assert.equal(c.strategy, DEFAULTS.strategy);
    assert.equal(c.bound, DEFAULTS.bound);
    assert.equal(c.seed, undefined, 'no seed: a job draws one for the file');
    assert.equal(c.concurrency, DEFAULTS.concurrency);
    assert.equal(c.checkEvery, DEFAULTS.checkEvery);
    assert.equal(c.minSample, DEFAULTS.minSample);
  });

  it('accepts a $schema, and defaults the candidates to every other model', () => {
    const c = parse((c) => {
      c.$schema = './node_modules/smart/smart.config.schema.json';
      delete c.candidates;
    });
    assert.deepEqual(c.candidates, ['mid', 'mini']);
  });

  it('replays a recording without endpoints, keying items by "id" unless told', () => {
    writeFileSync(path.join(dir, 'answers.jsonl'), '');
    const c = parse((c) => {
      delete c.endpoints;
      for (const m of c.models as Array<Record<string, unknown>>) delete m.endpoint;
      c.replay = 'answers.jsonl';
    });
    assert.deepEqual(c.replay, { file: path.join(dir, 'answers.jsonl'), itemKey: DEFAULTS.itemKey });
    assert.equal(c.models[0].endpoint, 'replay');
    assert.equal(parse((c) => ((c.replay = 'answers.jsonl'), (c.itemKey = 'uid'))).replay?.itemKey, 'uid');
  });

  it('checks overrides as it checks the file', () => {
    assert.throws(() => parseConfig(valid, file, { accuracy: 1.5 }), /accuracy: must be between 0 and 1 \(exclusive\), got 1\.5/);
    assert.throws(() => parseConfig(valid, file, { strategy: 'cheap' }), /strategy: must be one of/);
    assert.throws(() => parseConfig(valid, file, { candidates: ['big'] }), /candidates: "big" is the reference/);
  });

  it('lists every problem of the file, one line each, and names the first', () => {
    assert.throws(
      () => parse((c) => ((c.acuracy = 0.9), (c.seed = 'seven'))),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.message.split('\n'), [
          `${file}: seed: must be a number, got "seven"`,
          `${file}: acuracy: unknown setting (known: endpoints, models, reference, candidates, template, system, labels, answer, accuracy, confidence, strategy, bound, seed, inputFormat, delimiter, outputFormat, maxTokens, concurrency, checkEvery, minSample, replay, itemKey, batch)`,
        ]);
        assert.equal(error.field, 'seed');
        assert.equal(error.problems.length, 2);
        return true;
      },
    );
  });

  it('refuses a config that is not an object', () => {
    assert.throws(
      () => parseConfig([], file),
      (error: unknown) => error instanceof ConfigError && error.message === `${file}: must be an object, got []`,
    );
  });

  describe('answer', () => {
    const withAnswer = (answer: unknown): ReturnType<typeof parseConfig> =>
      parse((c) => {
        delete c.labels;
        c.answer = answer;
      });

    it('accepts rules, kind names for rules without parameters, and none for the default', () => {
      assert.deepEqual(parse((c) => delete c.labels).answer, { kind: 'trim' });
      assert.deepEqual(withAnswer('lastNumber').answer, { kind: 'lastNumber' });
      assert.deepEqual(withAnswer('normalized').answer, { kind: 'normalized' });
      assert.deepEqual(withAnswer('json').answer, { kind: 'json' });
      assert.deepEqual(withAnswer({ kind: 'json', fields: [' name ', 'a.b'], ignoreCase: true }).answer, {
        kind: 'json',
        fields: ['name', 'a.b'],
        ignoreCase: true,
      });
      assert.deepEqual(withAnswer({ kind: 'label', labels: [' spam ', 'ham'] }).answer, { kind: 'label', labels: ['spam', 'ham'] });
      assert.deepEqual(parse((c) => (c.labels = [' spam ', 'ham'])).answer, { kind: 'label', labels: ['spam', 'ham'] });
      assert.deepEqual(withAnswer({ kind: 'jsonField', field: 'a.b' }).answer, { kind: 'jsonField', field: 'a.b' });
      assert.deepEqual(withAnswer({ kind: 'regex', pattern: '(?<v>x)', group: 'v', flags: 'i' }).answer, {
        kind: 'regex',
        pattern: '(?<v>x)',
        group: 'v',
        flags: 'i',
      });
    });

    /** A rule, what the message says, and how many problems it lists (1 unless said). */
    const mistakes: Array<[unknown, RegExp, number?]> = [
      ['label', /: answer: "label" needs parameters: write \{ "kind": "label", \.\.\. \}$/],
      [
        'lastnumber',
        /: answer: unknown answer rule "lastnumber"; expected "trim", "normalized", "json", "lastNumber" or an object with "kind" one of "trim", "normalized", "json", "label"/,
      ],
      [42, /: answer: must be "trim", "normalized", "json", "lastNumber" or an object such as/],
      [{ kind: 'guess' }, /: answer\.kind: must be one of "trim", "normalized", "json", "label", "lastNumber", "jsonField", "regex", "judge"; got "guess"$/],
      [{ kind: 'json', fields: [] }, /: answer\.fields: must name at least one field$/],
      [{ kind: 'json', fields: ['a..b'] }, /: answer: "fields": "a\.\.b" is not a field path/],
      [{ kind: 'json', ignoreCase: 'yes' }, /: answer\.ignoreCase: must be true or false, got "yes"$/],
      [{ labels: ['a'] }, /: answer\.kind: must be one of .*; got none$/],
      [{ kind: 'label', lables: ['a'] }, /: answer\.labels: is required\n.*: answer\.lables: unknown setting \(known: kind, labels\)$/, 2],
      [{ kind: 'trim', extra: 1 }, /: answer\.extra: unknown setting \(known: kind\)$/],
      [{ kind: 'label', labels: [] }, /: answer\.labels: must name at least one label$/],
      [{ kind: 'label', labels: ['a', 2] }, /: answer\.labels\[1\]: must be a string, got 2$/],
      [{ kind: 'label', labels: ['a', '  '] }, /: answer\.labels\[1\]: a label must not be empty$/],
      [{ kind: 'label', labels: ['Spam', 'spam'] }, /: answer\.labels: labels "Spam" and "spam" are the same ignoring case$/],
      [{ kind: 'jsonField' }, /: answer\.field: is required$/],
      [{ kind: 'jsonField', field: 'a..b' }, /: answer: "field" "a\.\.b" is not a field path/],
      [{ kind: 'regex', pattern: '(' }, /: answer: \/\(\/ is not a valid regular expression \(Invalid regular expression/],
      [{ kind: 'regex', pattern: 'x', flags: 'g' }, /: answer: flags "g" and "y" are not allowed/],
      [{ kind: 'regex', pattern: 'x', flags: 'y' }, /: answer: flags "g" and "y" are not allowed/],
      [{ kind: 'regex', pattern: 'x', flags: 'q' }, /: answer: \/x\/q is not a valid regular expression \(Invalid flags/],
      [{ kind: 'regex', pattern: '(x)', group: 2 }, /: answer: "group" 2 does not exist: the pattern has 1 group$/],
      [{ kind: 'regex', pattern: '(?<a>x)', group: 'b' }, /: answer: "group" "b" is not a named group of the pattern \(it has "a"\)/],
      [{ kind: 'regex', pattern: 'x', group: true }, /: answer\.group: must be a group number or name$/],
    ];
    for (const [answer, message, problems = 1] of mistakes) {
      it(`refuses ${JSON.stringify(answer)} with a ConfigError naming the file and the field`, () => {
        assert.throws(
          () => withAnswer(answer),
          (error: unknown) => {
            assert.ok(error instanceof ConfigError, String(error));
            assert.ok(error.message.startsWith(`${file}: answer`), error.message);
            assert.equal(error.problems.length, problems, error.message);
            assert.match(error.message, message);
            return true;
          },
        );
      });
    }
  });

  it('names a file that is not JSON', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ "models": [ }');
    assert.throws(() => loadConfig(bad), /bad\.json: is not valid JSON/);
  });
});
