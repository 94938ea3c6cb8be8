import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateFileError } from '../../../../src/io/jsonFile';
import { BatchJournal, JournalLine, PlannedFile } from '../../../../src/job/batch/batchJournal';

const plan = (name: string, attempt = 1): PlannedFile => ({ path: `/plan/${name}`, model: 'small', requests: 4, bytes: 400, sha256: 'ab'.repeat(32), attempt });

describe('BatchJournal', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smart-journal-'));
    file = join(dir, '.smart', 'input.jsonl.batches.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lines = (): JournalLine[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as JournalLine);

  it('starts a run with an id of its own and keeps it on reopening', async () => {
    const first = await BatchJournal.open(file);
    const runId = first.runId;
    assert.match(runId, /^[0-9a-f-]{36}$/);
    assert.equal(first.state.planned, false);
    first.close();
    const again = await BatchJournal.open(file);
    assert.equal(again.runId, runId);
    again.close();
    assert.deepEqual(
      lines().map((l) => l.type),
      ['started'],
    );
    assert.notEqual((await BatchJournal.open(join(dir, 'other.jsonl'))).runId, runId);
  });

  it("rebuilds every file's state from the events, one line each", async () => {
    const journal = await BatchJournal.open(file);
    journal.record({ type: 'planned', files: [plan('a.jsonl'), plan('b.jsonl')] });
    journal.record({ type: 'uploaded', file: '/plan/a.jsonl', fileId: 'file-1' });
    journal.record({ type: 'created', file: '/plan/a.jsonl', batchId: 'batch_1', createdAt: 1700000000, adopted: false });
    journal.record({ type: 'status', batchId: 'batch_1', status: 'in_progress', completed: 1, failed: 0, total: 4 });
    journal.record({ type: 'cancelRequested', batchId: 'batch_1' });
    journal.record({ type: 'status', batchId: 'batch_1', status: 'expired', completed: 2, failed: 1, total: 4, outputFileId: 'file-2', errorFileId: 'file-3' });
    const leftover: PlannedFile = { ...plan('batch_1.retry-1.jsonl', 2), requests: 2, from: { batchId: 'batch_1', reason: 'expired' } };
    journal.record({
      type: 'downloaded',
      batchId: 'batch_1',
      answered: 2,
      failed: 1,
      unanswered: 1,
      failures: [{ customId: 'k3', message: 'HTTP 500' }],
      leftovers: [leftover],
    });
    const live = structuredClone(journal.state);
    journal.close();
    assert.equal(lines().length, 8);
    assert.ok(lines().every((l) => !Number.isNaN(Date.parse(l.at))));

    const reopened = await BatchJournal.open(file);
    const state = reopened.state;
    assert.equal(state.planned, true);
    assert.deepEqual(
      state.files.map((f) => f.plan.path),
      ['/plan/a.jsonl', '/plan/b.jsonl', '/plan/batch_1.retry-1.jsonl'],
    );
    const [a, b, retry] = state.files;
    assert.deepEqual(
      {
        fileId: a.fileId,
        batchId: a.batchId,
        createdAt: a.createdAt,
        status: a.status,
        counts: a.counts,
        out: a.outputFileId,
        err: a.errorFileId,
        cancel: a.cancelRequested,
      },
      {
        fileId: 'file-1',
        batchId: 'batch_1',
        createdAt: 1700000000,
        status: 'expired',
        counts: { completed: 2, failed: 1, total: 4 },
        out: 'file-2',
        err: 'file-3',
        cancel: true,
      },
    );
    assert.deepEqual(a.downloaded, { answered: 2, failed: 1, unanswered: 1, failures: [{ customId: 'k3', message: 'HTTP 500' }] });
    assert.equal(b.batchId, undefined);
    assert.deepEqual(retry.plan, leftover);
    assert.equal(reopened.fileOf({ batchId: 'batch_1' }), a);
    assert.equal(reopened.fileOf({ path: '/plan/b.jsonl' }), b);
    // Read back, every file is from an earlier process; recorded live, none is.
    assert.ok(state.files.every((f) => f.earlier));
    assert.ok(live.files.every((f) => !f.earlier));
    assert.deepEqual(
      state.files.map((f) => ({ ...f, earlier: false })),
      live.files,
    );
    reopened.close();
  });

  it('counts an empty plan as a plan', async () => {
    const journal = await BatchJournal.open(file);
    journal.record({ type: 'planned', files: [] });
    journal.close();
    assert.equal((await BatchJournal.open(file)).state.planned, true);
  });

  it('passes over lines torn by a crash, at the end or before later lines, and appends after them on a fresh line', async () => {
    const journal = await BatchJournal.open(file);
    journal.record({ type: 'planned', files: [plan('a.jsonl')] });
    journal.close();
    appendFileSync(file, '{"at":"2026-01-01T00:00:00.000Z","type":"uploaded","file":"/plan/a.js'); // killed mid-write

    const reopened = await BatchJournal.open(file);
    assert.equal(reopened.skippedLines, 1);
    assert.equal(reopened.state.files[0].fileId, undefined, 'the torn upload is done again');
    reopened.record({ type: 'uploaded', file: '/plan/a.jsonl', fileId: 'file-9' });
    reopened.close();
    const last = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .pop()!;
    assert.equal((JSON.parse(last) as { fileId: string }).fileId, 'file-9');
    const again = await BatchJournal.open(file);
    assert.equal(again.skippedLines, 1, 'the torn line, now between two others');
    assert.equal(again.state.files[0].fileId, 'file-9');
    again.close();
  });

  it('stops, naming the file and the line, at a line that is JSON but no event it writes, or an event for a file no line planned (issue 19, item 2)', async () => {
    const journal = await BatchJournal.open(file);
    journal.record({ type: 'planned', files: [plan('a.jsonl')] });
    journal.close();
    const good = readFileSync(file, 'utf8');
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify({ at: '2026-01-01T00:00:00.000Z', type: 'renamed' }), /:3: not a Smart batch journal \(type: /],
      [
        JSON.stringify({ at: '2026-01-01T00:00:00.000Z', type: 'created', file: '/plan/a.jsonl', batchId: 'batch_1', createdAt: 'yesterday', adopted: false }),
        /:3: not a Smart batch journal \(createdAt: /,
      ],
      [
        JSON.stringify({ at: '2026-01-01T00:00:00.000Z', type: 'uploaded', file: '/plan/nowhere.jsonl', fileId: 'f' }),
        /:3: not a Smart batch journal \(a "uploaded" event for a file or batch no line before it planned\)/,
      ],
      [JSON.stringify({ name: 'some-package', version: '1.0.0' }), /:3: not a Smart batch journal/],
    ];
    for (const [line, expected] of cases) {
      writeFileSync(file, `${good}${line}\n`);
      await assert.rejects(
        BatchJournal.open(file),
        (error: Error) => error instanceof StateFileError && error.message.startsWith(file) && expected.test(error.message),
        line,
      );
    }
  });

  it('refuses to record an event for a batch it does not know, writing nothing', async () => {
    const journal = await BatchJournal.open(file);
    assert.throws(
      () => journal.record({ type: 'cancelRequested', batchId: 'batch_unknown' }),
      /internal error: cancelRequested event for an unknown file or batch/,
    );
    journal.close();
    assert.deepEqual(
      lines().map((l) => l.type),
      ['started'],
    );
    assert.throws(() => journal.record({ type: 'planned', files: [] }), /is closed/);
  });
});
