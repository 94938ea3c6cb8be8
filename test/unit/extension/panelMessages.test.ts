import * as assert from 'node:assert/strict';
import { parsePanelMessage } from '../../../src/extension/panelMessages';

describe('messages from the cost panel', () => {
  it("passes the protocol's messages as they are", () => {
    for (const message of [
      { type: 'ready' },
      { type: 'openOutput' },
      { type: 'openReport' },
      { type: 'cancel' },
      { type: 'profile' },
      { type: 'auditLabel', key: 'gpt-4o-mini#12', label: 'disagree' },
    ]) {
      assert.deepEqual(parsePanelMessage(message), message);
    }
  });

  it('says what is wrong with anything else, for the host to log and ignore (issue 19, item 2)', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ type: 'auditLabel', key: 'k', label: 'maybe' }, /^label: /],
      [{ type: 'auditLabel', label: 'agree' }, /^key: /],
      [{ type: 'deleteEverything' }, /^type: /],
      [{ type: 'cancel', now: true }, /now/],
      ['cancel', /expected object/],
      [null, /expected object/],
    ];
    for (const [message, expected] of cases) {
      const parsed = parsePanelMessage(message);
      assert.ok('problem' in parsed, JSON.stringify(message));
      assert.match(parsed.problem, expected, JSON.stringify(message));
    }
  });
});
