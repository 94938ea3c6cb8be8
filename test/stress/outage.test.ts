import { longRun } from './longRun';

describe('a long run through a 30-second outage (issue 11, item 18)', function () {
  this.timeout(900_000);

  it('100,000 calls finish when every request fails for 30 s in the middle, with 20% failing before and after', async () => {
    await longRun('20% faults + 30 s outage', { latencyMs: 2, faultRate: 0.2, seed: 2, outage: { fromCall: 60_000, durationMs: 30_000 } });
  });
});
