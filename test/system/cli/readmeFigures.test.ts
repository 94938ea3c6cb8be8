import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULTS } from '../../../src/core/defaults';
import { loadConfig, type ConfigOverrides } from '../../../src/job/config';
import { runJob } from '../../../src/job/runJob';
import { ratio } from '../../../src/text/money';
import { answers, writeWorkload } from '../../../bench/freeTextWorkload';
import { withOpenAiTestServer } from '../../support/openaiTestServer';

const ROOT = path.join(__dirname, '..', '..', '..', '..');

/** The savings `npm run demo` prints for an example, run as the demo runs it (a copy, the example's config, the demo's flags). */
async function exampleSavings(example: string, overrides: ConfigOverrides = {}): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `smart-readme-${example}-`));
  cpSync(path.join(ROOT, 'examples', example), dir, { recursive: true });
  const input = path.join(dir, 'items.jsonl');
  const { report } = await runJob({ input, config: loadConfig(path.join(dir, 'smart.config.json'), overrides), force: true });
  return ratio(report.savings);
}

/** The README's paragraph on `npm run demo`. */
function demoParagraph(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('`npm run demo` builds Smart');
  return readme.slice(start, readme.indexOf('\n\n', start)).replace(/\s+/g, ' ');
}

describe("the README's figures (issue 16, item 11)", function () {
  this.timeout(120_000);

  it("are what `npm run demo` prints: each example's savings, and the simulated free text's", async () => {
    const paragraph = demoParagraph();
    const said = (pattern: RegExp): string => {
      const match = pattern.exec(paragraph);
      assert.ok(match, `the README's demo paragraph no longer says ${pattern}`);
      return match[1];
    };
    assert.equal(said(/toxicity set at a 90% target \(([\d.]+x) cheaper than gpt-4o alone\)/), await exampleSavings('toxicity'));
    assert.equal(said(/the same answer are \(([\d.]+x)\)/), await exampleSavings('policy-topics', { accuracy: 0.9 }));
    assert.equal(said(/mixed with gpt-4o is \(([\d.]+x)\)/), await exampleSavings('policy-topics', { accuracy: 0.8 }));
    const freeText = await withOpenAiTestServer({ answer: answers(1) }, async (server) => {
      const input = writeWorkload(mkdtempSync(path.join(os.tmpdir(), 'smart-readme-free-')), server.baseURL, 20_000, 1);
      return (await runJob({ input, config: loadConfig(path.join(path.dirname(input), 'smart.config.json')) })).report.savings;
    });
    assert.equal(said(/an 80% target \(([\d.]+x), the judge included\)/), ratio(freeText));
  });

  it('give the defaults of the config table as src/core/defaults.ts has them', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const row = (field: string): string => {
      const line = readme.split('\n').find((l) => l.startsWith(`| ${field} |`));
      assert.ok(line, `the config table has no row for ${field}`);
      return line;
    };
    assert.match(row('`accuracy`, `confidence`'), new RegExp(`defaults ${DEFAULTS.accuracy}, ${DEFAULTS.confidence}\\)`));
    assert.match(row('`strategy`, `bound`, `seed`'), new RegExp(`defaults \`${DEFAULTS.strategy}\`, \`${DEFAULTS.bound}\`,`));
    assert.match(row('`concurrency`'), new RegExp(`\\(default ${DEFAULTS.concurrency}\\)`));
    assert.match(row('`checkEvery`, `minSample`'), new RegExp(`\\(default ${DEFAULTS.checkEvery}\\).*\\(default ${DEFAULTS.minSample}\\)`));
    assert.match(row('`endpoints.NAME.timeoutMs`'), new RegExp(`\\(default ${DEFAULTS.timeoutMs / 1000} s\\)`));
    assert.match(row('`endpoints.NAME.retryMinutes`'), new RegExp(`\\(default ${DEFAULTS.retryMinutes}\\)`));
    assert.match(readme, new RegExp(`\\| \`--strategy NAME\` \\| \`${DEFAULTS.strategy}\` \\(default\\)`));
  });
});
