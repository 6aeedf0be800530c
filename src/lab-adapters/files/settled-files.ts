/**
 * Finds files in a folder that are complete: never dot-files or *.tmp / *.part / *~ (the names
 * writers use while writing), and only once their size and modification time have not changed for
 * `settleMs` — a file still being written keeps changing. Polling rather than fs.watch: watch
 * events are unreliable on the network shares labs use, and the stability check needs polling anyway.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const IN_PROGRESS = /^\.|\.(tmp|part|partial|crdownload)$|~$/i;

interface Seen {
  size: number;
  mtimeMs: number;
  since: number;
}

export class SettledFiles {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly folder: string,
    private readonly settleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Names of files that have settled, oldest first; call again after handling them. */
  scan(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.folder);
    } catch {
      return [];
    }
    const now = this.now();
    const settled: { name: string; mtimeMs: number }[] = [];
    const present = new Set<string>();
    for (const name of names) {
      if (IN_PROGRESS.test(name)) continue;
      let stat;
      try {
        stat = statSync(join(this.folder, name));
      } catch {
        continue; // moved away between readdir and stat
      }
      if (!stat.isFile()) continue;
      present.add(name);
      const before = this.seen.get(name);
      if (!before || before.size !== stat.size || before.mtimeMs !== stat.mtimeMs) {
        this.seen.set(name, { size: stat.size, mtimeMs: stat.mtimeMs, since: now });
        if (this.settleMs > 0) continue;
      }
      const since = this.seen.get(name)?.since ?? now;
      if (now - since >= this.settleMs) settled.push({ name, mtimeMs: stat.mtimeMs });
    }
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
    return settled.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name)).map((s) => s.name);
  }

  /** Forget a file (handled and moved away), so a new file of the same name starts afresh. */
  forget(name: string): void {
    this.seen.delete(name);
  }
}
