import * as assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FileFingerprint } from '../../../src/io/fileFingerprint';
import { InputChangedError, InputError } from '../../../src/io/inputError';
import { readJsonl, type ReadJsonlOptions } from '../../../src/io/jsonl';
import { readFirstRecord } from '../../../src/io/records';
import type { InputRecord } from '../../../src/io/readingPass';
import { tempFolderPerTest } from '../../support/files';
import { collect, inputErrorOf } from '../../support/reading';

describe('readJsonl', () => {
  const folder = tempFolderPerTest('smart-jsonl-');

  function file(content: string | Buffer, name = 'data.jsonl'): string {
    const target = path.join(folder(), name);
    writeFileSync(target, content);
    return target;
  }

  const read = (target: string, options?: ReadJsonlOptions): Promise<InputRecord[]> => collect(readJsonl(target, options));
  const readError = (target: string, options?: ReadJsonlOptions): Promise<InputError> => inputErrorOf(() => read(target, options), InputError);

  it('yields each object with its 1-based line number', async () => {
    const records = await read(file('{"a":1}\n{"a":2,"b":{"c":[1,2]}}\n'));
    assert.deepEqual(records, [
      { line: 1, value: { a: 1 } },
      { line: 2, value: { a: 2, b: { c: [1, 2] } } },
    ]);
  });

  it('reads a last line without a newline, and an empty file as no records', async () => {
    assert.deepEqual(await read(file('{"a":1}\n{"a":2}')), [
      { line: 1, value: { a: 1 } },
      { line: 2, value: { a: 2 } },
    ]);
    assert.deepEqual(await read(file('', 'empty.jsonl')), []);
  });

  it('strips a UTF-8 byte-order mark at the start only', async () => {
    const records = await read(file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"é"}\n')])));
    assert.deepEqual(records, [{ line: 1, value: { a: 'é' } }]);
    // Even when the mark itself is split across reads.
    assert.deepEqual(await read(file('\ufeff{"a":1}\n', 'tiny.jsonl'), { highWaterMark: 1 }), [{ line: 1, value: { a: 1 } }]);
    const later = await readError(file('{"a":1}\n\ufeff{"a":2}\n', 'later.jsonl'));
    assert.equal(later.line, 2);
  });

  it('accepts CRLF line ends', async () => {
    const records = await read(file('{"a":"x"}\r\n\r\n{"a":"y"}\r\n'));
    assert.deepEqual(records, [
      { line: 1, value: { a: 'x' } },
      { line: 3, value: { a: 'y' } },
    ]);
  });

  it('skips blank and whitespace-only lines but counts them', async () => {
    const records = await read(file('\n  \n{"a":1}\n\t\n\n  {"a":2}  \n\n'));
    assert.deepEqual(
      records.map((record) => record.line),
      [3, 6],
    );
  });

  it('reassembles multi-byte characters split between reads', async () => {
    const text = 'héllo 日本語 🙂 ünïcödé';
    const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ i, text })).join('\n');
    // Reads of 1, 2, 3 and 7 bytes cut through every character at every offset.
    for (const highWaterMark of [1, 2, 3, 7]) {
      const records = await read(file(lines, `split-${highWaterMark}.jsonl`), { highWaterMark });
      assert.equal(records.length, 20);
      for (const [i, record] of records.entries()) assert.deepEqual(record, { line: i + 1, value: { i, text } });
    }
  });

  it('reads lines longer than one read', async () => {
    const long = 'x'.repeat(10_000);
    const records = await read(file(`{"a":"${long}"}\n{"b":1}\n{"a":"${long}"}`), { highWaterMark: 64 });
    assert.deepEqual(
      records.map((record) => record.line),
      [1, 2, 3],
    );
    assert.equal(records[2].value.a, long);
  });

  it('with spans, says where each record lies in bytes, whatever the reads, ends of lines and marks', async () => {
    const content = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`{"a":"é"}\r\n\n  \nnope\n{"b":"${'日本'.repeat(40)}"}\n{"c":1}`)]);
    const target = file(content);
    for (const highWaterMark of [undefined, 1, 5, 64]) {
      const records: string[] = [];
      for await (const { line, span } of readJsonl(target, { spans: true, skipInvalid: true, highWaterMark })) {
        records.push(`${line}: ${content.subarray(span.offset, span.offset + span.bytes).toString('utf8')}`);
      }
      assert.deepEqual(records, ['1: {"a":"é"}\r', `5: {"b":"${'日本'.repeat(40)}"}`, '6: {"c":1}'], `reads of ${highWaterMark ?? 'the default'} bytes`);
    }
  });

  it('names file and line of malformed JSON, after yielding the records before it', async () => {
    const target = file('{"a":1}\n\n{"a":2}\n{"a": oops}\n{"a":3}\n');
    const seen: number[] = [];
    await assert.rejects(
      async () => {
        for await (const record of readJsonl(target)) seen.push(record.line);
      },
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.equal(error.file, target);
        assert.equal(error.line, 4);
        assert.match(error.message, /^.*data\.jsonl:4: not valid JSON \(Unexpected token/);
        return true;
      },
    );
    assert.deepEqual(seen, [1, 3]);
  });

  it('refuses lines that are JSON but not objects, saying what they are', async () => {
    const cases: [string, string][] = [
      ['[1,2]', 'an array'],
      ['"text"', 'a string'],
      ['42', 'a number'],
      ['true', 'a boolean'],
      ['null', 'null'],
    ];
    for (const [line, what] of cases) {
      const error = await readError(file(`{"a":1}\n${line}\n`));
      assert.equal(error.line, 2);
      assert.ok(error.message.endsWith(`data.jsonl:2: expected a JSON object, got ${what}`), error.message);
    }
  });

  it('refuses text that is not UTF-8, whether the line is within one read or spans several', async () => {
    // "café" in Latin-1: a lone 0xE9 byte.
    const target = file(Buffer.concat([Buffer.from('{"a":1}\n{"a":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    for (const highWaterMark of [undefined, 4]) {
      const error = await readError(target, { highWaterMark });
      assert.equal(error.line, 2);
      assert.match(error.message, /data\.jsonl:2: not valid UTF-8/);
    }
  });

  it('with skipInvalid, skips malformed lines and reports each in order', async () => {
    const target = file('{"a":1}\nnope\n[1]\n{"a":2}\n{"a":\n{"a":3}');
    const reported: string[] = [];
    const records = await read(target, { skipInvalid: true, onInvalid: (error) => reported.push(`${error.line}: ${error.problem}`) });
    assert.deepEqual(
      records.map((record) => record.value.a),
      [1, 2, 3],
    );
    assert.deepEqual(
      records.map((record) => record.line),
      [1, 4, 6],
    );
    assert.equal(reported.length, 3);
    assert.match(reported[0], /^2: not valid JSON/);
    assert.equal(reported[1], '3: expected a JSON object, got an array');
    assert.match(reported[2], /^5: not valid JSON/);
  });

  it('names a missing file or a folder', async () => {
    const missing = await readError(path.join(folder(), 'nope.jsonl'));
    assert.ok(missing.message.endsWith('nope.jsonl: no such file'), missing.message);
    assert.equal(missing.line, undefined);
    const directory = await readError(folder());
    assert.match(directory.message, /is a folder/);
  });

  it('stops with the abort reason when the signal fires', async () => {
    const target = file(Array.from({ length: 100 }, (_, i) => `{"i":${i}}`).join('\n'));
    const controller = new AbortController();
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const record of readJsonl(target, { signal: controller.signal })) {
        seen.push(record.line);
        if (record.line === 3) controller.abort(new Error('stopped by user'));
      }
    }, /stopped by user/);
    assert.deepEqual(seen, [1, 2, 3]);
  });

  describe('readFirstRecord', () => {
    it('reads the first record of a file too large to hold in memory, reading only its start', async () => {
      // 3 GB, sparse: it takes no disk space, and reading it whole would fail.
      const target = file('\n{"id":1,"text":"first"}\n{"id":2}\n', 'huge.jsonl');
      truncateSync(target, 3 * 1024 ** 3);
      const started = Date.now();
      assert.deepEqual(await readFirstRecord(target), { line: 2, value: { id: 1, text: 'first' } });
      assert.ok(Date.now() - started < 5_000, 'the whole file was read');
    });

    it('gives nothing for an empty file or a first line that is not a record, and names a missing file', async () => {
      assert.equal(await readFirstRecord(file('', 'empty.jsonl')), undefined);
      assert.equal(await readFirstRecord(file('not json\n{"a":1}\n', 'bad.jsonl')), undefined);
      await assert.rejects(readFirstRecord(path.join(folder(), 'absent.jsonl')), /absent\.jsonl: no such file/);
    });
  });

  describe('noticing that the file changed between passes', () => {
    const lines = (n: number): string => Array.from({ length: n }, (_, i) => `{"i":${i}}\n`).join('');

    async function fingerprintOf(target: string): Promise<FileFingerprint> {
      let seen: FileFingerprint | undefined;
      await read(target, { onFingerprint: (f) => (seen = f) });
      assert.ok(seen, 'a complete pass reports its fingerprint');
      return seen;
    }

    const changedError = (run: () => Promise<unknown>): Promise<InputChangedError> => inputErrorOf(run, InputChangedError);

    it('reads an unchanged file again without complaint, and reports the same fingerprint', async () => {
      const target = file(lines(50));
      const first = await fingerprintOf(target);
      assert.equal(first.size, 50 * 9 - 10 * 1);
      let again: FileFingerprint | undefined;
      assert.equal((await read(target, { expect: first, onFingerprint: (f) => (again = f) })).length, 50);
      assert.deepEqual(again, first);
    });

    it('refuses a file that changed before the pass, naming it and how it changed', async () => {
      const target = file(lines(50));
      const first = await fingerprintOf(target);
      writeFileSync(target, lines(51));
      const error = await changedError(() => read(target, { expect: first }));
      assert.equal(error.file, target);
      assert.match(error.message, /data\.jsonl: changed while the run was going \(\d+ bytes, now \d+\)$/);
    });

    it('stops as soon as the file grows past its size during the pass', async () => {
      const target = file(lines(2000));
      const first = await fingerprintOf(target);
      const seen: number[] = [];
      const error = await changedError(async () => {
        for await (const record of readJsonl(target, { expect: first, highWaterMark: 1024 })) {
          seen.push(record.line);
          if (record.line === 10) appendFileSync(target, '{"i":"new"}\n');
        }
      });
      assert.match(error.detail, /grew past/);
      assert.ok(seen.length < 2000, 'the pass went on to the end');
    });

    it('finds a change of the same size by its hash at the end of the pass', async () => {
      const target = file(lines(50));
      // The same modification time before and after (whole seconds, which every file system keeps): only the contents tell.
      const time = 1_700_000_000;
      utimesSync(target, time, time);
      const first = await fingerprintOf(target);
      writeFileSync(target, lines(50).replace('{"i":7}', '{"i":8}'));
      utimesSync(target, time, time);
      const error = await changedError(() => read(target, { expect: first }));
      assert.match(error.detail, /same size, other contents/);
    });

    it('finds a change made while a pass that stops early was reading', async () => {
      const target = file(lines(50));
      const first = await fingerprintOf(target);
      await changedError(async () => {
        for await (const record of readJsonl(target, { expect: first })) {
          if (record.line === 5) {
            writeFileSync(target, lines(60));
            break;
          }
        }
      });
    });

    it('finds a file replaced (renamed over) during the validation pass', async () => {
      const target = file(lines(50));
      const error = await changedError(async () => {
        for await (const record of readJsonl(target, { onFingerprint: () => undefined, highWaterMark: 64 })) {
          if (record.line === 2) {
            writeFileSync(`${target}.new`, lines(40));
            renameSync(`${target}.new`, target);
          }
        }
      });
      assert.match(error.detail, /bytes, now/);
    });
  });
});

describe('InputError', () => {
  it('formats file, line and problem, and keeps them as properties', () => {
    const error = new InputError({ file: 'data.jsonl', line: 12, field: 'ticket.body' }, 'field "ticket.body" is missing');
    assert.equal(error.message, 'data.jsonl:12: field "ticket.body" is missing');
    assert.equal(error.name, 'InputError');
    assert.deepEqual([error.file, error.line, error.field, error.problem], ['data.jsonl', 12, 'ticket.body', 'field "ticket.body" is missing']);
    assert.equal(new InputError({ file: 'data.jsonl' }, 'no such file').message, 'data.jsonl: no such file');
  });
});
