/**
 * One run at a time per input file, across processes (two command lines, or
 * the command line and the editor): otherwise both would pay for every call
 * and the last to finish would replace the other's outputs.
 *
 * The lock is a file under `.smart/` beside the input, created only if absent
 * (`O_EXCL`, atomic on local file systems), holding who took it. A lock whose
 * process is no longer alive on this host (a run killed with SIGKILL, a
 * crashed editor) is stale and taken over.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as z from 'zod';
import { readJsonFile, StateFileError } from '../io/jsonFile';
import { stateFileFor } from '../io/stateFile';

/** Who holds a lock, as written in its file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** When the run started, as an ISO 8601 time. */
  readonly startedAt: string;
}

/** Another run holds the input. */
export class RunLockedError extends Error {
  override readonly name = 'RunLockedError';
  constructor(
    readonly input: string,
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    super(
      `${input} is already being processed by another Smart run (process ${holder.pid} on ${holder.host}, since ${holder.startedAt}). ` +
        `Wait for it to finish or stop it; if no such run is going, delete ${lockFile}.`,
    );
  }
}

/** The lock file for an input: `.smart/<input name>.lock` beside it, with the response cache. */
export function lockFileFor(input: string): string {
  return stateFileFor(input, '.lock');
}

/** A lock held by this process; {@link release} it when the run ends, however it ends. */
export class RunLock {
  private constructor(
    readonly file: string,
    private readonly holder: LockHolder,
  ) {}

  /**
   * Takes the lock on `input`, taking over a stale one.
   * @throws RunLockedError naming the run that holds it.
   */
  static acquire(input: string): RunLock {
    const file = lockFileFor(input);
    const holder: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // Again on each try: a run that finished may have removed the folder, empty, meanwhile.
      mkdirSync(path.dirname(file), { recursive: true });
      if (createWhole(file, `${JSON.stringify(holder)}\n`)) return new RunLock(file, holder);
      const current = readHolder(file);
      if (current === 'gone') continue;
      if (current !== 'unreadable' && isAlive(current)) throw new RunLockedError(input, file, current);
      removeIfUnchanged(file, current);
    }
    throw new Error(`could not take the lock ${file}: other runs keep taking and leaving it`);
  }

  /**
   * Gives the lock up, unless another process took it over meanwhile (then it
   * is theirs), and removes `.smart/` if that leaves it empty (a run that
   * stopped on bad input leaves nothing behind).
   */
  release(): void {
    const current = readHolder(this.file);
    if (current !== 'gone' && current !== 'unreadable' && current.pid === this.holder.pid && current.startedAt === this.holder.startedAt) {
      unlinkSync(this.file);
    }
    try {
      rmdirSync(path.dirname(this.file));
    } catch {
      // Not empty (the cache, another run's lock), or already gone.
    }
  }
}

/** Taking a lock races with other runs taking it or leaving it; this many tries is plenty. */
const MAX_ATTEMPTS = 5;

/**
 * Creates `file` with `text`, unless it exists. The text is written to a file
 * of its own first and then linked in place, so that no reader ever sees the
 * lock half written.
 */
function createWhole(file: string, text: string): boolean {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, text);
    try {
      linkSync(temporary, file);
    } finally {
      unlinkSync(temporary);
    }
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOENT: a run that finished removed the folder, empty, after it was made; the caller makes it again.
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    throw error;
  }
}

const lockSchema = z.strictObject({ pid: z.int().min(1), host: z.string().min(1), startedAt: z.iso.datetime() });

/**
 * What a lock file says; `gone` when it vanished meanwhile, `unreadable` when
 * it is not a lock this code wrote. Locks are written whole (`createWhole`),
 * so an unreadable one is what a power cut left of a lock whose data never
 * reached the disk, or was not written by a run of Smart: no live run holds
 * it, and it is taken over as stale.
 */
function readHolder(file: string): LockHolder | 'gone' | 'unreadable' {
  try {
    return readJsonFile(file, lockSchema, 'a Smart run lock');
  } catch (error) {
    if (error instanceof StateFileError) return 'unreadable';
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
}

/** Whether the holder may still be running: on another host we cannot tell, so it is taken to be. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true;
  try {
    // Signal 0 checks that the process exists without touching it.
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock, unless it changed since it was read (another process
 * took it over first). A small window remains between this check and the
 * removal; two runs would have to find the same stale lock within it.
 */
function removeIfUnchanged(file: string, seen: LockHolder | 'unreadable'): void {
  const now = readHolder(file);
  if (now === 'gone') return;
  if (seen !== 'unreadable' && (now === 'unreadable' || now.pid !== seen.pid || now.startedAt !== seen.startedAt)) return;
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
