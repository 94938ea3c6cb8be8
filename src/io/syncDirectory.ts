import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

// Making a folder's entries durable (a file created or renamed in it) takes
// an fsync of the folder itself on POSIX. Folders cannot be opened this way
// on Windows, where NTFS journals its entries anyway: both are best effort.

/** Makes the entries of `directory` (a file just created or renamed there) durable. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Best effort: the file is already in place.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** As `syncDirectory`, synchronously: for a file opened in a constructor. */
export function syncDirectorySync(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort, as above.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
