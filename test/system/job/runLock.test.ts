import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockFileFor, RunLock, RunLockedError } from '../../../src/job/runLock';
import { tempFolderPerTest } from '../../support/files';

const RUN_LOCK_MODULE = path.join(__dirname, '..', '..', '..', 'src', 'job', 'runLock.js');

/** Another process that takes the lock on `input` and holds it until killed; resolves once it holds it. */
async function holderProcess(input: string): Promise<ChildProcess> {
  const script = `require(${JSON.stringify(RUN_LOCK_MODULE)}).RunLock.acquire(process.argv[1]); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, input], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
  });
  return child;
}

function kill(child: ChildProcess): Promise<unknown> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  return exited;
}

describe('RunLock', () => {
  const folder = tempFolderPerTest('smart-lock-');
  const input = (): string => path.join(folder(), 'items.jsonl');

  it('is taken and given back; a second run meanwhile is refused with who holds it and since when', () => {
    const lock = RunLock.acquire(input());
    const file = lockFileFor(input());
    assert.equal(file, path.join(folder(), '.smart', 'items.jsonl.lock'));
    const held = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; host: string; startedAt: string };
    assert.equal(held.pid, process.pid);
    assert.equal(held.host, os.hostname());
    assert.ok(Math.abs(Date.parse(held.startedAt) - Date.now()) < 60_000);
    assert.throws(
      () => RunLock.acquire(input()),
      (error: unknown) => {
        assert.ok(error instanceof RunLockedError);
        assert.equal(error.holder.pid, process.pid);
        assert.ok(
          error.message.startsWith(
            `${input()} is already being processed by another Smart run (process ${process.pid} on ${os.hostname()}, since ${held.startedAt}).`,
          ),
        );
        assert.ok(error.message.includes(`delete ${file}`));
        return true;
      },
    );
    lock.release();
    assert.ok(!existsSync(path.join(folder(), '.smart')), 'an empty .smart/ was left behind');
    RunLock.acquire(input()).release();
  });

  it('keeps .smart/ when it holds something else, such as the cache', () => {
    mkdirSync(path.join(folder(), '.smart'));
    writeFileSync(path.join(folder(), '.smart', 'items.jsonl.cache.jsonl'), '');
    RunLock.acquire(input()).release();
    assert.ok(existsSync(path.join(folder(), '.smart', 'items.jsonl.cache.jsonl')));
  });

  it('is refused while another process holds it, and taken over once that process was killed', async () => {
    const holder = await holderProcess(input());
    try {
      assert.throws(
        () => RunLock.acquire(input()),
        (error: unknown) => error instanceof RunLockedError && error.holder.pid === holder.pid,
      );
    } finally {
      await kill(holder);
    }
    // The killed process left its lock: stale, since no such process lives.
    assert.ok(existsSync(lockFileFor(input())));
    const lock = RunLock.acquire(input());
    assert.equal((JSON.parse(readFileSync(lockFileFor(input()), 'utf8')) as { pid: number }).pid, process.pid);
    lock.release();
  });

  it('takes a lock held on another host to be alive, and takes over one it cannot read', () => {
    const file = lockFileFor(input());
    mkdirSync(path.dirname(file));
    writeFileSync(file, JSON.stringify({ pid: 1, host: `not-${os.hostname()}`, startedAt: '2025-01-01T00:00:00.000Z' }));
    assert.throws(() => RunLock.acquire(input()), /process 1 on not-.*, since 2025-01-01T00:00:00\.000Z/);
    // Empty (a power cut before its data reached the disk), truncated, or foreign: no live run holds it.
    for (const text of ['', '{"pid": 12, "host": "h', '{"pid": "12", "host": "h", "startedAt": "2025-01-01T00:00:00.000Z"}', '{"name": "some-package"}']) {
      writeFileSync(file, text);
      RunLock.acquire(input()).release();
      mkdirSync(path.dirname(file), { recursive: true });
    }
  });

  it('is not given back by a run whose lock another took over', () => {
    const lock = RunLock.acquire(input());
    const file = lockFileFor(input());
    const other = JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: '2099-01-01T00:00:00.000Z' });
    writeFileSync(file, other);
    lock.release();
    assert.equal(readFileSync(file, 'utf8'), other);
  });
});
