// A new embedded database starts from a copy of a freshly initialised cluster instead of running
// initdb again: initdb is most of the cost of a new home (4.5 s against 1.3 s measured here), and
// every `athanor run --home NEW`, every test and every demo pays it. The first fresh cluster on a
// machine is dumped (PGlite's dumpDataDir, a gzipped tar, 4.5 MB) into the user's cache folder,
// keyed by the PGlite version; later new homes load it (PGlite's loadDataDir). A missing,
// unreadable or broken template only means initdb runs as before.
//
// Plain JavaScript: it runs in the database's worker thread (see pglite-worker.mjs).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/** ATHANOR_CACHE_DIR, else $XDG_CACHE_HOME/athanor, else ~/.cache/athanor. */
export function cacheDir(env = process.env) {
  return env.ATHANOR_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'athanor');
}

function pgliteVersion() {
  // the package's entry point is dist/index.js; its package.json is one folder up
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  return JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')).version;
}

function templatePath() {
  return join(cacheDir(), `pglite-${pgliteVersion()}-cluster.tar.gz`);
}

function isFresh(dataDir) {
  return !existsSync(dataDir) || readdirSync(dataDir).length === 0;
}

/** Opens (or creates) the cluster in dataDir, a new one from the machine's template when there is one. */
export async function openCluster(dataDir) {
  if (!isFresh(dataDir) || process.env.ATHANOR_CLUSTER_TEMPLATE === '0') return PGlite.create(dataDir);
  let path;
  try {
    path = templatePath();
  } catch {
    return PGlite.create(dataDir);
  }
  if (existsSync(path)) {
    try {
      return await PGlite.create(dataDir, { loadDataDir: new Blob([readFileSync(path)]) });
    } catch {
      // a broken template (a cut-off write, another version's layout): forget it, initdb as before
      rmSync(path, { force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const database = await PGlite.create(dataDir);
  try {
    const dump = await database.dumpDataDir('gzip');
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // written whole under another name, then renamed: a concurrent reader never sees half of it
    const partial = `${path}.${process.pid}.${Date.now()}.part`;
    writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()), { mode: 0o600 });
    renameSync(partial, path);
  } catch {
    // no cache folder to write to: the next new home runs initdb too
  }
  return database;
}
