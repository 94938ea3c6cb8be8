import * as path from 'node:path';

/** Where Smart keeps what it knows of an input file (cache, seed, evidence, labels, batches, lock): `.smart/<input name><suffix>` beside it. */
export function stateFileFor(input: string, suffix: string): string {
  return path.join(path.dirname(path.resolve(input)), '.smart', `${path.basename(input)}${suffix}`);
}
