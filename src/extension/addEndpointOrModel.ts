/**
 * "Smart: Add Endpoint or Model": adds an entry to the `smart.endpoints` or
 * `smart.models` setting through questions with pre-filled answers and
 * checks, instead of editing settings.json by hand. Keys never go in
 * settings: for an endpoint that needs one, it offers Set API Key (secret
 * storage) at the end.
 */
import * as vscode from 'vscode';
import { ENV_VARIABLE_NAME, isHttpUrl } from '../job/configSchema';
import { knownPrice } from '../job/priceTable';
import { readSettings, type EndpointSetting, type ModelSetting } from './settings';

/** Where the questions are asked: the editor's quick picks and input boxes (a test scripts its own). */
export interface Prompter {
  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Thenable<T | undefined>;
  input(options: vscode.InputBoxOptions): Thenable<string | undefined>;
  /** Says what was done, without waiting for an answer. */
  tell(message: string): void;
}

const windowPrompter: Prompter = {
  pick: (items, options) => vscode.window.showQuickPick(items, options),
  input: (options) => vscode.window.showInputBox(options),
  tell: (message) => void vscode.window.showInformationMessage(message),
};

/** What was added, or undefined when the person backed out. */
export type Added = { readonly endpoint: EndpointSetting } | { readonly model: ModelSetting };

export async function addEndpointOrModel(prompter: Prompter = windowPrompter): Promise<Added | undefined> {
  const endpoints = readSettings().endpoints;
  const what = await prompter.pick(
    [
      {
        label: 'Endpoint',
        detail: 'An OpenAI-compatible server (OpenAI, OpenRouter, Ollama, vLLM, LM Studio...) Anthropic or Gemini',
        adds: 'endpoint' as const,
      },
      {
        label: 'Model',
        detail:
          endpoints.length > 0
            ? `A model served by ${endpoints.map((e) => e.name).join(', ')}, with its prices`
            : 'Add an endpoint first: the model needs one to be served by',
        adds: 'model' as const,
      },
    ],
    { title: 'Smart: add to your settings' },
  );
  if (!what) return undefined;
  if (what.adds === 'model' && endpoints.length > 0) return addModel(prompter, endpoints);
  return addEndpoint(prompter, endpoints);
}

/** Servers people often use, to start from. */
const PRESETS: ReadonlyArray<Omit<EndpointSetting, 'apiKeyEnv'> & { readonly apiKeyEnv: string; readonly detail: string }> = [
  { name: 'openai', baseURL: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY', detail: 'OpenAI' },
  { name: 'openrouter', baseURL: 'https://openrouter.ai/api/v1', apiKeyEnv: 'OPENROUTER_API_KEY', detail: 'OpenRouter' },
  { name: 'anthropic', kind: 'anthropic', baseURL: 'https://api.anthropic.com', apiKeyEnv: 'ANTHROPIC_API_KEY', detail: 'Anthropic (Messages API)' },
  { name: 'gemini', kind: 'gemini', baseURL: 'https://generativelanguage.googleapis.com', apiKeyEnv: 'GEMINI_API_KEY', detail: 'Google Gemini (Gemini API)' },
  { name: 'ollama', baseURL: 'http://127.0.0.1:11434/v1', apiKeyEnv: '', detail: 'Ollama on this machine (no key)' },
  { name: 'local', baseURL: 'http://127.0.0.1:8000/v1', apiKeyEnv: '', detail: 'vLLM, LM Studio or another server on this machine (no key)' },
];

async function addEndpoint(prompter: Prompter, existing: readonly EndpointSetting[]): Promise<Added | undefined> {
  const preset = await prompter.pick(
    PRESETS.map((p) => ({ label: p.detail, description: p.baseURL, preset: p })),
    { title: 'Smart: new endpoint', placeHolder: 'Start from (every answer can be changed next)' },
  );
  if (!preset) return undefined;
  const taken = new Set(existing.map((e) => e.name));
  const name = await prompter.input({
    title: 'Smart: endpoint name',
    prompt: 'The name models and configs use for it',
    value: freeName(preset.preset.name, taken),
    validateInput: (v) => (v.trim() === '' ? 'A name is needed' : taken.has(v.trim()) ? `An endpoint named "${v.trim()}" exists already` : undefined),
  });
  if (name === undefined) return undefined;
  const baseURL = await prompter.input({
    title: 'Smart: base URL',
    prompt: 'The OpenAI-compatible base URL, up to /v1',
    value: preset.preset.baseURL,
    validateInput: baseUrlProblem,
  });
  if (baseURL === undefined) return undefined;
  const apiKeyEnv = await prompter.input({
    title: 'Smart: API key variable',
    prompt: 'The NAME of the environment variable holding the key (not the key), or empty: a key can also be stored with Set API Key',
    value: preset.preset.apiKeyEnv,
    validateInput: (v) =>
      v.trim() === '' || ENV_VARIABLE_NAME.test(v.trim())
        ? undefined
        : 'A variable name such as OPENAI_API_KEY: letters, digits and _, not starting with a digit',
  });
  if (apiKeyEnv === undefined) return undefined;
  const endpoint: EndpointSetting = {
    name: name.trim(),
    ...(preset.preset.kind ? { kind: preset.preset.kind } : {}),
    baseURL: baseURL.trim(),
    ...(apiKeyEnv.trim() ? { apiKeyEnv: apiKeyEnv.trim() } : {}),
  };
  if (!(await append(prompter, 'endpoints', endpoint))) return undefined;
  const setKey = { label: 'Set API Key', detail: "Stored in VS Code's secret storage, never in settings", set: true };
  const notNow = { label: 'Not now', detail: endpoint.apiKeyEnv ? `The key is read from ${endpoint.apiKeyEnv}` : 'For a server that needs no key', set: false };
  // Without a key variable the server most likely needs no key: Enter should not ask for one.
  const key = await prompter.pick(endpoint.apiKeyEnv ? [setKey, notNow] : [notNow, setKey], { title: `Smart: the key of "${endpoint.name}"` });
  if (key?.set) await vscode.commands.executeCommand('smart.setApiKey', endpoint.name);
  return { endpoint };
}

function baseUrlProblem(value: string): string | undefined {
  const url = value.trim();
  if (!isHttpUrl(url)) return 'It must start with http:// or https://';
  try {
    new URL(url);
    return undefined;
  } catch {
    return `"${url}" is not a URL`;
  }
}

async function addModel(prompter: Prompter, endpoints: readonly EndpointSetting[]): Promise<Added | undefined> {
  const endpoint = await prompter.pick(
    endpoints.map((e) => ({ label: e.name, description: e.baseURL })),
    { title: 'Smart: new model', placeHolder: 'The endpoint that serves it' },
  );
  if (!endpoint) return undefined;
  const model = await prompter.input({
    title: 'Smart: model name',
    prompt: "The provider's model name, as requests send it, e.g. gpt-4o-mini or llama3.1:8b",
    validateInput: (v) => (v.trim() === '' ? 'A model name is needed' : undefined),
  });
  if (model === undefined) return undefined;
  const taken = new Set(readSettings().models.map((m) => m.id));
  const id = await prompter.input({
    title: 'Smart: model id',
    prompt: 'The name runs use for it (reference, candidates, reports)',
    value: freeName(model.trim(), taken),
    validateInput: (v) => (v.trim() === '' ? 'An id is needed' : taken.has(v.trim()) ? `A model with the id "${v.trim()}" exists already` : undefined),
  });
  if (id === undefined) return undefined;
  const listed = knownPrice(model.trim());
  const inputPer1M = await askPrice(prompter, 'input', listed?.inputPer1M);
  if (inputPer1M === undefined) return undefined;
  const outputPer1M = await askPrice(prompter, 'output', listed?.outputPer1M);
  if (outputPer1M === undefined) return undefined;
  const entry: ModelSetting = {
    id: id.trim(),
    endpoint: endpoint.label,
    ...(model.trim() !== id.trim() ? { model: model.trim() } : {}),
    inputPer1M,
    outputPer1M,
  };
  return (await append(prompter, 'models', entry)) ? { model: entry } : undefined;
}

async function askPrice(prompter: Prompter, side: 'input' | 'output', listed: number | undefined): Promise<number | undefined> {
  const text = await prompter.input({
    title: `Smart: ${side} price`,
    prompt: `USD per million ${side} tokens${listed === undefined ? '' : ' (the list price is filled in)'}; 0 for a model that costs nothing`,
    value: listed === undefined ? '' : String(listed),
    validateInput: (v) => (v.trim() !== '' && Number.isFinite(Number(v)) && Number(v) >= 0 ? undefined : 'A price of 0 or more, such as 0.15'),
  });
  return text === undefined ? undefined : Number(text);
}

/** `name`, or `name-2`, `name-3`... the first not taken. */
function freeName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) if (!taken.has(`${name}-${n}`)) return `${name}-${n}`;
}

/** Appends the entry to the setting, for this workspace or for the user (asked when a folder is open). */
async function append(prompter: Prompter, key: 'endpoints' | 'models', entry: EndpointSetting | ModelSetting): Promise<boolean> {
  let target = vscode.ConfigurationTarget.Global;
  if (vscode.workspace.workspaceFolders?.length) {
    const where = await prompter.pick(
      [
        { label: 'User settings', detail: 'For every workspace', target: vscode.ConfigurationTarget.Global },
        {
          label: 'Workspace settings',
          detail: `For this workspace only${vscode.workspace.isTrusted ? '' : ' (ignored until the workspace is trusted)'}`,
          target: vscode.ConfigurationTarget.Workspace,
        },
      ],
      { title: `Smart: save "${'name' in entry ? entry.name : entry.id}" in` },
    );
    if (!where) return false;
    target = where.target;
  }
  const settings = vscode.workspace.getConfiguration('smart');
  const inspected = settings.inspect<unknown[]>(key);
  const current = (target === vscode.ConfigurationTarget.Global ? inspected?.globalValue : inspected?.workspaceValue) ?? [];
  await settings.update(key, [...current, entry], target);
  const name = 'name' in entry ? `endpoint "${entry.name}"` : `model "${entry.id}"`;
  prompter.tell(`Smart: ${name} added to the ${target === vscode.ConfigurationTarget.Global ? 'user' : 'workspace'} settings.`);
  return true;
}
