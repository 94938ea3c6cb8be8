import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { getLanguageService, TextDocument, type Diagnostic } from 'vscode-json-languageservice';
import { DEFAULTS } from '../../../src/core/defaults';
import { BOUND_KINDS, STRATEGIES } from '../../../src/core/types';
import { loadConfig } from '../../../src/job/config';
import { configJsonSchema } from '../../../src/job/configSchema';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const MANIFEST = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { jsonValidation: Array<{ fileMatch: string | string[]; url: string }> };
};

interface SchemaNode {
  type?: string;
  description?: string;
  markdownDescription?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  patternErrorMessage?: string;
}

/** Every object schema with named properties, with its path, anywhere in `node`. */
function objectsIn(node: SchemaNode, at = '#'): Array<[string, SchemaNode]> {
  const here: Array<[string, SchemaNode]> = node.properties ? [[at, node]] : [];
  const children: Array<[string, SchemaNode]> = [
    ...Object.entries(node.properties ?? {}).map(([key, child]): [string, SchemaNode] => [`${at}/${key}`, child]),
    ...(typeof node.additionalProperties === 'object' ? [[`${at}/*`, node.additionalProperties] as [string, SchemaNode]] : []),
    ...(node.items ? [[`${at}[]`, node.items] as [string, SchemaNode]] : []),
    ...[...(node.anyOf ?? []), ...(node.oneOf ?? [])].map((child, i): [string, SchemaNode] => [`${at}|${i}`, child]),
  ];
  return [...here, ...children.flatMap(([where, child]) => objectsIn(child, where))];
}

describe('the JSON Schema of smart.config.json', () => {
  const schema = configJsonSchema() as unknown as SchemaNode & { $schema: string; required: string[] };

  it('is draft-07, strict at every level, and allows $schema', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const objects = objectsIn(schema);
    assert.ok(objects.length >= 8, `${objects.length} objects`);
    for (const [where, object] of objects) assert.equal(object.additionalProperties, false, where);
    assert.ok(schema.properties!.$schema);
    assert.deepEqual(schema.required, ['models', 'reference', 'template']);
  });

  it('describes every setting, in markdown for VS Code too', () => {
    for (const [where, object] of objectsIn(schema)) {
      for (const [key, property] of Object.entries(object.properties!)) {
        if (key === 'kind') continue; // an answer rule's discriminator: the rule object carries the description
        assert.ok((property.description ?? '').length > 10, `${where}/${key} has no description`);
        assert.equal(property.markdownDescription, property.description, `${where}/${key}`);
      }
    }
  });

  it('lists the enums and the defaults of the one table of defaults', () => {
    const top = schema.properties!;
    assert.deepEqual(top.strategy.enum, [...STRATEGIES]);
    assert.deepEqual(top.bound.enum, [...BOUND_KINDS]);
    assert.equal(top.seed.default, undefined, 'no default seed: one is drawn per file');
    for (const key of ['accuracy', 'confidence', 'strategy', 'bound', 'concurrency', 'checkEvery', 'minSample'] as const) {
      assert.equal(top[key].default, DEFAULTS[key], key);
      assert.match(top[key].description!, new RegExp(`default "?${String(DEFAULTS[key]).replace('.', '\\.')}`), key);
    }
  });

  describe("in VS Code's JSON language service, as package.json contributes it", () => {
    const contribution = MANIFEST.contributes.jsonValidation.find((v) => v.url.endsWith('smart.config.schema.json'));
    assert.ok(contribution, 'package.json contributes no jsonValidation for smart.config.json');
    const service = getLanguageService({});
    service.configure({
      validate: true,
      schemas: [{ uri: 'file:///smart.config.schema.json', fileMatch: ([] as string[]).concat(contribution.fileMatch), schema }],
    });
    const open = (text: string, uri = 'file:///work/project/jobs/smart.config.json') => {
      const document = TextDocument.create(uri, 'json', 1, text);
      return { document, json: service.parseJSONDocument(document) };
    };
    /** The messages the service underlines `text` with. */
    const diagnose = async (text: string, uri?: string): Promise<string[]> => {
      const { document, json } = open(text, uri);
      const diagnostics: Diagnostic[] = await service.doValidation(document, json);
      return diagnostics.map((d) => (typeof d.message === 'string' ? d.message : d.message.value));
    };
    const base = {
      endpoints: { local: { baseURL: 'http://127.0.0.1:8000/v1' } },
      models: [{ id: 'a', endpoint: 'local' }],
      reference: 'a',
      template: 'prompt.txt',
    };

    for (const example of ['toxicity', 'policy-topics']) {
      it(`finds nothing wrong in examples/${example}, which Smart loads`, async () => {
        const file = path.join(ROOT, 'examples', example, 'smart.config.json');
        loadConfig(file);
        assert.deepEqual(await diagnose(readFileSync(file, 'utf8')), []);
      });
    }

    it('underlines an unknown key, a wrong type, a number out of range and a key in place of a variable name', async () => {
      const text = JSON.stringify(
        { ...base, acuracy: 0.9, seed: 'seven', confidence: 1.5, endpoints: { local: { baseURL: 'http://x', apiKeyEnv: 'sk-123' } } },
        null,
        2,
      );
      const messages = await diagnose(text);
      assert.ok(
        messages.some((m) => /Property acuracy is not allowed/.test(m)),
        messages.join('; '),
      );
      assert.ok(
        messages.some((m) => /Incorrect type\. Expected "integer"/.test(m)),
        messages.join('; '),
      );
      assert.ok(
        messages.some((m) => /Value is above the exclusive maximum of 1/.test(m)),
        messages.join('; '),
      );
      assert.ok(
        messages.some((m) => /must be the NAME of an environment variable/.test(m)),
        messages.join('; '),
      );
      assert.equal(messages.length, 4, messages.join('; '));
    });

    it('underlines a misspelt answer rule', async () => {
      const messages = await diagnose(JSON.stringify({ ...base, answer: { kind: 'label', lables: ['a'] } }));
      assert.ok(
        messages.some((m) => /lables is not allowed|Missing property "labels"/.test(m)),
        messages.join('; '),
      );
    });

    it('leaves other JSON files alone', async () => {
      assert.deepEqual(await diagnose(JSON.stringify({ acuracy: 0.9 }), 'file:///work/project/settings.json'), []);
    });

    it('completes the settings, with their descriptions', async () => {
      const text = '{\n  \n}';
      const { document, json } = open(text);
      const list = await service.doComplete(document, { line: 1, character: 2 }, json);
      const labels = list!.items.map((item) => item.label);
      for (const key of ['accuracy', 'candidates', 'models', 'endpoints', 'answer', 'strategy'])
        assert.ok(labels.includes(key), `${key} not in ${labels.join(', ')}`);
      const accuracy = list!.items.find((item) => item.label === 'accuracy')!;
      assert.match(JSON.stringify(accuracy.documentation), /share of items whose output must agree/);
    });

    it('completes the strategies, and explains a setting on hover', async () => {
      const text = '{ "strategy": "" }';
      const { document, json } = open(text);
      const list = await service.doComplete(document, { line: 0, character: 15 }, json);
      assert.deepEqual(list!.items.map((item) => item.label).sort(), STRATEGIES.map((s) => `"${s}"`).sort());
      const hover = await service.doHover(document, { line: 0, character: 5 }, json);
      assert.match(JSON.stringify(hover!.contents), /How Smart decides which models process the items/);
    });
  });
});
