/**
 * Noticing that a file changed between two reading passes, or during one. A
 * run reads its input several times (a validation pass, then the engine's
 * passes), and each pass must see the same lines in the same places: a line
 * inserted while the run is going would shift every item after it.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { InputChangedError } from './inputError';

/** A file as one complete reading pass saw it. */
export interface FileFingerprint {
  /** Size in bytes and modification time when the pass opened it. */
  readonly size: number;
  readonly mtimeMs: number;
  /** SHA-256 of every byte the pass read. */
  readonly sha256: string;
}

type Seen = Pick<Stats, 'size' | 'mtimeMs'>;

/**
 * Follows one reading pass of `file`: it hashes what is read and throws an
 * {@link InputChangedError} as soon as the file is found to differ from what
 * the pass opened or from `expected` (what an earlier pass saw).
 */
export class PassWatch {
  private readonly hash: Hash = createHash('sha256');
  private bytesRead = 0;

  /** @throws InputChangedError when the file opened is not the one `expected` describes. */
  constructor(
    private readonly file: string,
    private readonly opened: Seen,
    private readonly expected?: FileFingerprint,
  ) {
    if (expected) this.compare(expected, opened);
  }

  /** Takes in the next bytes read. */
  read(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    if (this.expected && this.bytesRead > this.expected.size) {
      throw new InputChangedError(this.file, `it grew past the ${this.expected.size} bytes it had`);
    }
    this.hash.update(chunk);
  }

  /** The pass read the whole file: it must still be as it was opened, and hold what `expected` held. */
  async end(): Promise<FileFingerprint> {
    await this.checkUnchanged();
    const seen: FileFingerprint = { size: this.opened.size, mtimeMs: this.opened.mtimeMs, sha256: this.hash.digest('hex') };
    if (this.bytesRead !== this.opened.size) throw new InputChangedError(this.file, `${this.bytesRead} bytes were read of the ${this.opened.size} it had`);
    if (this.expected && seen.sha256 !== this.expected.sha256) throw new InputChangedError(this.file, 'same size, other contents');
    return seen;
  }

  /** The pass stopped before the end: the file must still be as it was opened. */
  checkUnchanged(): Promise<void> {
    return stat(this.file).then(
      (now) => this.compare(this.opened, now),
      (error: NodeJS.ErrnoException) => {
        throw new InputChangedError(this.file, error.code === 'ENOENT' ? 'it was deleted' : `it can no longer be read (${error.message})`);
      },
    );
  }

  private compare(before: Seen, now: Seen): void {
    if (now.size !== before.size) throw new InputChangedError(this.file, `${before.size} bytes, now ${now.size}`);
    if (now.mtimeMs !== before.mtimeMs) {
      throw new InputChangedError(this.file, `modified at ${new Date(before.mtimeMs).toISOString()}, then at ${new Date(now.mtimeMs).toISOString()}`);
    }
  }
}
