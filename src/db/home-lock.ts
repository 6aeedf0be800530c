/**
 * An exclusive lock on the embedded database folder: PGlite is single-process, and two processes
 * writing one data folder would corrupt it.
 *
 * Hand-written rather than proper-lockfile: that library judges staleness by mtime, so after a
 * `kill -9` a restart would have to wait for the lock to age. Here the lock holds the owner's pid,
 * and a lock whose process is gone is taken over at once (same machine only, which is all PGlite
 * supports anyway).
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class HomeLockedError extends Error {
  constructor(readonly home: string, readonly pid: number) {
    super(
      `the Athanor home ${home} is in use by another process (pid ${pid}); ` +
        'stop it, or use another --home, or set DATABASE_URL to share a PostgreSQL server between processes',
    );
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireHomeLock(home: string): () => void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const lockPath = join(home, 'athanor.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isFinite(owner) && processAlive(owner)) {
        throw new HomeLockedError(home, owner);
      }
      rmSync(lockPath, { force: true }); // the owner died without releasing it
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}
