import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { EXTENSION_ID, SETTINGS_QUERY } from '../../../src/extension/extensionId';

interface Step {
  id: string;
  description: string;
  completionEvents: string[];
}

const MANIFEST = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as {
  name: string;
  publisher: string;
  contributes: { commands: Array<{ command: string }>; walkthroughs: Array<{ steps: Step[] }> };
};
const STEPS = MANIFEST.contributes.walkthroughs[0].steps;
const COMMANDS = new Set(MANIFEST.contributes.commands.map((c) => c.command));

/** The `command:` links of a step's description: the command and its decoded arguments. */
function links(step: Step): Array<{ command: string; args: unknown }> {
  return [...step.description.matchAll(/\]\(command:([\w.]+)(?:\?([^)]*))?\)/g)].map(([, command, query]) => ({
    command,
    args: query === undefined ? undefined : JSON.parse(decodeURIComponent(query)),
  }));
}

describe("package.json's walkthrough and the extension's id", () => {
  it('name the extension as publisher.name', () => {
    assert.equal(EXTENSION_ID, `${MANIFEST.publisher}.${MANIFEST.name}`);
  });

  it('open Smart\'s own settings, not a search for "smart." that lists other extensions\' first', () => {
    const opens = STEPS.flatMap(links).filter((l) => l.command === 'workbench.action.openSettings');
    assert.ok(opens.length > 0, 'no step opens the settings');
    for (const open of opens) assert.deepEqual(open.args, [SETTINGS_QUERY]);
    assert.equal(SETTINGS_QUERY, `@ext:${EXTENSION_ID}`);
  });

  it("complete each step on a command its own link runs, and link only to Smart's commands that exist", () => {
    for (const step of STEPS) {
      const linked = links(step).map((l) => l.command);
      const events = step.completionEvents.filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length));
      assert.ok(
        events.some((command) => linked.includes(command)),
        `step "${step.id}" completes on ${events.join(', ')}, none of which its links (${linked.join(', ')}) run`,
      );
      for (const command of [...linked, ...events].filter((c) => c.startsWith('smart.')))
        assert.ok(COMMANDS.has(command), `${command} is not a contributed command`);
    }
  });

  it('run the example with a command of its own, on which its step completes (not Copy with an argument)', () => {
    const run = STEPS.find((s) => s.id === 'run')!;
    assert.deepEqual(
      links(run).map((l) => [l.command, l.args]),
      [['smart.runExample', undefined]],
    );
  });
});
