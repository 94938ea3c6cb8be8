import * as assert from 'node:assert/strict';
import { finishedCounts, phaseWord, progressBrief, progressCounts, progressLine } from '../../../src/text/progress';
import { PROFILING as PROGRESS } from '../../support/runFixtures';

describe('progress words', () => {
  it('names each phase', () => {
    assert.deepEqual((['profiling', 'applying', 'done'] as const).map(phaseWord), ['profiling', 'applying the plan', 'finishing']);
  });

  it('counts items done, of how many, and profiled', () => {
    assert.equal(progressCounts(PROGRESS), '132 of 2,400 items (6%), 132 profiled');
    assert.equal(progressCounts({ itemsDone: 0, itemsTotal: 0, profiledItems: 0 }), '0 of 0 items, 0 profiled');
    assert.equal(progressCounts({ itemsDone: 1, itemsTotal: 1, profiledItems: 1 }), '1 of 1 item (100%), 1 profiled');
    assert.equal(finishedCounts(2400, 390), '2,400 items, 390 profiled');
  });

  it('gives the cost so far and the projection, briefly or in full', () => {
    assert.equal(progressBrief(PROGRESS), '$0.03433 so far, projected 7.81x cheaper');
    assert.equal(
      progressLine(PROGRESS),
      'profiling: 132 of 2,400 items (6%), 132 profiled; cost $0.03433 (reference alone $0.02772); projected $0.06454, 7.81x cheaper',
    );
    assert.match(progressLine({ ...PROGRESS, phase: 'applying', projectedSavings: 0.8 }), /^applying the plan: .*, 1\.25x more expensive$/);
  });
});
