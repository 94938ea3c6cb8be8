import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The config file's name, looked for beside the input. */
export const CONFIG_NAME = 'smart.config.json';

/**
 * The config a run on `input` uses when none is named: smart.config.json
 * beside the input, else in `fallbackFolder` (the command line's current
 * folder, the editor's workspace folder); undefined if neither has one.
 */
export function findConfig(input: string, fallbackFolder: string | undefined): string | undefined {
  const places = [path.dirname(input), ...(fallbackFolder === undefined ? [] : [fallbackFolder])];
  return places.map((folder) => path.join(folder, CONFIG_NAME)).find((file) => existsSync(file));
}
