import { longRun } from './longRun';

describe('a long run with 20% of requests failing (issue 11, item 18)', function () {
  this.timeout(900_000);

  it('100,000 calls finish while 429s (with Retry-After) and 500s hit 20% of requests', async () => {
    await longRun('20% faults', { latencyMs: 2, faultRate: 0.2, seed: 1 });
  });
});
