import * as assert from 'node:assert/strict';
import type { ProgressEvent } from '../../../src/core/report';
import { PROGRESS_INTERVAL_MS, ProgressDisplay } from '../../../src/extension/progressDisplay';
import { usd } from '../../../src/text/money';
import { progressLine } from '../../../src/text/progress';
import { PROFILING } from '../../support/runFixtures';

/** A run of 300 items, one event a millisecond: profiling the first 100, then applying the plan. */
function events(): ProgressEvent[] {
  return Array.from({ length: 300 }, (_, i) => ({
    ...PROFILING,
    phase: i < 100 ? 'profiling' : 'applying',
    itemsDone: i + 1,
    itemsTotal: 300,
    profiledItems: Math.min(i + 1, 100),
    costSoFar: 0.0001 * (i + 1) + 0.00001234 * i,
    projectedTotalCost: 0.03 + 0.00001 * i,
    projectedSavings: 1.03 - 0.0001 * i,
  }));
}

describe("the editor's progress views (issue 11, item 9)", () => {
  it('updates the notification, the status bar and the panel together, from the same event, with the same numbers', () => {
    const notifications: Array<{ message: string; increment: number }> = [];
    const statusBars: Array<{ text: string; tooltip: string }> = [];
    const panels: ProgressEvent[] = [];
    let now = 0;
    const display = new ProgressDisplay(
      {
        notification: (message, increment) => notifications.push({ message, increment }),
        statusBar: (text, tooltip) => statusBars.push({ text, tooltip }),
        panel: (event) => panels.push(event),
      },
      () => now,
    );
    const all = events();
    for (const event of all) {
      display.show(event);
      now += 1;
    }

    // A few updates, not one per event, and every view got each of them.
    assert.ok(panels.length >= 3 && panels.length <= Math.ceil(all.length / PROGRESS_INTERVAL_MS) + 3, `${panels.length} updates`);
    assert.equal(notifications.length, panels.length, 'the notification was updated apart from the panel');
    assert.equal(statusBars.length, panels.length, 'the status bar was updated apart from the panel');
    panels.forEach((event, i) => {
      const cost = usd(event.costSoFar);
      assert.equal(notifications[i].message, progressLine(event));
      assert.equal(statusBars[i].tooltip, notifications[i].message);
      assert.ok(notifications[i].message.includes(`cost ${cost} `), `${notifications[i].message} shows ${cost}`);
      assert.ok(statusBars[i].text.includes(`${cost} so far`), `${statusBars[i].text} shows ${cost}`);
      // The phase the notification names is the panel's.
      assert.ok(notifications[i].message.startsWith(event.phase === 'profiling' ? 'profiling:' : 'applying the plan:'), notifications[i].message);
    });
    // The change of phase and the last event always reach the views.
    assert.ok(panels.includes(all[100]), 'the first event of the new phase was throttled away');
    assert.equal(panels.at(-1), all.at(-1));
    assert.ok(Math.abs(notifications.reduce((sum, n) => sum + n.increment, 0) - 100) < 1e-9, "the notification's bar ends full");
  });

  it('shows, when the run ends, the latest event the interval held back: a cancelled run keeps the figures it stopped at (issue 16, item 12)', () => {
    const panels: ProgressEvent[] = [];
    let now = 0;
    const display = new ProgressDisplay({ notification: () => undefined, statusBar: () => undefined, panel: (event) => panels.push(event) }, () => now);
    const [first, second, third] = events().slice(100, 103);
    display.show(first);
    now += 1;
    display.show(second);
    now += 1;
    display.show(third);
    assert.deepEqual(panels, [first], 'the interval holds the next ones back');
    display.flush();
    assert.deepEqual(panels, [first, third]);
    display.flush();
    assert.deepEqual(panels, [first, third], 'nothing held back, nothing shown again');
  });
});
