import * as vscode from 'vscode';
import { DEFAULTS } from '../core/defaults';
import type { Strategy } from '../core/types';
import type { ModelEntry } from '../job/configSchema';
import type { EndpointKind } from '../llm/chatBackend';

/** An endpoint as the user's settings describe it. */
export interface EndpointSetting {
  readonly name: string;
  /** The protocol (see `ENDPOINT_KINDS`); OpenAI's when absent. */
  readonly kind?: EndpointKind;
  readonly baseURL: string;
  /** Environment variable holding the key (`NAME` or `${env:NAME}`). */
  readonly apiKeyEnv?: string;
}

/** A model as the user's settings describe it: as in smart.config.json. */
export type ModelSetting = Readonly<ModelEntry>;

/** Smart's settings as plain values, read in one place. */
export interface SmartSettings {
  readonly endpoints: readonly EndpointSetting[];
  readonly models: readonly ModelSetting[];
  readonly accuracy: number;
  readonly confidence: number;
  readonly strategy: Strategy;
  readonly concurrency: number;
  readonly openOutputsWhenDone: boolean;
  /** Batch mode as Profile Dataset's first choice. */
  readonly batch: boolean;
}

/**
 * Reads the `smart.*` settings. Endpoints and models decide where prompts and
 * keys are sent, so in an untrusted workspace only the user's own values count,
 * never the workspace's (they are also declared in restrictedConfigurations).
 */
export function readSettings(): SmartSettings {
  const config = vscode.workspace.getConfiguration('smart');
  const trusted = vscode.workspace.isTrusted;
  const userOnly = <T>(key: string, fallback: T): T => {
    if (trusted) return config.get<T>(key, fallback);
    return config.inspect<T>(key)?.globalValue ?? fallback;
  };
  return {
    endpoints: userOnly<EndpointSetting[]>('endpoints', []),
    models: userOnly<ModelSetting[]>('models', []),
    accuracy: config.get<number>('accuracy', DEFAULTS.accuracy),
    confidence: config.get<number>('confidence', DEFAULTS.confidence),
    strategy: config.get<Strategy>('strategy', DEFAULTS.strategy),
    concurrency: config.get<number>('concurrency', DEFAULTS.concurrency),
    openOutputsWhenDone: config.get<boolean>('openOutputsWhenDone', DEFAULTS.openOutputsWhenDone),
    batch: config.get<boolean>('batch', DEFAULTS.batch),
  };
}

/** `${env:NAME}` or `NAME` to `NAME`. */
export function envVariableName(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const match = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value.trim());
  return match ? match[1] : value.trim();
}
