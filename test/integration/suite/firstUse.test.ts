// What a first real user tripped over (issue 11), in a real VS Code: the
// questions of Profile Dataset answered with Enter alone, saving beside an
// existing config, the walkthrough, keys, actions on a stopped run, the last
// report, the guided settings and the .jsonl context key.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { addEndpointOrModel, type Prompter } from '../../../src/extension/addEndpointOrModel';
import { endpointChoices } from '../../../src/extension/endpointChoices';
import { watchDatasetFiles } from '../../../src/extension/datasetFiles';
import { stopActions } from '../../../src/extension/stopActions';
import { configChoices } from '../../../src/extension/profileDataset';
import { choicesFileFor, recallChoices, rememberChoices } from '../../../src/extension/wizardChoices';
import { pickStrategy, saveChoices } from '../../../src/extension/wizardSteps';
import { InputError } from '../../../src/io/inputError';
import { TASK_PLACEHOLDER } from '../../../src/io/template';
import { FileExistsError } from '../../../src/io/writeFileAtomic';
import { loadConfig } from '../../../src/job/config';
import { jobFiles, runJob, type JobReport } from '../../../src/job/runJob';
import { withOpenAiTestServer } from '../../support/openaiTestServer';
import { dataset, spamOrHam, workspaceRoot } from './fixtures';
import { refCheapConfig } from '../../support/spamJob';

/** A config beside the dataset that points at `baseURL`. */
function configFor(dir: string, baseURL: string, extra: Record<string, unknown> = {}): string {
  writeFileSync(path.join(dir, 'prompt.txt'), 'Spam or ham? {{text}}');
  const file = path.join(dir, 'smart.config.json');
  writeFileSync(file, JSON.stringify(refCheapConfig(baseURL, { strategy: 'modelmix', ...extra })));
  return file;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Presses Enter (accepts whatever question is showing) every so often until `work` settles; resolves with its result. */
async function pressEnterUntil<T>(work: Thenable<T>): Promise<T> {
  let settled = false;
  const done = Promise.resolve(work).finally(() => (settled = true));
  while (!settled) {
    await sleep(300);
    if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return done;
}

/** Polls until `read` gives a value `done` accepts, or the time is up. */
async function poll<T>(read: () => T | Thenable<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await sleep(100);
  }
}

/**
 * Runs Profile Dataset on `input` (no cost question, outputs replaced),
 * pressing Enter on each question until `reached` holds, then Escape on
 * whatever follows until the command settles; resolves with its result.
 */
async function enterUntilThenEscape(input: string, reached: () => boolean): Promise<unknown> {
  let settled = false;
  const run = Promise.resolve(vscode.commands.executeCommand('smart.profileDataset', vscode.Uri.file(input), undefined, { yes: true, force: true })).finally(
    () => (settled = true),
  );
  await poll(
    async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return reached();
    },
    (there) => there,
  );
  await poll(
    async () => {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      return settled;
    },
    (done) => done,
  );
  return run;
}

/** Sets Smart's user settings for the test and puts the old values back after it. */
function withUserSettings(values: Record<string, unknown>): { restore(): Promise<void>; apply(): Promise<void> } {
  const settings = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('smart');
  const before = Object.fromEntries(Object.keys(values).map((key) => [key, settings().inspect(key)?.globalValue]));
  return {
    apply: async () => {
      for (const [key, value] of Object.entries(values)) await settings().update(key, value, vscode.ConfigurationTarget.Global);
    },
    restore: async () => {
      for (const [key, value] of Object.entries(before)) await settings().update(key, value, vscode.ConfigurationTarget.Global);
    },
  };
}

describe('Smart for a first user', function () {
  this.timeout(180_000);

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  describe('Profile Dataset without a config, answered with Enter alone', () => {
    it('runs the strategy of the settings (highlighted first), on prices, with a template drafted from the first line, and saves the choices', async () => {
      await withOpenAiTestServer({ answer: spamOrHam }, async (server) => {
        const settings = withUserSettings({
          endpoints: [{ name: 'loopback', baseURL: server.baseURL }],
          // The cheap model first: the reference step must still highlight the expensive one.
          models: [
            { id: 'cheap', endpoint: 'loopback', inputPer1M: 0.2, outputPer1M: 0.6 },
            { id: 'ref', endpoint: 'loopback', inputPer1M: 10, outputPer1M: 30 },
          ],
          // A target the cheaper model (96.7% agreement) can be shown to meet on 400 items.
          accuracy: 0.9,
          strategy: 'efficient',
        });
        await settings.apply();
        try {
          const { dir, input } = dataset('enter-only', 400);
          const run = vscode.commands.executeCommand<JobReport | undefined>('smart.profileDataset', vscode.Uri.file(input), undefined, {
            yes: true,
            force: true,
          });
          const entered = pressEnterUntil(run);
          // Enter alone stops at the drafted template, the cursor on its task: nothing is sent until the task is written (issue 16, item 6).
          const template = path.join(dir, 'prompt.txt');
          await poll(
            () => existsSync(template),
            (there) => there,
          );
          const drafted = `${TASK_PLACEHOLDER}\n\nid: {{id}}\ntext: {{text}}\n`;
          assert.equal(readFileSync(template, 'utf8'), drafted);
          const shown = (): vscode.TextEditor | undefined => vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === template);
          const editor = await poll(shown, (e) => e !== undefined);
          assert.equal(editor!.document.getText(editor!.selection), TASK_PLACEHOLDER);
          await sleep(2000);
          assert.equal(server.counts().total, 0, 'Enter sent a prompt with no task');
          // The Enters went to the question, not into the template: the placeholder is still there, unedited.
          assert.equal(editor!.document.isDirty, false);
          assert.equal(editor!.document.getText(), drafted);
          writeFileSync(template, drafted.replace(TASK_PLACEHOLDER, 'Is this message spam or ham?'));
          const report = await entered;
          assert.ok(report, 'the run returned no report (see the Smart log)');
          assert.equal(report.strategy, 'efficient');
          assert.equal(report.reference, 'ref');
          assert.ok((server.counts().paidPerModel.ref ?? 0) < 400, 'the reference answered every item');
          const saved = JSON.parse(readFileSync(path.join(dir, 'smart.config.json'), 'utf8')) as Record<string, unknown>;
          assert.equal(saved.strategy, 'efficient');
          assert.equal(saved.reference, 'ref');
          assert.equal(saved.template, 'prompt.txt');
          // The task names its labels: the comparison step suggested them, and Enter took them.
          assert.deepEqual(saved.labels, ['spam', 'ham']);
          assert.equal(report.config, path.join(dir, 'smart.config.json'));
          // The answers are kept for the next "Choose settings…" on this file (issue 16, item 7).
          assert.deepEqual(recallChoices(input), {
            template,
            reference: 'ref',
            candidates: ['cheap'],
            accuracy: 0.9,
            confidence: 0.95,
            answer: { kind: 'label', labels: ['spam', 'ham'] },
            strategy: 'efficient',
          });
        } finally {
          await settings.restore();
        }
      });
    });

    it('starts from the choices last made on the file, saved or not: Enter alone repeats them (issue 16, item 7)', async () => {
      await withOpenAiTestServer({ answer: spamOrHam }, async (server) => {
        const settings = withUserSettings({
          endpoints: [{ name: 'loopback', baseURL: server.baseURL }],
          models: [
            { id: 'cheap', endpoint: 'loopback', inputPer1M: 0.2, outputPer1M: 0.6 },
            { id: 'mid', endpoint: 'loopback', inputPer1M: 1, outputPer1M: 3 },
            { id: 'ref', endpoint: 'loopback', inputPer1M: 10, outputPer1M: 30 },
          ],
          accuracy: 0.95,
          strategy: 'auto',
        });
        await settings.apply();
        try {
          const { dir, input } = dataset('prefilled', 3);
          const template = path.join(dir, 'task.txt');
          writeFileSync(template, 'Is this message spam or ham? {{text}}');
          // Every answer differs from what the settings and the template would suggest.
          const last = {
            template,
            reference: 'mid',
            candidates: ['cheap'],
            accuracy: 0.8,
            confidence: 0.9,
            answer: { kind: 'normalized' as const },
            strategy: 'modelmix' as const,
          };
          await rememberChoices(input, last);
          // Enter through every question until the choices are saved; then the run goes on, on three items.
          const configFile = path.join(dir, 'smart.config.json');
          await enterUntilThenEscape(input, () => existsSync(configFile));
          const saved = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
          assert.deepEqual(
            {
              template: saved.template,
              reference: saved.reference,
              candidates: saved.candidates,
              accuracy: saved.accuracy,
              confidence: saved.confidence,
              answer: saved.answer,
              labels: saved.labels,
              strategy: saved.strategy,
            },
            {
              template: 'task.txt',
              reference: 'mid',
              candidates: ['cheap'],
              accuracy: 0.8,
              confidence: 0.9,
              answer: { kind: 'normalized' },
              labels: undefined,
              strategy: 'modelmix',
            },
          );
          assert.deepEqual(recallChoices(input), last);
          // Choices that cannot be read are passed over: the questions start from the settings again.
          writeFileSync(choicesFileFor(input), '{"template": ');
          assert.equal(recallChoices(input), undefined);
        } finally {
          await settings.restore();
        }
      });
    });

    it('offers the default strategy first, with what each does', async () => {
      for (const preferred of ['auto', 'modelmix'] as const) {
        assert.equal(await pressEnterUntil(pickStrategy(preferred)), preferred);
      }
    });

    it('drafts the template from the first line of a file far larger than memory, reading only its start', async () => {
      await withOpenAiTestServer({ answer: spamOrHam }, async (server) => {
        const settings = withUserSettings({
          endpoints: [{ name: 'loopback', baseURL: server.baseURL }],
          models: [
            { id: 'ref', endpoint: 'loopback', inputPer1M: 10, outputPer1M: 30 },
            { id: 'cheap', endpoint: 'loopback', inputPer1M: 0.2, outputPer1M: 0.6 },
          ],
        });
        await settings.apply();
        try {
          const { dir, input } = dataset('huge', 0);
          writeFileSync(input, '{"ticket":"first","priority":2}\n');
          // 3 GB, sparse (no disk used): reading it whole would fail.
          truncateSync(input, 3 * 1024 ** 3);
          // Enter on "New template…", then back out (Escape on whatever question follows) once the template is there.
          const template = path.join(dir, 'prompt.txt');
          assert.equal(await enterUntilThenEscape(input, () => existsSync(template)), undefined);
          assert.equal(readFileSync(template, 'utf8'), `${TASK_PLACEHOLDER}\n\nticket: {{ticket}}\npriority: {{priority}}\n`);
        } finally {
          await settings.restore();
          rmSync(path.join(workspaceRoot(), 'huge'), { recursive: true, force: true });
        }
      });
    });
  });

  describe('Profile Dataset with no models configured', () => {
    it('offers the offline example first, where it cannot be missed: Enter alone ends at a run of it that pays nothing (issue 16, item 5)', async () => {
      const settings = withUserSettings({ endpoints: [], models: [] });
      await settings.apply();
      try {
        const { input } = dataset('nothing-configured', 5);
        const exampleReport = path.join(workspaceRoot(), 'smart-example', 'items.smart-report.json');
        rmSync(exampleReport, { force: true });
        await pressEnterUntil(vscode.commands.executeCommand('smart.profileDataset', vscode.Uri.file(input)));
        assert.ok(existsSync(exampleReport), 'Enter did not run the example');
        const report = JSON.parse(readFileSync(exampleReport, 'utf8')) as JobReport;
        assert.ok(report.guarantee.met);
        assert.equal(report.strategy, 'auto');
        assert.ok(!existsSync(jobFiles(input).output), 'the dataset itself was run with no models');
      } finally {
        await settings.restore();
      }
    });
  });

  describe('saving the choices', () => {
    it('offers every saved config, told apart by what it sets, the one the last run on the file used first (issue 16, item 7)', () => {
      const { dir, input } = dataset('saved-configs', 3);
      const first = configFor(dir, 'http://127.0.0.1:9/v1');
      const second = path.join(dir, 'smart.config.2.json');
      writeFileSync(second, JSON.stringify(refCheapConfig('http://127.0.0.1:9/v1', { accuracy: 0.8, strategy: 'auto', labels: ['spam', 'ham'] })));
      const broken = path.join(dir, 'smart.config.3.json');
      writeFileSync(broken, '{"models": ');
      const before = configChoices(input, undefined);
      assert.deepEqual(
        before.map((c) => c.file),
        [first, second, broken, undefined],
      );
      assert.match(before[0].detail!, /≥ 90% of items.*modelmix, labels spam, ham$/);
      assert.match(before[1].detail!, /≥ 80% of items.*auto, labels spam, ham$/);
      assert.match(before[2].detail!, /^Cannot be read: /);
      assert.equal(before[3].label, 'Choose settings…');
      // The file's last run used smart.config.2.json: it comes first, and says so.
      writeFileSync(jobFiles(input).report, JSON.stringify({ config: second }));
      const after = configChoices(input, undefined);
      assert.deepEqual(
        after.map((c) => c.file),
        [second, first, broken, undefined],
      );
      assert.equal(after[0].description, 'used by the last run on this file');
      rmSync(jobFiles(input).report);
    });

    it('never replaces an existing smart.config.json unasked: Enter saves beside it', async () => {
      const { dir } = dataset('save-beside', 1);
      const existing = configFor(dir, 'http://127.0.0.1:9/v1');
      const before = readFileSync(existing, 'utf8');
      const saved = await pressEnterUntil(saveChoices(dir, { reference: 'new' }));
      assert.equal(saved, path.join(dir, 'smart.config.2.json'));
      assert.equal(readFileSync(existing, 'utf8'), before, 'smart.config.json was changed');
      assert.deepEqual(JSON.parse(readFileSync(saved, 'utf8')), { reference: 'new' });
      // The next free number, then.
      assert.equal(await pressEnterUntil(saveChoices(dir, { reference: 'newer' })), path.join(dir, 'smart.config.3.json'));
    });

    it('saves as smart.config.json where there is none, and writes nothing when dismissed', async () => {
      const { dir } = dataset('save-new', 1);
      const dismissed = saveChoices(dir, { reference: 'x' });
      await sleep(500);
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      assert.equal(await dismissed, undefined);
      assert.ok(!existsSync(path.join(dir, 'smart.config.json')));
      assert.equal(await pressEnterUntil(saveChoices(dir, { reference: 'x' })), path.join(dir, 'smart.config.json'));
    });
  });

  describe('the walkthrough', () => {
    it('runs the example without replacing the walkthrough in its editor group', async () => {
      await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'smart-llm.smart-llm#smart.gettingStarted', false);
      const walkthroughTab = (): vscode.Tab | undefined =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .find((t) => !(t.input instanceof vscode.TabInputText) && !(t.input instanceof vscode.TabInputWebview));
      const tab = await poll(walkthroughTab, (t) => t !== undefined);
      assert.ok(tab, `no walkthrough tab among ${vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label)).join(', ')}`);
      const report = await vscode.commands.executeCommand<JobReport | undefined>('smart.runExample');
      assert.ok(report?.guarantee.met, 'the example run did not meet its guarantee');
      const after = walkthroughTab();
      assert.ok(after, 'the walkthrough was closed');
      assert.ok(after.group.activeTab === after, `the walkthrough was covered by ${after.group.activeTab?.label}`);
    });
  });

  describe('keys', () => {
    it('Set API Key offers the endpoints of the settings and of every config in the workspace, sub-folders too', async () => {
      const settings = withUserSettings({ endpoints: [{ name: 'from-settings', baseURL: 'http://127.0.0.1:9/v1' }] });
      await settings.apply();
      try {
        const { dir } = dataset('keys/deep/er', 1);
        configFor(dir, 'http://127.0.0.1:9/v1');
        const config = JSON.parse(readFileSync(path.join(dir, 'smart.config.json'), 'utf8')) as { endpoints: Record<string, unknown> };
        config.endpoints = { 'deep-endpoint': { baseURL: 'http://127.0.0.1:9/v1' } };
        writeFileSync(path.join(dir, 'smart.config.json'), JSON.stringify(config));
        const choices = await endpointChoices();
        assert.deepEqual(choices.find((c) => c.name === 'from-settings')?.definedIn, ['settings']);
        assert.deepEqual(choices.find((c) => c.name === 'deep-endpoint')?.definedIn, ['keys/deep/er/smart.config.json']);
      } finally {
        await settings.restore();
        rmSync(path.join(workspaceRoot(), 'keys'), { recursive: true, force: true });
      }
    });
  });

  describe('a run that stopped', () => {
    it('offers Set API Key when the endpoint refused the key, without a doubled period in the message', async () => {
      await withOpenAiTestServer(
        {
          answer: spamOrHam,
          fault: () => ({ kind: 'status', status: 401, message: 'Incorrect API key provided. You can find your API keys in your account.' }),
        },
        async (server) => {
          const { dir, input } = dataset('refused', 20);
          const config = configFor(dir, server.baseURL);
          const error = await runJob({ input, config: loadConfig(config) }).then(
            () => assert.fail('the run succeeded'),
            (e: unknown) => e,
          );
          assert.doesNotMatch(String(error), /\.\./);
          assert.deepEqual(
            stopActions(error, vscode.Uri.file(input), () => Promise.resolve()).map((a) => a.title),
            ['Set API Key'],
          );
        },
      );
    });

    it('offers Replace for outputs in the way, and Go to Line and Skip invalid lines for a bad line of the input', async () => {
      const { input } = dataset('bad-line', 3);
      const restarts: unknown[] = [];
      const restart = (changes: unknown): Promise<void> => {
        restarts.push(changes);
        return Promise.resolve();
      };
      const replace = stopActions(new FileExistsError(jobFiles(input).output), vscode.Uri.file(input), restart);
      assert.deepEqual(
        replace.map((a) => a.title),
        ['Replace'],
      );
      await replace[0].run();
      const bad = stopActions(new InputError({ file: input, line: 2 }, 'not valid JSON'), vscode.Uri.file(input), restart);
      assert.deepEqual(
        bad.map((a) => a.title),
        ['Go to Line', 'Skip invalid lines'],
      );
      await bad[1].run();
      assert.deepEqual(restarts, [{ force: true }, { skipInvalid: true }]);
      // A bad line of another file (a recording the run replays) cannot be skipped.
      const other = stopActions(
        new InputError({ file: path.join(path.dirname(input), 'recorded.jsonl'), line: 4 }, 'no item'),
        vscode.Uri.file(input),
        restart,
      );
      assert.deepEqual(
        other.map((a) => a.title),
        ['Go to Line'],
      );
    });

    it("takes the notification's first button, Go to Line, to the bad line", async () => {
      await withOpenAiTestServer({ answer: spamOrHam }, async (server) => {
        const { dir, input } = dataset('go-to-line', 10);
        const config = configFor(dir, server.baseURL);
        const lines = readFileSync(input, 'utf8').split('\n');
        lines[6] = '{"id": 6, "text": ';
        writeFileSync(input, lines.join('\n'));
        const report = await vscode.commands.executeCommand('smart.profileDataset', vscode.Uri.file(input), undefined, { config, yes: true, force: true });
        assert.equal(report, undefined);
        const editor = await poll(
          async () => {
            await vscode.commands.executeCommand('notification.acceptPrimaryAction');
            return vscode.window.activeTextEditor;
          },
          (e) => e?.document.uri.fsPath === input,
        );
        assert.equal(editor?.document.uri.fsPath, input, 'Go to Line did not open the input');
        assert.equal(editor.selection.active.line, 6);
        assert.equal(server.counts().total, 0);
      });
    });
  });

  describe('Open Last Report', () => {
    it('shows the report in the panel, not its JSON in front of it', async () => {
      await withOpenAiTestServer({ answer: spamOrHam }, async (server) => {
        const { dir, input } = dataset('last-report', 120);
        const config = configFor(dir, server.baseURL);
        const report = await vscode.commands.executeCommand<JobReport | undefined>('smart.profileDataset', vscode.Uri.file(input), undefined, {
          config,
          yes: true,
          force: true,
        });
        assert.ok(report);
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('smart.openLastReport');
        const panel = await poll(
          () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Smart: Cost'),
          (t) => t !== undefined,
        );
        assert.ok(panel?.isActive, 'the panel is not shown');
        const reportFile = jobFiles(input).report;
        assert.ok(!vscode.window.visibleTextEditors.some((e) => e.document.uri.fsPath === reportFile), 'the report JSON was opened');
      });
    });
  });

  describe('Add Endpoint or Model', () => {
    /** Answers each question by its title, checking that what the person would type first is refused where it should be. */
    function scripted(
      answers: Record<string, { refuse?: string[]; give: string }>,
      picks: Record<string, string>,
    ): Prompter & { asked: string[]; told: string[]; firsts: Record<string, string> } {
      const asked: string[] = [];
      const told: string[] = [];
      const firsts: Record<string, string> = {};
      return {
        asked,
        told,
        firsts,
        tell: (message) => told.push(message),
        pick: (items, options) => {
          asked.push(options.title!);
          firsts[options.title!] = items[0].label;
          const label = picks[options.title!];
          assert.ok(label !== undefined, `unexpected question "${options.title}"`);
          const item = items.find((i) => i.label === label);
          assert.ok(item, `"${label}" is not offered for "${options.title}": ${items.map((i) => i.label).join(', ')}`);
          return Promise.resolve(item);
        },
        input: async (options) => {
          asked.push(options.title!);
          const script = answers[options.title!];
          assert.ok(script, `unexpected question "${options.title}"`);
          for (const wrong of script.refuse ?? []) assert.ok(await options.validateInput?.(wrong), `"${wrong}" was accepted for "${options.title}"`);
          assert.equal(await options.validateInput?.(script.give), undefined, `"${script.give}" was refused for "${options.title}"`);
          return script.give;
        },
      };
    }

    it('adds an endpoint, then a model on it priced from the built-in table, to the workspace settings', async () => {
      const settings = vscode.workspace.getConfiguration('smart');
      try {
        const endpoint = scripted(
          {
            'Smart: endpoint name': { give: 'my-openai' },
            'Smart: base URL': { refuse: ['api.openai.com/v1', 'ftp://x', 'http://'], give: 'https://api.openai.com/v1' },
            'Smart: API key variable': { refuse: ['sk-123-abc', '1ABC'], give: 'OPENAI_API_KEY' },
          },
          {
            'Smart: add to your settings': 'Endpoint',
            'Smart: new endpoint': 'OpenAI',
            'Smart: save "my-openai" in': 'Workspace settings',
            'Smart: the key of "my-openai"': 'Not now',
          },
        );
        assert.deepEqual(await addEndpointOrModel(endpoint), {
          endpoint: { name: 'my-openai', baseURL: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY' },
        });
        assert.deepEqual(settings.inspect('endpoints')?.workspaceValue, [
          { name: 'my-openai', baseURL: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY' },
        ]);
        // Said, and with a key variable, Set API Key is what Enter takes (issue 16, item 12).
        assert.deepEqual(endpoint.told, ['Smart: endpoint "my-openai" added to the workspace settings.']);
        assert.equal(endpoint.firsts['Smart: the key of "my-openai"'], 'Set API Key');

        const model = scripted(
          {
            'Smart: model name': { refuse: [' '], give: 'gpt-4o-mini' },
            'Smart: model id': { give: 'mini' },
            // Pre-filled from the price table; the person keeps them.
            'Smart: input price': { refuse: ['-1', 'cheap', ''], give: '0.15' },
            'Smart: output price': { give: '0.6' },
          },
          { 'Smart: add to your settings': 'Model', 'Smart: new model': 'my-openai', 'Smart: save "mini" in': 'Workspace settings' },
        );
        assert.deepEqual(await addEndpointOrModel(model), {
          model: { id: 'mini', endpoint: 'my-openai', model: 'gpt-4o-mini', inputPer1M: 0.15, outputPer1M: 0.6 },
        });
        assert.deepEqual(vscode.workspace.getConfiguration('smart').inspect('models')?.workspaceValue, [
          { id: 'mini', endpoint: 'my-openai', model: 'gpt-4o-mini', inputPer1M: 0.15, outputPer1M: 0.6 },
        ]);
        assert.deepEqual(model.told, ['Smart: model "mini" added to the workspace settings.']);
        // A trusted workspace is not told its settings are ignored until it is trusted.
        assert.equal(vscode.workspace.isTrusted, true);

        const local = scripted(
          { 'Smart: endpoint name': { give: 'my-ollama' }, 'Smart: base URL': { give: 'http://127.0.0.1:11434/v1' }, 'Smart: API key variable': { give: '' } },
          {
            'Smart: add to your settings': 'Endpoint',
            'Smart: new endpoint': 'Ollama on this machine (no key)',
            'Smart: save "my-ollama" in': 'User settings',
            'Smart: the key of "my-ollama"': 'Not now',
          },
        );
        await addEndpointOrModel(local);
        assert.equal(local.firsts['Smart: the key of "my-ollama"'], 'Not now', 'Enter asks for a key a server with no key variable most likely does not need');

        // Anthropic: its preset gives the endpoint its kind and an origin for base URL (issue 17).
        const anthropic = scripted(
          {
            'Smart: endpoint name': { give: 'claude' },
            'Smart: base URL': { give: 'https://api.anthropic.com' },
            'Smart: API key variable': { give: 'ANTHROPIC_API_KEY' },
          },
          {
            'Smart: add to your settings': 'Endpoint',
            'Smart: new endpoint': 'Anthropic (Messages API)',
            'Smart: save "claude" in': 'Workspace settings',
            'Smart: the key of "claude"': 'Not now',
          },
        );
        assert.deepEqual(await addEndpointOrModel(anthropic), {
          endpoint: { name: 'claude', kind: 'anthropic', baseURL: 'https://api.anthropic.com', apiKeyEnv: 'ANTHROPIC_API_KEY' },
        });
        assert.deepEqual(
          settings.inspect<Array<{ name: string }>>('endpoints')?.workspaceValue?.find((e) => e.name === 'claude'),
          { name: 'claude', kind: 'anthropic', baseURL: 'https://api.anthropic.com', apiKeyEnv: 'ANTHROPIC_API_KEY' },
        );
      } finally {
        const user = settings.inspect<Array<{ name: string }>>('endpoints')?.globalValue;
        await settings.update(
          'endpoints',
          user?.filter((e) => e.name !== 'my-ollama'),
          vscode.ConfigurationTarget.Global,
        );
        await settings.update('endpoints', undefined, vscode.ConfigurationTarget.Workspace);
        await settings.update('models', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });
  });

  describe('the .jsonl context key', () => {
    it("hears of .jsonl files written by any program, and does not count Smart's own outputs", async () => {
      const dir = path.join(workspaceRoot(), 'context-key');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(path.join(dir, '.smart'), { recursive: true });
      const seen: boolean[] = [];
      const watch = watchDatasetFiles((present) => seen.push(present), vscode.Uri.file(dir));
      try {
        await poll(
          () => seen.length,
          (n) => n > 0,
        );
        assert.deepEqual(seen, [false]);
        writeFileSync(path.join(dir, 'items.smart.jsonl'), '{}\n');
        writeFileSync(path.join(dir, '.smart', 'items.jsonl.cache.jsonl'), '{}\n');
        await sleep(1500);
        assert.deepEqual(seen, [false], "Smart's own files counted");
        const data = path.join(dir, 'data.jsonl');
        writeFileSync(data, '{}\n');
        assert.deepEqual(
          await poll(
            () => [...seen],
            (s) => s.length === 2,
          ),
          [false, true],
        );
        unlinkSync(data);
        assert.deepEqual(
          await poll(
            () => [...seen],
            (s) => s.length === 3,
          ),
          [false, true, false],
        );
      } finally {
        watch.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
