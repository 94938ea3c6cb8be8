import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { readSettings } from './settings';

/** An endpoint name and where it is defined (the settings, or configs by their workspace path). */
export interface EndpointChoice {
  readonly name: string;
  readonly definedIn: readonly string[];
}

/** The configs of the workspace, in every folder (smart.config.json, and smart.config.2.json as Profile Dataset saves beside one). */
const CONFIGS = '**/smart.config*.json';

/**
 * Every endpoint a run could use: those of the `smart.endpoints` setting and
 * those of every config in the workspace, sub-folders included, by name.
 * A config that cannot be read or parsed is passed over: its endpoints are
 * not known.
 */
export async function endpointChoices(): Promise<EndpointChoice[]> {
  const found = new Map<string, string[]>();
  const add = (name: string, where: string): void => {
    const places = found.get(name) ?? [];
    if (!places.includes(where)) places.push(where);
    found.set(name, places);
  };
  for (const endpoint of readSettings().endpoints) add(endpoint.name, 'settings');
  const configs = await vscode.workspace.findFiles(CONFIGS, '{**/node_modules/**,**/.smart/**}', 1000);
  for (const config of configs.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
    for (const name of endpointNamesIn(config.fsPath)) add(name, vscode.workspace.asRelativePath(config));
  }
  return [...found].map(([name, definedIn]) => ({ name, definedIn }));
}

function endpointNamesIn(file: string): string[] {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as { endpoints?: unknown };
    const endpoints = parsed.endpoints;
    return typeof endpoints === 'object' && endpoints !== null && !Array.isArray(endpoints) ? Object.keys(endpoints) : [];
  } catch {
    return [];
  }
}
