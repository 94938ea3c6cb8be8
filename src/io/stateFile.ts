import * as path from 'node:path';
import { datasetName } from './shards';

/** Where Smart keeps what it knows of an input (cache, seed, evidence, labels, batches, lock): `.smart/<input name><suffix>` beside it (see `datasetName`). */
export function stateFileFor(input: string, suffix: string): string {
  return path.join(path.dirname(path.resolve(input)), '.smart', `${datasetName(input)}${suffix}`);
}
