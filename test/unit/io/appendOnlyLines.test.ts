import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppendOnlyLines } from '../../../src/io/appendOnlyLines';

describe('AppendOnlyLines', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'smart-append-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the folder and appends one line per call, across reopening', () => {
    const file = path.join(dir, 'a', 'b', 'log.jsonl');
    const first = new AppendOnlyLines(file);
    first.append('{"n":1}');
    first.close();
    const second = new AppendOnlyLines(file);
    second.append('{"n":2}');
    second.close();
    assert.equal(readFileSync(file, 'utf8'), '{"n":1}\n{"n":2}\n');
  });

  it('appends the same lines when each is flushed to the disk (durable), a new file and folder included', () => {
    const file = path.join(dir, 'new', 'journal.jsonl');
    const journal = new AppendOnlyLines(file, true);
    const spans = ['{"n":1}', '{"n":"é"}'].map((line) => journal.append(line));
    assert.equal(journal.read(spans[1]), '{"n":"é"}');
    journal.close();
    assert.equal(readFileSync(file, 'utf8'), '{"n":1}\n{"n":"é"}\n');
  });

  it('starts on a fresh line after a line torn by a crash, leaving the torn bytes as they are', () => {
    const file = path.join(dir, 'log.jsonl');
    const first = new AppendOnlyLines(file);
    first.append('{"n":1}');
    first.close();
    appendFileSync(file, '{"n":'); // killed mid-write
    const second = new AppendOnlyLines(file);
    second.append('{"n":3}');
    second.append('{"n":4}');
    second.close();
    assert.equal(readFileSync(file, 'utf8'), '{"n":1}\n{"n":\n{"n":3}\n{"n":4}\n');
  });

  it('reads a line back from where it was written, after a torn line and across reopening', () => {
    const file = path.join(dir, 'log.jsonl');
    const first = new AppendOnlyLines(file);
    const one = first.append('{"n":"é"}');
    first.close();
    appendFileSync(file, '{"n":'); // killed mid-write
    const second = new AppendOnlyLines(file);
    const two = second.append('{"n":"日本"}');
    assert.deepEqual(
      [one, two],
      [
        { offset: 0, bytes: 10 },
        { offset: 17, bytes: 14 },
      ],
    );
    assert.equal(second.read(one), '{"n":"é"}');
    assert.equal(second.read(two), '{"n":"日本"}');
    second.close();
  });

  it('refuses to write or read once closed, naming the file', () => {
    const file = path.join(dir, 'log.jsonl');
    const lines = new AppendOnlyLines(file);
    const span = lines.append('x');
    lines.close();
    const closed = new RegExp(`${file.replace(/[\\/.]/g, '\\$&')} is closed`);
    assert.throws(() => lines.append('x'), closed);
    assert.throws(() => lines.read(span), closed);
  });
});
