import * as assert from 'node:assert/strict';
import { boundClause, boundName, intervalsRole } from '../../../src/text/bounds';

describe('bound names', () => {
  it('names each bound', () => {
    assert.equal(boundName('anytime'), 'anytime-valid bound');
    assert.equal(boundName('clopper-pearson'), 'exact Clopper-Pearson bound');
    assert.equal(boundName('hypergeometric'), 'exact hypergeometric bound');
  });

  it('says why anytime-valid bounds hold however often they were checked', () => {
    assert.equal(boundClause('anytime'), 'anytime-valid bounds, which hold however often they were checked');
    assert.equal(boundClause('clopper-pearson'), 'exact Clopper-Pearson bounds');
  });

  it("says the candidates' intervals are for comparing them where the guarantee rests on other bounds (auto)", () => {
    assert.equal(intervalsRole('hypergeometric'), " over the items profiled, to compare them (the guarantee rests on the certification's own bounds)");
    assert.equal(intervalsRole('anytime'), '');
  });
});
