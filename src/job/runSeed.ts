/**
 * The seed of a file's random order. The guarantee is over that order (the
 * confidence is the chance that the order drawn makes a bound wrong), so the
 * seed must not be chosen after seeing how runs with it turn out. Unless the
 * config sets one, it is drawn at random the first time a file is run and
 * kept beside the response cache, so that a rerun or a resume takes the same
 * order and the cache answers the calls already paid for.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import type { SeedOrigin } from '../core/types';
import { FileExistsError, writeFileAtomic } from '../io/writeFileAtomic';
import { stateFileFor } from '../io/stateFile';

/** A run's seed and where it came from. */
export interface OrderSeed {
  readonly seed: number;
  readonly origin: SeedOrigin;
}

/** What the seed file holds. */
const seedFileSchema = z.strictObject({
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  drawnAt: z.iso.datetime(),
});

/** The file that keeps an input's drawn seed: `.smart/<input name>.seed.json` beside it. */
export function seedFileFor(input: string): string {
  return stateFileFor(input, '.seed.json');
}

/**
 * The seed a run on `input` uses: the configured one, else the one kept for
 * the file, else a new one drawn from the system's secure random source and
 * kept (written atomically, never over a seed already kept).
 * @throws Error naming the seed file when it cannot be read as one.
 */
export async function orderSeed(input: string, configured: number | undefined): Promise<OrderSeed> {
  if (configured !== undefined) return { seed: configured, origin: 'config' };
  const file = seedFileFor(input);
  const kept = readSeedFile(file);
  if (kept !== undefined) return { seed: kept, origin: 'kept' };
  const seed = randomInt(0, 2 ** 32);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, (out) => out.writeLine(JSON.stringify({ seed, drawnAt: new Date().toISOString() })));
  } catch (error) {
    // Another process drew first (a run on the same file from another folder's view): take its seed.
    if (error instanceof FileExistsError) return { seed: readSeedFile(file)!, origin: 'kept' };
    throw error;
  }
  return { seed, origin: 'drawn' };
}

/** The seed kept in `file`, or undefined when there is no such file. */
function readSeedFile(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = seedFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new Error(
      `${file} does not hold a seed Smart kept (${result.error.issues[0]?.message ?? 'not JSON'}). ` +
        'Delete it to draw a new one (the order changes, so answers in the cache may not be asked for again), or set "seed" in the config.',
    );
  }
  return result.data.seed;
}
