import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileExistsError, writeFileAtomic } from '../../../src/io/writeFileAtomic';

describe('writeFileAtomic', () => {
  let folder: string;
  let target: string;
  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'smart-atomic-'));
    target = path.join(folder, 'out.smart.jsonl');
  });
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('writes the file, returns what the writer returned, and leaves no temporary file', async () => {
    const result = await writeFileAtomic(target, async (out) => {
      await out.writeLine('{"a":1}');
      await out.write('{"b":"é');
      await out.write('"}\n');
      return 2;
    });
    assert.equal(result, 2);
    assert.equal(readFileSync(target, 'utf8'), '{"a":1}\n{"b":"é"}\n');
    assert.deepEqual(readdirSync(folder), ['out.smart.jsonl']);
  });

  it('writes many lines in order, spanning several blocks, awaited or not', async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `{"i":${i},"text":"line ${i} ✓"}`);
    await writeFileAtomic(target, async (out) => {
      for (const line of lines) await out.writeLine(line);
    });
    assert.equal(readFileSync(target, 'utf8'), `${lines.join('\n')}\n`);

    const unawaited = path.join(folder, 'unawaited.jsonl');
    await writeFileAtomic(unawaited, async (out) => {
      for (const line of lines) void out.writeLine(line);
    });
    assert.equal(readFileSync(unawaited, 'utf8'), `${lines.join('\n')}\n`);
  });

  it('on an error, deletes the temporary file and leaves an existing target untouched', async () => {
    writeFileSync(target, 'precious\n');
    await assert.rejects(
      writeFileAtomic(
        target,
        async (out) => {
          // Past one block, so that part of the data reached the temporary file.
          for (let i = 0; i < 100_000; i++) await out.writeLine(`{"i":${i}}`);
          throw new Error('model call failed');
        },
        { overwrite: true },
      ),
      /model call failed/,
    );
    assert.equal(readFileSync(target, 'utf8'), 'precious\n');
    assert.deepEqual(readdirSync(folder), ['out.smart.jsonl']);
  });

  it('on an abort, writes nothing', async () => {
    const controller = new AbortController();
    await assert.rejects(
      writeFileAtomic(target, async (out) => {
        await out.writeLine('{"a":1}');
        controller.abort();
        controller.signal.throwIfAborted();
      }),
      { name: 'AbortError' },
    );
    assert.deepEqual(readdirSync(folder), []);
  });

  it('refuses an existing target without overwrite, before calling the writer', async () => {
    writeFileSync(target, 'precious\n');
    let called = false;
    await assert.rejects(
      writeFileAtomic(target, async () => {
        called = true;
      }),
      (error: unknown) => {
        assert.ok(error instanceof FileExistsError);
        assert.equal(error.file, target);
        assert.equal(error.message, `${target} already exists`);
        return true;
      },
    );
    assert.equal(called, false);
    assert.equal(readFileSync(target, 'utf8'), 'precious\n');
  });

  it('refuses a target that appeared while writing, without overwrite', async () => {
    await assert.rejects(
      writeFileAtomic(target, async (out) => {
        await out.writeLine('mine');
        writeFileSync(target, 'theirs\n');
      }),
      FileExistsError,
    );
    assert.equal(readFileSync(target, 'utf8'), 'theirs\n');
    assert.deepEqual(readdirSync(folder), ['out.smart.jsonl']);
  });

  it('replaces an existing target with overwrite', async () => {
    writeFileSync(target, 'old\n');
    await writeFileAtomic(target, async (out) => out.writeLine('new'), { overwrite: true });
    assert.equal(readFileSync(target, 'utf8'), 'new\n');
    assert.deepEqual(readdirSync(folder), ['out.smart.jsonl']);
  });

  it('refuses writes after the file is complete', async () => {
    let leaked: { write(text: string): Promise<void> } | undefined;
    await writeFileAtomic(target, async (out) => {
      leaked = out;
    });
    assert.throws(() => leaked?.write('late'), /after the file was completed/);
    assert.equal(readFileSync(target, 'utf8'), '');
  });
});

describe('writeFileAtomic when the disk refuses a write', () => {
  it('fails the first write after a block failed, not one block later', async function () {
    if (process.platform === 'win32') this.skip();
    // Under a file size limit of 512 KB, the first block (1 MiB) cannot be
    // written; the writer says so at its next write, not when the next block
    // is full (at 2 MiB). Lines come a millisecond apart, as a run's outputs do.
    const script = `
      const { writeFileAtomic } = require(${JSON.stringify(path.join(__dirname, '..', '..', '..', 'src', 'io', 'writeFileAtomic.js'))});
      let written = 0;
      writeFileAtomic(process.argv[1], async (out) => {
        const line = 'x'.repeat(1023);
        for (;;) {
          await out.writeLine(line);
          written += 1024;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }).catch((error) => console.log(JSON.stringify({ written, code: error.code })));`;
    const folder = mkdtempSync(path.join(tmpdir(), 'smart-atomic-full-'));
    try {
      const run = spawnSync('bash', ['-c', 'ulimit -f 512 && exec "$0" "$@"', process.execPath, '-e', script, path.join(folder, 'out.jsonl')], {
        encoding: 'utf8',
      });
      const { written, code } = JSON.parse(run.stdout) as { written: number; code: string };
      assert.equal(code, 'EFBIG');
      assert.ok(written >= 1 << 20 && written < 1.5 * (1 << 20), `the failure was said after ${written} bytes`);
      assert.deepEqual(readdirSync(folder), [], 'the temporary file was left');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
