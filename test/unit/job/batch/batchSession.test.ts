import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateFileError } from '../../../../src/io/jsonFile';
import { BatchJournal } from '../../../../src/job/batch/batchJournal';
import { BatchSession } from '../../../../src/job/batch/batchSession';

describe('BatchSession', () => {
  let dir: string;
  let input: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smart-session-'));
    input = join(dir, 'tickets.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lives under .smart/ beside the input, and keeps its id, input and config across processes', async () => {
    assert.equal(BatchSession.folderFor('/data/tickets.jsonl'), join('/data', '.smart', 'tickets.jsonl.batch'));
    assert.equal(BatchSession.exists(input), false);
    const first = await BatchSession.open(input, join(dir, 'smart.config.json'));
    assert.match(first.runId, /^[0-9a-f-]{36}$/);
    assert.equal(BatchSession.exists(input), true);
    const again = await BatchSession.open(input, join(dir, 'other.json'));
    assert.deepEqual(again.record, first.record);
    assert.deepEqual(BatchSession.read(BatchSession.folderFor(input))?.record, {
      runId: first.runId,
      input,
      config: join(dir, 'smart.config.json'),
      startedAt: first.record.startedAt,
    });
    first.remove();
    assert.equal(BatchSession.exists(input), false);
    assert.equal(BatchSession.read(BatchSession.folderFor(input)), undefined);
  });

  it('stops at a record that does not read back (truncated, edited, foreign), naming it, rather than start a run over its batches (issue 19, item 2)', async () => {
    const session = await BatchSession.open(input, join(dir, 'smart.config.json'));
    const record = join(session.folder, 'run.json');
    const cases: Array<[string, RegExp]> = [
      ['{"runId": "1b2', /not valid JSON/],
      ['', /it is empty/],
      [JSON.stringify({ ...session.record, runId: 7 }), /runId: /],
      [JSON.stringify({ name: 'some-package', version: '1.0.0' }), /not the record of a Smart batch run/],
    ];
    for (const [text, expected] of cases) {
      writeFileSync(record, text);
      for (const read of [() => BatchSession.read(session.folder), () => BatchSession.open(input, 'c.json')]) {
        await assert.rejects(
          async () => read(),
          (error: Error) => error instanceof StateFileError && error.message.startsWith(record) && expected.test(error.message),
          text,
        );
      }
    }
  });

  it('has at most one live round per endpoint, numbered on after the ended ones', async () => {
    const session = await BatchSession.open(input, 'c.json');
    const round = session.nextRound('my endpoint');
    assert.equal(round.journal, join(session.folder, 'my_endpoint-1.journal.jsonl'));
    assert.equal(round.folder, join(session.folder, 'my_endpoint-1'));
    assert.equal(session.liveRound('my endpoint'), undefined);
    (await BatchJournal.open(round.journal)).close();
    assert.deepEqual(session.liveRound('my endpoint'), round);
    assert.equal(session.nextRound('other').journal, join(session.folder, 'other-1.journal.jsonl'));
    session.end(round);
    assert.ok(existsSync(join(session.folder, 'my_endpoint-1.ended.jsonl')));
    assert.equal(session.liveRound('my endpoint'), undefined);
    assert.equal(session.nextRound('my endpoint').journal, join(session.folder, 'my_endpoint-2.journal.jsonl'));
    assert.equal(session.nextRound('my').journal, join(session.folder, 'my-1.journal.jsonl'), "another endpoint's rounds are not counted");
  });

  it('lists the request files of live rounds still to collect, created or not', async () => {
    const session = await BatchSession.open(input, 'c.json');
    const round = session.nextRound('openai');
    const journal = await BatchJournal.open(round.journal);
    const plan = (name: string) => ({ path: join(round.folder, name), model: 'm', requests: 2, bytes: 10, sha256: '0'.repeat(64), attempt: 1 });
    journal.record({ type: 'planned', files: [plan('a'), plan('b'), plan('c')] });
    journal.record({ type: 'created', file: join(round.folder, 'a'), batchId: 'batch_a', createdAt: 1, adopted: false });
    journal.record({ type: 'created', file: join(round.folder, 'b'), batchId: 'batch_b', createdAt: 1, adopted: false });
    journal.record({ type: 'status', batchId: 'batch_b', status: 'completed', completed: 2, failed: 0, total: 2, outputFileId: 'f' });
    journal.record({ type: 'downloaded', batchId: 'batch_b', answered: 2, failed: 0, unanswered: 0, failures: [], leftovers: [] });
    journal.close();
    // c's batch may exist at the provider without its id recorded (a run killed just after creating it).
    assert.deepEqual(
      (await session.pendingBatches()).map((f) => f.batchId),
      ['batch_a', undefined],
    );
  });
});
