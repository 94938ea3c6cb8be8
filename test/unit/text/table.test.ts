import * as assert from 'node:assert/strict';
import { textTable } from '../../../src/text/table';

describe('textTable', () => {
  it('aligns the first column left and the others right, with an optional rule', () => {
    assert.equal(
      textTable(
        ['name', 'cost'],
        [
          ['a', '$0.50'],
          ['longer', '$1,234.50'],
        ],
      ),
      'name         cost\na           $0.50\nlonger  $1,234.50',
    );
    assert.equal(textTable(['n', 'x'], [['a', '1']], { rule: true }), 'n  x\n-  -\na  1');
  });

  it('left-aligns the text columns asked for, leading or trailing, without trailing spaces', () => {
    assert.equal(
      textTable(
        ['model', 'status', 'cost'],
        [
          ['a', 'meets the target', '$0.50'],
          ['bb', 'undecided', '$1.00'],
        ],
        { textColumns: [0, 1] },
      ),
      ['model  status             cost', 'a      meets the target  $0.50', 'bb     undecided         $1.00'].join('\n'),
    );
    assert.equal(
      textTable(
        ['model', 'cost', 'use'],
        [
          ['a', '$0.50', 'answers 34.7% of the rest'],
          ['bb', '$1.00', 'not used'],
        ],
        { textColumns: [0, 2] },
      ),
      ['model   cost  use', 'a      $0.50  answers 34.7% of the rest', 'bb     $1.00  not used'].join('\n'),
    );
  });
});
