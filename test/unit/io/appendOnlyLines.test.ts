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

  it('refuses to write once closed, naming the file', () => {
    const file = path.join(dir, 'log.jsonl');
    const lines = new AppendOnlyLines(file);
    lines.close();
    assert.throws(() => lines.append('x'), new RegExp(`${file.replace(/[\\/.]/g, '\\$&')} is closed`));
  });
});
