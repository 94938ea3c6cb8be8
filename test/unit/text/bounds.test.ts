import * as assert from 'node:assert/strict';
import { boundClause, boundName } from '../../../src/text/bounds';

describe('bound names', () => {
  it('names each bound', () => {
    assert.equal(boundName('anytime'), 'anytime-valid bound');
    assert.equal(boundName('clopper-pearson'), 'exact Clopper-Pearson bound');
  });

  it('says why anytime-valid bounds hold however often they were checked', () => {
    assert.equal(boundClause('anytime'), 'anytime-valid bounds, which hold however often they were checked');
    assert.equal(boundClause('clopper-pearson'), 'exact Clopper-Pearson bounds');
  });
});
