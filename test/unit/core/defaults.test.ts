import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS } from '../../../src/core/defaults';
import { STRATEGIES } from '../../../src/core/types';
import { configJsonSchema, STRATEGY_DESCRIPTIONS } from '../../../src/job/configSchema';

interface Setting {
  default?: unknown;
  enum?: unknown[];
  markdownEnumDescriptions?: string[];
  items?: { properties?: Record<string, unknown> };
}

const MANIFEST = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Setting> } };
};
const SETTINGS = MANIFEST.contributes.configuration.properties;

describe("package.json's settings and the table of defaults", () => {
  it('give every scalar setting the default of the table', () => {
    const scalars = Object.entries(SETTINGS).filter(([, setting]) => !Array.isArray(setting.default));
    assert.ok(scalars.length >= 5, `${scalars.length} settings`);
    for (const [key, setting] of scalars) {
      const name = key.replace(/^smart\./, '');
      assert.ok(name in DEFAULTS, `${key} has no entry in DEFAULTS (src/core/defaults.ts)`);
      assert.equal(setting.default, DEFAULTS[name as keyof typeof DEFAULTS], `${key}: package.json's default differs from DEFAULTS.${name}`);
    }
  });

  it('offer the strategies the engine knows, described as the config schema describes them', () => {
    const strategy = SETTINGS['smart.strategy'];
    assert.deepEqual(strategy.enum, [...STRATEGIES]);
    assert.deepEqual(
      strategy.markdownEnumDescriptions,
      STRATEGIES.map((s) => STRATEGY_DESCRIPTIONS[s]),
    );
  });

  it('describe a model with the fields of a model in smart.config.json', () => {
    const schema = configJsonSchema() as { properties: { models: { items: { properties: Record<string, unknown> } } } };
    assert.deepEqual(Object.keys(SETTINGS['smart.models'].items!.properties!), Object.keys(schema.properties.models.items.properties));
  });
});
