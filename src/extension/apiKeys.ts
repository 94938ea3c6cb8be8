import * as vscode from 'vscode';
import { environmentKey, type KeyLookup } from '../job/runJob';

const secretName = (endpoint: string): string => `smart.apiKey.${endpoint}`;

/**
 * API keys, one per endpoint, in VS Code's SecretStorage (the OS keychain or
 * the editor's encrypted store): never in settings, logs, reports or outputs.
 * A key in an environment variable named by the endpoint is used when no key
 * was stored.
 */
export class ApiKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  store(endpoint: string, key: string): Thenable<void> {
    return this.secrets.store(secretName(endpoint), key);
  }

  delete(endpoint: string): Thenable<void> {
    return this.secrets.delete(secretName(endpoint));
  }

  /**
   * Reads the stored keys of these endpoints up front (SecretStorage is
   * asynchronous, a run asks synchronously) and returns a lookup: the stored
   * key, else the environment variable.
   */
  async lookup(endpoints: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<KeyLookup> {
    const stored = new Map<string, string>();
    for (const endpoint of endpoints) {
      const key = await this.secrets.get(secretName(endpoint));
      if (key) stored.set(endpoint, key);
    }
    return (endpoint, apiKeyEnv) => {
      const key = stored.get(endpoint);
      return key ? { key, source: `the key stored for endpoint "${endpoint}" with Smart: Set API Key` } : environmentKey(apiKeyEnv, env);
    };
  }
}
