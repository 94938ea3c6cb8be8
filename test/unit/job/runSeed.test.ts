import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { orderSeed, seedFileFor } from '../../../src/job/runSeed';
import { tempFolderPerTest } from '../../support/files';

describe('orderSeed', () => {
  const folder = tempFolderPerTest('smart-seed-');
  const input = (name = 'items.jsonl'): string => path.join(folder(), name);

  it('draws a seed the first time a file is run, keeps it under .smart/, and gives it back on every later run', async () => {
    const first = await orderSeed(input(), undefined);
    assert.equal(first.origin, 'drawn');
    assert.ok(Number.isInteger(first.seed) && first.seed >= 0 && first.seed < 2 ** 32);
    const file = seedFileFor(input());
    assert.equal(file, path.join(folder(), '.smart', 'items.jsonl.seed.json'));
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { seed: number; drawnAt: string };
    assert.equal(kept.seed, first.seed);
    assert.ok(Math.abs(Date.parse(kept.drawnAt) - Date.now()) < 60_000);
    assert.deepEqual(await orderSeed(input(), undefined), { seed: first.seed, origin: 'kept' });
  });

  it('draws apart for different files, and not the same seed twice in a row (with 2^32 seeds to draw from)', async () => {
    const seeds = await Promise.all(['a.jsonl', 'b.jsonl', 'c.jsonl'].map(async (name) => (await orderSeed(input(name), undefined)).seed));
    assert.equal(new Set(seeds).size, 3, seeds.join(', '));
  });

  it('takes the configured seed as it is, and keeps nothing for it', async () => {
    assert.deepEqual(await orderSeed(input(), 7), { seed: 7, origin: 'config' });
    assert.ok(!existsSync(seedFileFor(input())));
  });

  it('refuses a seed file it cannot read as one, naming it and saying what to do', async () => {
    mkdirSync(path.join(folder(), '.smart'));
    for (const text of ['{"seed": -3, "drawnAt": "2026-01-01T00:00:00.000Z"}', '{"seed": 12', '']) {
      writeFileSync(seedFileFor(input()), text);
      await assert.rejects(orderSeed(input(), undefined), (error: Error) => {
        assert.ok(error.message.startsWith(`${seedFileFor(input())} does not hold a seed Smart kept`), error.message);
        assert.match(error.message, /Delete it to draw a new one .* or set "seed" in the config\.$/);
        return true;
      });
    }
  });
});
