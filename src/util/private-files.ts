/**
 * Files at rest private to the user running Athanor: folders 0700, files 0600. The embedded
 * database, lab journals and the home lock hold campaign data (and the database token hashes),
 * which nobody else on the machine should read or change.
 *
 * PGlite's file system layer (Emscripten's NODEFS) chmods the files it creates to 0666 whatever
 * the umask, so a umask alone cannot keep them private: the folders holding them are made 0700
 * (nothing inside is reachable by others then), and the files are tightened when the database
 * opens and closes.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the folder (and missing parents) 0700, and makes an existing one 0700. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  if ((lstatSync(path).mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(path, PRIVATE_DIR_MODE);
}

/** Makes an existing file 0600 (nothing when it does not exist). */
export function makeFilePrivate(path: string): void {
  try {
    if ((lstatSync(path).mode & 0o777) !== PRIVATE_FILE_MODE) chmodSync(path, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Every folder under `root` (itself included) 0700 and every file 0600; symbolic links are left
 * alone (chmod would follow them out of the tree). Iterative, so a deep tree cannot exhaust the stack.
 */
export function makeTreePrivate(root: string): void {
  const pending = [root];
  while (pending.length > 0) {
    const path = pending.pop()!;
    let stat;
    try {
      stat = lstatSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile (a WAL segment recycled)
      throw error;
    }
    if (stat.isSymbolicLink()) continue;
    const mode = stat.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
    if ((stat.mode & 0o777) !== mode) chmodSync(path, mode);
    if (stat.isDirectory()) for (const name of readdirSync(path)) pending.push(join(path, name));
  }
}
