import { existsSync, readdirSync } from 'node:fs';
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

/** `smart.config.json` or a numbered one beside it (`smart.config.2.json`), as saving beside an existing config names them. */
const CONFIG_FILE = /^smart\.config(?:\.(\d+))?\.json$/;

/**
 * Every config a run on `input` could use: those beside the input, then
 * those in `fallbackFolder`, each folder's in order (`smart.config.json`
 * first, then by number).
 */
export function findConfigs(input: string, fallbackFolder: string | undefined): string[] {
  const folders = [...new Set([path.dirname(path.resolve(input)), ...(fallbackFolder === undefined ? [] : [path.resolve(fallbackFolder)])])];
  return folders.flatMap((folder) => {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return [];
    }
    const number = (name: string): number => Number(CONFIG_FILE.exec(name)![1] ?? 1);
    return names
      .filter((name) => CONFIG_FILE.test(name))
      .sort((a, b) => number(a) - number(b))
      .map((name) => path.join(folder, name));
  });
}
