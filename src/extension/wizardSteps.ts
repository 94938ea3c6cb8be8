/**
 * Steps of Profile Dataset's questions (src/extension/profileDataset.ts) when
 * no smart.config.json is used. Each step highlights its default, so that a
 * person who presses Enter throughout gets a sensible run (never the
 * reference on every item), and says in a line what each choice does.
 * Dismissing a step (Escape) backs out of the whole flow.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULTS } from '../core/defaults';
import { STRATEGIES, type Strategy } from '../core/types';
import { answerRuleSchema, labelsSchema, type AnswerRule } from '../io/answerExtraction';
import { labelsNamedIn, taskMissing } from '../io/template';
import { STRATEGY_DESCRIPTIONS } from '../job/configSchema';
import { CONFIG_NAME } from '../job/findConfig';
import { knownPrice } from '../job/priceTable';
import { usd } from '../text/money';
import { answerRuleWords } from './answerRuleWords';
import { SETTINGS_QUERY } from './extensionId';
import type { ModelSetting } from './settings';
import { answerRuleOf, type AnswerFields } from './wizardChoices';

/** Opens the Settings editor on Smart's own settings. */
export function openSmartSettings(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', SETTINGS_QUERY);
}

/** A model's prices: its own, else the built-in table's. */
function priceOf(m: ModelSetting): { inputPer1M: number; outputPer1M: number } | undefined {
  const listed = knownPrice(m.model ?? m.id);
  const inputPer1M = m.inputPer1M ?? listed?.inputPer1M;
  const outputPer1M = m.outputPer1M ?? listed?.outputPer1M;
  return inputPer1M === undefined || outputPer1M === undefined ? undefined : { inputPer1M, outputPer1M };
}

/** A model's provider name (when it differs from the id) and prices, for a quick pick's description. */
function pricesOf(m: ModelSetting): string {
  const price = priceOf(m);
  const prices = price ? `${usd(price.inputPer1M)} in, ${usd(price.outputPer1M)} out per 1M tokens` : 'no price known';
  return m.model && m.model !== m.id ? `${m.model}, ${prices}` : prices;
}

/** What a quick pick says of the choice the last run on the file made. */
export const LAST_RUN = 'the last run on this file';

/**
 * The reference model: the last run's on this file first, else the most
 * expensive (the one whose answers are trusted is usually the priciest), each
 * with its prices.
 */
export async function pickReference(models: readonly ModelSetting[], last?: string): Promise<ModelSetting | undefined> {
  const cost = (m: ModelSetting): number => {
    const price = priceOf(m);
    return price === undefined ? -1 : price.inputPer1M + price.outputPer1M;
  };
  const items = [...models]
    .sort((a, b) => Number(b.id === last) - Number(a.id === last) || cost(b) - cost(a))
    .map((m) => ({ label: m.id, description: m.id === last ? `${pricesOf(m)}; ${LAST_RUN}` : pricesOf(m), model: m }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Smart: reference model',
    placeHolder: 'The model whose outputs you would use on every item (the most expensive is first)',
  });
  return picked?.model;
}

/** The strategy: the preferred one (the last run's on the file, else the setting: `why` says which) first, so Enter takes it; each with what it does. */
export async function pickStrategy(preferred: Strategy, why = 'default'): Promise<Strategy | undefined> {
  const ordered = [preferred, ...STRATEGIES.filter((s) => s !== preferred)];
  const picked = await vscode.window.showQuickPick(
    ordered.map((s) => ({ label: s, description: s === preferred ? why : '', detail: STRATEGY_DESCRIPTIONS[s].replace(/`/g, ''), strategy: s })),
    { title: 'Smart: strategy', placeHolder: 'How Smart decides which models answer which items', matchOnDetail: true },
  );
  return picked?.strategy;
}

interface AnswerChoice extends vscode.QuickPickItem {
  /** Asks what the kind needs (the labels, the field, the pattern); undefined when the person backed out. */
  readonly ask: () => Promise<AnswerFields | undefined>;
}

const ANSWER_CHOICES: readonly AnswerChoice[] = [
  {
    label: 'Whole answer',
    description: 'default',
    detail: 'Outputs agree when they are the same text, trimmed: for prompts that ask for one word or a fixed form.',
    ask: () => Promise.resolve({}),
  },
  {
    label: 'Same words',
    detail: 'Outputs agree when they are the same text ignoring case, punctuation and spacing: for short free answers.',
    ask: () => Promise.resolve({ answer: { kind: 'normalized' } }),
  },
  {
    label: 'Labels',
    detail: 'Outputs agree when they name the same label of a list you give, such as spam, ham (case-insensitive, whole words).',
    ask: () => askLabels(),
  },
  {
    label: 'Number',
    detail: 'Outputs agree when their last number is the same (1,234.50 and 1234.5 agree).',
    ask: () => Promise.resolve({ answer: { kind: 'lastNumber' } }),
  },
  {
    label: 'JSON',
    detail: 'Outputs agree when the JSON they hold is the same data (key order, number spelling and spaces ignored): for extraction.',
    ask: () => Promise.resolve({ answer: { kind: 'json' } }),
  },
  {
    label: 'JSON field',
    detail: 'Outputs agree when a field of the JSON object they hold is the same, such as "answer" or "result.label".',
    ask: () =>
      askRule('Smart: JSON field', 'The field that holds the answer, such as answer or result.label', 'answer', (field) => ({ kind: 'jsonField', field })),
  },
  {
    label: 'Regular expression',
    detail: 'Outputs agree when a group of the first match of a regular expression is the same, such as Answer: (\\w+).',
    ask: () =>
      askRule(
        'Smart: regular expression',
        'A JavaScript regular expression; its first group (or the whole match) is the answer',
        'Answer: (\\w+)',
        (pattern) => ({ kind: 'regex', pattern }),
      ),
  },
];

/**
 * How answers are compared, which the guarantee is about: the last run's
 * rule on the file first when there was one, else the labels the template
 * names, suggested, else the whole text, trimmed. A judge is offered among
 * the configured models.
 */
export async function pickAnswerRule(models: readonly ModelSetting[], template: string, last?: AnswerFields): Promise<AnswerFields | undefined> {
  const judge: AnswerChoice = {
    label: 'A judge model',
    detail:
      'A model you choose judges whether outputs say the same (or one is as good as the other), where they differ in wording: for summaries, rewrites, answers in sentences.',
    ask: () => askJudge(models),
  };
  const named = labelsNamedIn(template);
  const suggested: AnswerChoice[] = named
    ? [
        {
          label: 'Labels',
          description: `suggested: the template names ${named.join(', ')}`,
          detail: 'Outputs agree when they name the same label (case-insensitive, whole words); you can change the list next.',
          ask: () => askLabels(named),
        },
      ]
    : [];
  const others = ANSWER_CHOICES.filter((c) => !(named && c.label === 'Labels')).map((c) =>
    named && c.description === 'default' ? { ...c, description: '' } : c,
  );
  const again: AnswerChoice[] = last
    ? [{ label: `As last time: ${answerRuleWords(answerRuleOf(last))}`, description: LAST_RUN, ask: () => Promise.resolve(last) }]
    : [];
  const picked = await vscode.window.showQuickPick([...again, ...suggested, ...others, judge], {
    title: 'Smart: how are answers compared?',
    placeHolder: 'The guarantee is about answers that agree in this sense',
  });
  return picked?.ask();
}

/** The judge: a model (cheapest first, with its prices), then the question it is asked. */
async function askJudge(models: readonly ModelSetting[]): Promise<AnswerFields | undefined> {
  const cost = (m: ModelSetting): number => {
    const price = priceOf(m);
    return price === undefined ? Infinity : price.inputPer1M + price.outputPer1M;
  };
  const model = await vscode.window.showQuickPick(
    [...models].sort((a, b) => cost(a) - cost(b)).map((m) => ({ label: m.id, description: pricesOf(m), id: m.id })),
    {
      title: 'Smart: judge model',
      placeHolder: 'The model that judges agreement, asked once per profiled output that differs in wording (the cheapest is first)',
    },
  );
  if (!model) return undefined;
  const question = await vscode.window.showQuickPick(
    [
      {
        label: 'Same meaning',
        description: 'default',
        detail: "The candidate's output says the same as the reference's: the same facts, the same answer.",
        question: 'equivalent' as const,
      },
      { label: 'At least as good', detail: "The candidate's output is an acceptable substitute: at least as good for the task.", question: 'asGood' as const },
    ],
    { title: 'Smart: what does the judge decide?', placeHolder: 'The guarantee is then about agreement as the judge decides' },
  );
  // The audit's size goes in the file, to be seen and set before the first run.
  return question ? { answer: { kind: 'judge', model: model.id, question: question.question, auditItems: DEFAULTS.auditItems } } : undefined;
}

/** The first problem zod finds with a value, as the person should read it. */
function firstProblem(result: { success: boolean; error?: { issues: ReadonlyArray<{ message: string }> } }): string | undefined {
  return result.success ? undefined : (result.error?.issues[0]?.message ?? 'not valid');
}

/** The labels, typed or confirmed (pre-filled with those the template names). */
async function askLabels(named?: readonly string[]): Promise<AnswerFields | undefined> {
  const split = (text: string): string[] => text.split(',').map((label) => label.trim());
  const text = await vscode.window.showInputBox({
    title: 'Smart: labels',
    prompt: 'The labels an answer can be, separated by commas',
    placeHolder: 'spam, ham',
    ...(named ? { value: named.join(', ') } : {}),
    ignoreFocusOut: true,
    validateInput: (value) => firstProblem(labelsSchema.safeParse(split(value))),
  });
  return text === undefined ? undefined : { labels: split(text) };
}

async function askRule(title: string, prompt: string, value: string, rule: (text: string) => AnswerRule): Promise<AnswerFields | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    prompt,
    value,
    ignoreFocusOut: true,
    validateInput: (v) => firstProblem(answerRuleSchema.safeParse(rule(v.trim()))),
  });
  return text === undefined ? undefined : { answer: rule(text.trim()) };
}

/**
 * Once a new template is written and shown: goes on with it as it is then
 * (Enter), saving the person's edits first. The question stays open while
 * they edit it.
 */
export async function confirmTemplate(template: vscode.Uri): Promise<boolean> {
  const name = path.basename(template.fsPath);
  for (let asked = 0; ; asked++) {
    const go = await vscode.window.showQuickPick(
      [
        {
          label: `Continue with ${name}`,
          detail: `Edit ${name} first if you like: its placeholders {{field}} are filled from each line. It is saved when you continue.`,
          go: true,
        },
        { label: 'Cancel', go: false },
      ],
      {
        title: 'Smart: prompt template',
        // Until the drafted task is written, continuing only asks again: a prompt with no task is never sent.
        placeHolder: asked === 0 ? `Edit ${name}, then continue` : `${name} still holds the task's placeholder: write the task in its place, then continue`,
        ignoreFocusOut: true,
      },
    );
    if (!go?.go) return false;
    await vscode.workspace.save(template);
    if (taskMissing(readFileSync(template.fsPath, 'utf8')) === undefined) return true;
  }
}

/**
 * Offers to save the choices as a config beside the input, never over an
 * existing one without asking: saving beside it (as smart.config.2.json) is
 * the default there. Returns the file written, null when not saved, and
 * undefined when the person backed out.
 */
export async function saveChoices(folder: string, raw: object): Promise<string | null | undefined> {
  const existing = path.join(folder, CONFIG_NAME);
  const beside = freeConfigName(folder);
  const save = (file: string) => ({ file });
  const choices = existsSync(existing)
    ? [
        {
          label: `Save beside it as ${path.basename(beside)}`,
          detail: `${CONFIG_NAME} stays as it is; use the new file with "smart profile --config ${path.basename(beside)}"`,
          ...save(beside),
        },
        { label: `Replace ${CONFIG_NAME}`, detail: 'Its settings are lost', ...save(existing) },
        { label: 'Do not save', detail: 'Use these choices for this run only', file: null },
      ]
    : [
        { label: `Save as ${CONFIG_NAME}`, detail: 'To reuse these choices, and run the same job from the command line', ...save(existing) },
        { label: 'Do not save', detail: 'Use these choices for this run only', file: null },
      ];
  const picked = await vscode.window.showQuickPick(choices, {
    title: 'Smart: save these choices?',
    placeHolder: existsSync(existing) ? `${CONFIG_NAME} already exists beside the file` : `In ${path.basename(folder)}/, beside the file`,
  });
  if (!picked) return undefined;
  if (picked.file !== null) await vscode.workspace.fs.writeFile(vscode.Uri.file(picked.file), Buffer.from(JSON.stringify(raw, null, 2) + '\n'));
  return picked.file;
}

/** smart.config.2.json, or the next number not taken. */
function freeConfigName(folder: string): string {
  for (let n = 2; ; n++) {
    const file = path.join(folder, CONFIG_NAME.replace(/\.json$/, `.${n}.json`));
    if (!existsSync(file)) return file;
  }
}
