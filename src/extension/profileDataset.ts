import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULTS } from '../core/defaults';
import { formatOf, readFirstRecord } from '../io/records';
import { isSharded, shardsOf } from '../io/shards';
import { findDatasets, isDataset } from './datasetFiles';
import { draftTemplate, TASK_PLACEHOLDER } from '../io/template';
import { batchCapable, loadConfig, parseConfig, withBatch, type SmartConfig } from '../job/config';
import { CONFIG_NAME, findConfigs } from '../job/findConfig';
import { readReportConfig } from '../job/reportSchema';
import { jobFiles } from '../job/runJob';
import { modeChoices } from '../text/batch';
import { answerRuleWords } from './answerRuleWords';
import { plural } from '../text/numbers';
import { describeTarget } from '../text/report';
import { envVariableName, readSettings, type SmartSettings } from './settings';
import { answerFieldsOf, answerRuleOf, recallChoices, rememberChoices } from './wizardChoices';
import { confirmTemplate, LAST_RUN, openSmartSettings, pickAnswerRule, pickReference, pickStrategy, saveChoices } from './wizardSteps';

/** Options for calling the command from code (a walkthrough, a test); people get prompts instead. */
export interface ProfileOptions {
  /** Use this config file without asking. */
  readonly config?: string;
  /** Skip the cost confirmation. */
  readonly yes?: boolean;
  /** Overwrite existing outputs without asking. */
  readonly force?: boolean;
  /** Batch mode on or off without asking (default: as the config says). */
  readonly batch?: boolean;
}

/** What the command needs to start a run; undefined when the user backed out. */
export interface PreparedRun {
  readonly input: vscode.Uri;
  readonly config: SmartConfig;
  readonly force: boolean;
  readonly yes: boolean;
}

/**
 * The "Profile Dataset" flow: which file, which settings (a smart.config.json
 * found beside it or in the workspace, or choices made with quick picks and
 * saved on request), and whether existing outputs may be replaced. The cost
 * preview and confirmation come later, from the run itself.
 */
export async function prepareRun(uri: vscode.Uri | undefined, options: ProfileOptions = {}): Promise<PreparedRun | undefined> {
  const input = uri ?? (await pickInput());
  if (!input) return undefined;
  const chosen = options.config ? loadConfig(options.config) : await chooseConfig(input);
  if (!chosen) return undefined;
  if (!isSharded(input.fsPath) && formatOf(input.fsPath) === undefined && chosen.inputFormat === undefined) {
    throw new Error(
      `${vscode.workspace.asRelativePath(input)} is not a file Smart reads: a .jsonl, .csv, .tsv, .json or .parquet file, or a folder of them (or set "inputFormat").`,
    );
  }
  const config = options.config ? (options.batch === undefined ? chosen : withBatch(chosen, options.batch)) : await chooseMode(chosen, readSettings().batch);
  if (!config) return undefined;

  let force = options.force === true;
  const files = jobFiles(input.fsPath, config);
  const existing = files.outputs.find((file) => existsSync(file));
  if (!force && (existing !== undefined || existsSync(files.report))) {
    const replace = await vscode.window.showWarningMessage(
      `${path.basename(existing ?? files.report)} already exists beside ${path.basename(existing === undefined ? input.fsPath : path.dirname(existing))}. Replace the outputs and the report?`,
      { modal: true },
      'Replace',
    );
    if (replace !== 'Replace') return undefined;
    force = true;
  }
  return { input, config, force, yes: options.yes === true };
}

/**
 * Online or batch, when the run has a model on an endpoint with a Batch API:
 * the config's choice (else the `smart.batch` setting) is offered first.
 */
async function chooseMode(config: SmartConfig, batchSetting: boolean): Promise<SmartConfig | undefined> {
  if (!batchCapable(config)) return config;
  const choices = modeChoices((config.batch ?? DEFAULTS.batchSettings).discount);
  const online = { ...choices.online, batch: false };
  const batch = {
    ...choices.batch,
    detail: "Profiling runs online; the rest goes to the providers' Batch APIs. Their progress shows in the status bar and the cost panel.",
    batch: true,
  };
  const batchFirst = config.batch !== undefined || batchSetting;
  const picked = await vscode.window.showQuickPick(batchFirst ? [batch, online] : [online, batch], {
    title: 'Smart: Profile Dataset',
    placeHolder: 'Run online, or send the items after profiling to the batch engine?',
  });
  return picked === undefined ? undefined : withBatch(config, picked.batch);
}

async function pickInput(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && isDataset(active)) return active;
  const files = await findDatasets(500);
  if (files.length === 0) {
    void vscode.window.showInformationMessage(
      'Smart: there is no dataset in this workspace to profile (a .jsonl, .csv, .tsv or .parquet file; a .json file from its right-click).',
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Smart: Profile Dataset', placeHolder: 'Which dataset?' },
  );
  return picked?.uri;
}

/**
 * The settings of a run: a config found beside the input or at its
 * workspace folder's root (every one, the last run's on this file first), or
 * choices made now.
 */
async function chooseConfig(input: vscode.Uri): Promise<SmartConfig | undefined> {
  const choices = configChoices(input.fsPath, vscode.workspace.getWorkspaceFolder(input)?.uri.fsPath);
  if (choices.length === 1) return askForConfig(input, readSettings());
  const found = choices.length - 1;
  const use = await vscode.window.showQuickPick(choices, {
    title: 'Smart: Profile Dataset',
    placeHolder: found === 1 ? 'A config was found' : `${found} configs were found`,
  });
  if (!use) return undefined;
  return use.file === undefined ? askForConfig(input, readSettings()) : loadConfig(use.file);
}

/** A choice of settings: a config file, or none (choose them now). */
export type ConfigChoice = vscode.QuickPickItem & { readonly file: string | undefined };

/**
 * The configs a run on `input` could use, each told apart by what it sets
 * (reference, candidates, target, strategy, comparison; one that cannot be
 * read says why), the one the file's last run used first, then "Choose
 * settings…".
 */
export function configChoices(input: string, workspaceFolder: string | undefined): ConfigChoice[] {
  const found = findConfigs(input, workspaceFolder);
  const last = lastConfigOf(input);
  const ordered = last !== undefined && found.includes(last) ? [last, ...found.filter((f) => f !== last)] : found;
  return [
    ...ordered.map((file) => configChoice(file, file === last)),
    { label: 'Choose settings…', detail: 'Pick the template, models and target now', file: undefined },
  ];
}

function configChoice(file: string, last: boolean): ConfigChoice {
  const label = `Use ${vscode.workspace.asRelativePath(file)}`;
  const description = last ? 'used by the last run on this file' : '';
  try {
    const c = loadConfig(file);
    return {
      label,
      description,
      detail: `Reference ${c.reference}, ${plural(c.candidates.length, 'candidate')}, ${describeTarget(c, c.reference)}, ${c.strategy}, ${answerRuleWords(c.answer)}`,
      file,
    };
  } catch (error) {
    return { label, description, detail: `Cannot be read: ${(error as Error).message.split('\n')[0]}`, file };
  }
}

/** The config the last run on this input used, as its report names it (none without a report, or one that cannot be read). */
function lastConfigOf(input: string): string | undefined {
  try {
    return readReportConfig(jobFiles(input).report);
  } catch {
    return undefined;
  }
}

/**
 * With fewer than two models configured there is nothing to profile: the
 * ways forward, where they cannot be missed (a quick pick, not a
 * notification), the example first, so that Enter alone ends at a run that
 * works and pays nothing.
 */
async function offerFirstSteps(): Promise<void> {
  const pick = await vscode.window.showQuickPick(
    [
      {
        label: '$(play) Run the Offline Example',
        detail: "Twelve real models' recorded answers on 750 comments: no key, nothing paid",
        run: () => vscode.commands.executeCommand('smart.runExample'),
      },
      {
        label: '$(add) Add Endpoint or Model',
        detail: 'An OpenAI-compatible endpoint and its models, saved in the settings (its key in secret storage)',
        run: () => vscode.commands.executeCommand('smart.addEndpointOrModel'),
      },
      {
        label: '$(settings-gear) Open Settings',
        detail: 'smart.endpoints and smart.models; or put a smart.config.json beside the data',
        run: openSmartSettings,
      },
    ],
    {
      title: 'Smart needs two models first: a reference and a cheaper candidate',
      placeHolder: 'None are configured yet. Try the example, or add your own',
      ignoreFocusOut: true,
    },
  );
  await pick?.run();
}

/**
 * Builds a config with quick picks and input boxes, pre-filled from the
 * choices last made on this file (`wizardChoices.ts`), else from the settings,
 * and keeps the choices made for the next time.
 */
async function askForConfig(input: vscode.Uri, settings: SmartSettings): Promise<SmartConfig | undefined> {
  if (settings.models.length < 2) {
    await offerFirstSteps();
    return undefined;
  }
  const last = recallChoices(input.fsPath);
  const folder = path.dirname(input.fsPath);
  const template = await pickTemplate(input, last?.template);
  if (!template) return undefined;
  const reference = await pickReference(settings.models, last?.reference);
  if (!reference) return undefined;
  const others = settings.models.filter((m) => m.id !== reference.id);
  // The last run's candidates stay picked (all of them when it picked none of these).
  const wasPicked = (id: string): boolean => !last || !others.some((m) => last.candidates.includes(m.id)) || last.candidates.includes(id);
  const candidates = await vscode.window.showQuickPick(
    others.map((m) => ({ label: m.id, description: m.model ?? '', picked: wasPicked(m.id) })),
    { title: 'Smart: candidate models', placeHolder: 'Cheaper models to profile against the reference', canPickMany: true },
  );
  if (!candidates || candidates.length === 0) return undefined;
  const accuracy = await askShare(
    'Smart: target agreement',
    'Share of items that must agree with the reference (e.g. 0.95)',
    last?.accuracy ?? settings.accuracy,
  );
  if (accuracy === undefined) return undefined;
  const confidence = await askShare(
    'Smart: confidence',
    'Confidence with which the target must hold: the chance that the share of outputs agreeing with the reference reaches it (e.g. 0.95)',
    last?.confidence ?? settings.confidence,
  );
  if (confidence === undefined) return undefined;
  const answer = await pickAnswerRule(settings.models, readFileSync(template.fsPath, 'utf8'), last ? answerFieldsOf(last.answer) : undefined);
  if (!answer) return undefined;
  const strategy = await pickStrategy(last?.strategy ?? settings.strategy, last ? LAST_RUN : 'default');
  if (!strategy) return undefined;

  const raw = {
    endpoints: Object.fromEntries(
      settings.endpoints.map((e) => {
        const apiKeyEnv = envVariableName(e.apiKeyEnv);
        return [e.name, { ...(e.kind ? { kind: e.kind } : {}), baseURL: e.baseURL, ...(apiKeyEnv ? { apiKeyEnv } : {}) }];
      }),
    ),
    models: settings.models.map((m) => ({ ...m })),
    reference: reference.id,
    candidates: candidates.map((c) => c.label),
    template: path.relative(folder, template.fsPath).split(path.sep).join('/'),
    ...answer,
    accuracy,
    confidence,
    strategy,
    concurrency: settings.concurrency,
  };
  const config = parseConfig(raw, path.join(folder, CONFIG_NAME));
  const saved = await saveChoices(folder, raw);
  if (saved === undefined) return undefined;
  await rememberChoices(input.fsPath, {
    template: template.fsPath,
    reference: reference.id,
    candidates: raw.candidates,
    accuracy,
    confidence,
    answer: answerRuleOf(answer),
    strategy,
  });
  return saved === null ? config : { ...config, file: saved };
}

async function askShare(title: string, prompt: string, value: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    prompt,
    value: String(value),
    validateInput: (v) => (Number(v) > 0 && Number(v) < 1 ? undefined : 'A number between 0 and 1, such as 0.95'),
  });
  return text === undefined ? undefined : Number(text);
}

/**
 * A prompt template: the last run's on this file first (when it is still
 * there), a workspace file, or a new one written from the input's fields and
 * opened for editing.
 */
async function pickTemplate(input: vscode.Uri, last?: string): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles('**/*.{txt,md,prompt,tmpl}', '{**/node_modules/**,**/.smart/**}', 200);
  const NEW = 'New template…';
  const lastFile = last !== undefined && existsSync(last) ? vscode.Uri.file(last) : undefined;
  const existing = files.filter((uri) => uri.fsPath !== lastFile?.fsPath).map((uri) => ({ label: vscode.workspace.asRelativePath(uri), description: '', uri }));
  const again = lastFile ? [{ label: vscode.workspace.asRelativePath(lastFile), description: LAST_RUN, uri: lastFile as vscode.Uri | undefined }] : [];
  const picked = await vscode.window.showQuickPick(
    [...again, { label: NEW, description: 'Start from the fields of the first line', uri: undefined as vscode.Uri | undefined }, ...existing],
    { title: 'Smart: prompt template', placeHolder: 'Text with {{field}} placeholders filled from each JSON line' },
  );
  if (!picked) return undefined;
  if (picked.uri) return picked.uri;

  const target = vscode.Uri.file(path.join(path.dirname(input.fsPath), 'prompt.txt'));
  if (existsSync(target.fsPath)) {
    void vscode.window.showInformationMessage(`Smart: ${vscode.workspace.asRelativePath(target)} exists already: it opens as it is, nothing was overwritten.`);
  } else {
    // Streamed: only the file's start is read, however large it is.
    const body = draftTemplate((await readFirstRecord(shardsOf(input.fsPath)[0]))?.value);
    await vscode.workspace.fs.writeFile(target, Buffer.from(body));
  }
  // The task's placeholder selected, if the draft still has it: the one thing to write. The focus stays on
  // the question that follows, so that an Enter meant for it cannot replace the placeholder with a blank line.
  const document = await vscode.workspace.openTextDocument(target);
  const at = document.getText().indexOf(TASK_PLACEHOLDER);
  const selection = at < 0 ? undefined : new vscode.Range(document.positionAt(at), document.positionAt(at + TASK_PLACEHOLDER.length));
  await vscode.window.showTextDocument(document, { preserveFocus: true, ...(selection ? { selection } : {}) });
  return (await confirmTemplate(target)) ? target : undefined;
}
