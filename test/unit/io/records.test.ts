import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ItemOutput } from '../../../src/core/engine';
import type { FileFingerprint } from '../../../src/io/fileFingerprint';
import { InputChangedError, InputError } from '../../../src/io/inputError';
import type { InputRecord, ReadingPassOptions } from '../../../src/io/readingPass';
import { sniffDelimiter } from '../../../src/io/delimited';
import { baseName, formatOf, inputFormatOf, readFirstRecord, readRecords } from '../../../src/io/records';
import { outputFormatOf, outputText } from '../../../src/job/outputFormat';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { ColumnTypes, writeParquetFile } from '../../../src/io/parquetFile';
import { tempFolderPerTest } from '../../support/files';
import { collect, inputErrorOf } from '../../support/reading';

describe('input files beyond JSONL (issue 18)', () => {
  const folder = tempFolderPerTest('smart-records-');

  function file(name: string, content: string | Buffer): string {
    const target = path.join(folder(), name);
    writeFileSync(target, content);
    return target;
  }

  const read = (target: string, options?: ReadingPassOptions): Promise<InputRecord[]> => collect(readRecords(target, options));
  const readError = (target: string, options?: ReadingPassOptions): Promise<InputError> => inputErrorOf(() => read(target, options), InputError);

  describe('formats', () => {
    it('tells the format by the extension, and names the ones it reads for another', () => {
      assert.deepEqual(['a.jsonl', 'a.NDJSON', 'b.csv', 'c.TSV', 'c.tab', 'd.json', 'e.txt'].map(formatOf), [
        'jsonl',
        'jsonl',
        'csv',
        'tsv',
        'tsv',
        'json',
        undefined,
      ]);
      assert.throws(
        () => inputFormatOf('notes.txt'),
        /notes\.txt: is not a file Smart reads \(its name should end in \.jsonl, \.ndjson, \.csv, \.tsv, \.tab, \.json, \.parquet\)/,
      );
      assert.deepEqual(['data/items.csv', 'items.jsonl', 'x.json', 'odd.txt'].map(baseName), ['items', 'items', 'x', 'odd.txt']);
      assert.deepEqual(
        ['items.csv', 'items.tsv', 'items.json', 'items.jsonl', 'items.parquet'].map((f) => outputFormatOf(f)),
        ['csv', 'tsv', 'jsonl', 'jsonl', 'parquet'],
      );
      assert.equal(outputFormatOf('items.csv', { outputFormat: 'jsonl' }), 'jsonl');
      assert.equal(outputFormatOf('export.txt', { inputFormat: 'tsv' }), 'tsv');
    });
  });

  describe('CSV and TSV', () => {
    it('names fields by the header; reads quoted commas, quotes and line breaks, a BOM, CRLF, unicode names, and counts lines as the file has them', async () => {
      const csv = '\ufeffid,"text, quoted",名前\r\n1,"a, b","x"\r\n2,"line one\r\nline two",日本\r\n\r\n3,"say ""hi""",\r\n';
      assert.deepEqual(await read(file('items.csv', csv)), [
        { line: 2, value: { id: '1', 'text, quoted': 'a, b', 名前: 'x' } },
        { line: 3, value: { id: '2', 'text, quoted': 'line one\r\nline two', 名前: '日本' } },
        { line: 6, value: { id: '3', 'text, quoted': 'say "hi"', 名前: '' } },
      ]);
      assert.deepEqual(await read(file('items.tsv', 'a\tb\nx, y\t"q"\n')), [{ line: 2, value: { a: 'x, y', b: 'q' } }]);
    });

    it("tells a CSV's delimiter from its header row: comma, semicolon, tab or pipe, quotes aside (issue 18)", async () => {
      assert.deepEqual(await read(file('semi.csv', '"name, full";price\n"Doe, J";3,50\n')), [{ line: 2, value: { 'name, full': 'Doe, J', price: '3,50' } }]);
      assert.deepEqual(await read(file('pipe.csv', 'a|b\n1|2\n')), [{ line: 2, value: { a: '1', b: '2' } }]);
      assert.deepEqual(await read(file('tab.csv', 'a\tb\n1\t2\n')), [{ line: 2, value: { a: '1', b: '2' } }]);
      assert.deepEqual(await read(file('one.csv', 'text\n"x; y"\n')), [{ line: 2, value: { text: 'x; y' } }], 'one column: a comma');
      assert.deepEqual(await sniffDelimiter(file('tie.csv', 'a,b;c\n')), ',', 'a tie: a comma');
      const records = await read(file('out.csv', 'a;b\n1;x\n'));
      const text = outputText('csv', { kind: 'trim' }, ';');
      assert.equal(
        text({ index: 0, item: records[0], model: 'm', completion: { text: 'y; z' } } as unknown as ItemOutput<InputRecord>),
        'a;b;smart_output;smart_model;smart_raw\n1;x;"y; z";m;"y; z"',
      );
    });

    it('reads the same whatever the size of the reads, a 200,000-character cell included', async () => {
      const long = 'é'.repeat(200_000);
      const target = file('long.csv', `a,b\n"${long}",1\n2,"日本\n語"\n`);
      for (const highWaterMark of [undefined, 4096]) {
        const records = await read(target, { highWaterMark });
        assert.deepEqual(
          records.map((r) => [r.line, String(r.value.a).length, r.value.b]),
          [
            [2, 200_000, '1'],
            [3, 1, '日本\n語'],
          ],
          `reads of ${highWaterMark ?? 'the default'} bytes`,
        );
      }
      const short = file('short.csv', 'a,b\r\n"é,\r\n",1\r\n\r\n2,"日本\n語"\r\n');
      for (const highWaterMark of [1, 2, 7]) {
        assert.deepEqual(
          await read(short, { highWaterMark }),
          [
            { line: 2, value: { a: 'é,\r\n', b: '1' } },
            { line: 5, value: { a: '2', b: '日本\n語' } },
          ],
          `reads of ${highWaterMark} bytes`,
        );
      }
    });

    it('gives nothing for an empty file or a header alone', async () => {
      assert.deepEqual(await read(file('empty.csv', '')), []);
      assert.deepEqual(await read(file('header.csv', 'a,b\n')), []);
    });

    it('stops at a ragged row or a quote left open, naming file and line, or skips the row with skipInvalid', async () => {
      const ragged = file('ragged.csv', 'a,b\n1,2\n3\n4,5,6\n7,8\n');
      assert.equal((await readError(ragged)).message, `${ragged}:3: has 1 field, the header 2`);
      const skipped: string[] = [];
      const kept = await read(ragged, { skipInvalid: true, onInvalid: (e) => skipped.push(e.message) });
      assert.deepEqual(
        kept.map((r) => r.line),
        [2, 5],
      );
      assert.deepEqual(skipped, [`${ragged}:3: has 1 field, the header 2`, `${ragged}:4: has 3 fields, the header 2`]);
      const open = file('open.csv', 'a,b\n1,2\n3,"never closed\n4,5\n');
      const error = await readError(open);
      assert.match(error.message, /open\.csv:\d+: a quoted field is never closed/);
      assert.deepEqual(
        (await read(open, { skipInvalid: true })).map((r) => r.line),
        [2],
      );
    });

    it('refuses a header with an empty or repeated name', async () => {
      assert.match((await readError(file('noname.csv', 'a,,c\n1,2,3\n'))).message, /noname\.csv:1: the header's column 2 has no name/);
      assert.match((await readError(file('twice.csv', 'a,b,a\n1,2,3\n'))).message, /twice\.csv:1: the header names the column "a" twice/);
    });

    it('notices a file changed between two passes', async () => {
      const target = file('changing.csv', 'a\n1\n2\n');
      let first: FileFingerprint | undefined;
      await read(target, { onFingerprint: (f) => (first = f) });
      writeFileSync(target, 'a\n1\n3\n');
      await assert.rejects(read(target, { expect: first! }), InputChangedError);
    });

    it("round trip: a CSV in, a CSV out with every original column and row unchanged, in order, and Smart's columns after them", async () => {
      const csv = 'id,text,"note, with comma"\n1,"multi\nline","a ""q"""\n2,plain,\n';
      const input = file('round.csv', csv);
      const records = await read(input);
      const text = outputText('csv', { kind: 'label', labels: ['yes', 'no'] });
      const lines = records.map((item, index) =>
        text({ index, item, model: 'm', completion: { text: index === 0 ? 'Yes.' : 'no' } } as unknown as ItemOutput<InputRecord>),
      );
      const output = file('round.smart.csv', `${lines.join('\n')}\n`);
      const back = await read(output);
      assert.deepEqual(
        back.map((r) => Object.keys(r.value)),
        [0, 1].map(() => ['id', 'text', 'note, with comma', 'smart_output', 'smart_model', 'smart_raw']),
      );
      back.forEach((r, i) => {
        const { smart_output, smart_model, smart_raw, ...original } = r.value;
        assert.deepEqual(original, records[i].value);
        assert.deepEqual([smart_output, smart_model, smart_raw], i === 0 ? ['yes', 'm', 'Yes.'] : ['no', 'm', 'no']);
      });
    });
  });

  describe('Parquet', () => {
    const table = (rowGroupSize: number): Buffer =>
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'id', data: [1n, 2n, 2n ** 60n, 4n, 5n], type: 'INT64' },
            { name: 'the text', data: ['a', 'b', 'c, d', 'e\nf', '日本'], type: 'STRING' },
            { name: 'address', data: [{ city: 'x' }, { city: 'y' }, { city: 'z' }, null, { city: 'w' }], type: 'JSON' },
          ],
          rowGroupSize,
        }),
      );

    it('reads every row group in order, rows numbered from 1, 64-bit integers as numbers (strings past 2^53), nested values as objects', async () => {
      for (const rowGroupSize of [2, 1000]) {
        const records = await read(file(`items-${rowGroupSize}.parquet`, table(rowGroupSize)));
        assert.deepEqual(records, [
          { line: 1, value: { id: 1, 'the text': 'a', address: { city: 'x' } } },
          { line: 2, value: { id: 2, 'the text': 'b', address: { city: 'y' } } },
          { line: 3, value: { id: String(2n ** 60n), 'the text': 'c, d', address: { city: 'z' } } },
          { line: 4, value: { id: 4, 'the text': 'e\nf', address: null } },
          { line: 5, value: { id: 5, 'the text': '日本', address: { city: 'w' } } },
        ]);
      }
    });

    it('writes outputs as Parquet, each column of the type its values have, and reads them back the same', async () => {
      const target = path.join(folder(), 'out.smart.parquet');
      const rows = [
        { id: 1, text: 'a', flag: true, meta: { k: [1, 2] }, mixed: 1, smart_output: 'yes' },
        { id: 2.5, text: 'b, "q"', flag: false, meta: null, mixed: 'two', smart_output: 'no' },
      ];
      const types = new ColumnTypes();
      rows.forEach((r) => types.see(r));
      assert.deepEqual(types.columns(), [
        { name: 'id', type: 'DOUBLE' },
        { name: 'text', type: 'STRING' },
        { name: 'flag', type: 'BOOLEAN' },
        { name: 'meta', type: 'JSON' },
        { name: 'mixed', type: 'JSON' },
        { name: 'smart_output', type: 'STRING' },
      ]);
      async function* source(): AsyncGenerator<Record<string, unknown>> {
        yield* rows;
      }
      await writeParquetFile(target, types.columns(), source());
      assert.deepEqual(
        (await read(target)).map((r) => r.value),
        rows,
      );
      await assert.rejects(writeParquetFile(target, types.columns(), source()), /already exists|exists/);
    });

    it('says a file is not Parquet, gives nothing for an empty one, and notices a change between two passes', async () => {
      assert.match((await readError(file('fake.parquet', 'not parquet at all'))).message, /fake\.parquet: is not a Parquet file/);
      assert.deepEqual(await read(file('empty.parquet', '')), []);
      const target = file('changing.parquet', table(2));
      let first: FileFingerprint | undefined;
      assert.equal((await read(target, { onFingerprint: (f) => (first = f) })).length, 5);
      writeFileSync(target, table(3));
      await assert.rejects(read(target, { expect: first! }), InputChangedError);
    });
  });

  describe('JSON arrays', () => {
    it('streams the objects of an array with the line each starts on, whatever the size of the reads', async () => {
      const json = '\ufeff[\n  {"a": "x]}\\"{", "b": [1, {"c": 2}]},\n  {"a": "日本語"}\n  ,{"z": 1}\n]\n';
      const target = file('items.json', json);
      for (const highWaterMark of [undefined, 1, 2, 5]) {
        assert.deepEqual(
          await read(target, { highWaterMark }),
          [
            { line: 2, value: { a: 'x]}"{', b: [1, { c: 2 }] } },
            { line: 3, value: { a: '日本語' } },
            { line: 4, value: { z: 1 } },
          ],
          `reads of ${highWaterMark ?? 'the default'} bytes`,
        );
      }
      assert.deepEqual(await read(file('empty.json', '')), []);
      assert.deepEqual(await read(file('none.json', '[ ]')), []);
    });

    it('names the line of a bad element, skips it with skipInvalid, and stops at what no element can be', async () => {
      const bad = file('bad.json', '[{"a":1},\n{"b": },\n{"c":3}]');
      assert.equal((await readError(bad)).message, `${bad}:2: not valid JSON (Unexpected token '}', "{"b": }" is not valid JSON)`);
      assert.deepEqual(
        (await read(bad, { skipInvalid: true })).map((r) => r.line),
        [1, 3],
      );
      assert.match(
        (await readError(file('object.json', '{"a":1}'))).message,
        /object\.json:1: does not start with "\[": a JSON file must hold one array of objects/,
      );
      assert.match((await readError(file('numbers.json', '[{"a":1},\n 3]'))).message, /numbers\.json:2: expected a JSON object in the array/);
      assert.match((await readError(file('cut.json', '[{"a":1}'))).message, /cut\.json:1: ends before the array's closing "\]"/);
      assert.match((await readError(file('more.json', '[{"a":1}] x'))).message, /more\.json:1: holds more after the array's closing "\]"/);
      assert.match((await readError(file('numbers.json', '[{"a":1},\n 3]'), { skipInvalid: true })).message, /expected a JSON object/, 'a stop is not skipped');
    });

    it('takes the first item as an example, of any format', async () => {
      assert.deepEqual(await readFirstRecord(file('first.json', '[{"a":1},{"a":2}]')), { line: 1, value: { a: 1 } });
      assert.deepEqual(await readFirstRecord(file('first.csv', 'x,y\n1,2\n')), { line: 2, value: { x: '1', y: '2' } });
      assert.equal(await readFirstRecord(file('first-bad.csv', 'x,y\n1\n')), undefined);
    });
  });
});
