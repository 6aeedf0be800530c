/**
 * An append-only JSON-lines journal: the simulated robot's own memory of what it accepted, finished
 * and delivered, so that it behaves like a real lab across restarts of Athanor (it remembers an
 * experiment it already ran and redelivers results nobody acknowledged).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeFilePrivate, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../util/private-files.js';

export class Journal<Entry extends object> {
  constructor(private readonly path: string | undefined) {
    if (!path) return;
    // What a lab ran is campaign data: private to the user (folders it creates 0700, the file 0600).
    mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
    makeFilePrivate(path);
    // End a torn last line, or the next entry would be glued onto it and lost with it.
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (text !== '' && !text.endsWith('\n')) appendFileSync(path, '\n', { mode: PRIVATE_FILE_MODE });
  }

  /** Every complete entry; a torn last line (the process died mid-write) is ignored. */
  read(): Entry[] {
    if (!this.path || !existsSync(this.path)) return [];
    const entries: Entry[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        entries.push(JSON.parse(line) as Entry);
      } catch {
        // a line torn by a crash mid-write; the constructor ends it so later entries stay whole
      }
    }
    return entries;
  }

  /** Synchronous on purpose: the entry is on disk before the caller acts on it. */
  append(entry: Entry): void {
    if (this.path) appendFileSync(this.path, `${JSON.stringify(entry)}\n`, { mode: PRIVATE_FILE_MODE });
  }
}
