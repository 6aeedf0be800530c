/**
 * Opens the database: embedded PGlite in `<home>/db` by default, PostgreSQL when a URL is given.
 * Both run the same SQL migrations from `migrations/` before anything else touches them. PGlite
 * runs in a worker thread (pglite-thread.ts), so its statements never hold the caller's event loop.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema.js';
import { acquireHomeLock } from './home-lock.js';
import { ensurePrivateDir, makeTreePrivate } from '../util/private-files.js';
import { PgliteThread } from './pglite-thread.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  /** 'pglite' (embedded) or 'postgres'. */
  kind: 'pglite' | 'postgres';
  /** Where the data lives, for messages: a folder or a URL without its password. */
  location: string;
  close(): Promise<void>;
  /**
   * Calls `listener` if the database is gone for good while the process runs: the embedded
   * database's thread ended without close(). Never on PostgreSQL, whose pool replaces a broken
   * connection by itself (a server that is down fails each statement with its own error).
   */
  onLost(listener: (reason: Error) => void): void;
}

export interface OpenOptions {
  /** Athanor home folder; the embedded database lives in `<home>/db`. */
  home?: string;
  /** A PostgreSQL URL; overrides the embedded database. */
  databaseUrl?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

export const DEFAULT_HOME = '.athanor';

export function resolveHome(home?: string): string {
  return resolve(home ?? process.env.ATHANOR_HOME ?? DEFAULT_HOME);
}

/** `migrations/` ships beside `src/` in the package, wherever the process was started from. */
export function migrationsFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const folder = resolve(here, '..', '..', 'migrations');
  if (!existsSync(join(folder, 'meta', '_journal.json'))) {
    throw new Error(`migrations folder not found at ${folder}`);
  }
  return folder;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgresql://(unparseable URL)';
  }
}

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL;
  const shouldMigrate = options.migrate ?? true;
  if (databaseUrl) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
    // An idle connection the server closed (a restart, a terminated backend) is reported here; the
    // pool drops it and connects again when next needed. Unheard, the error would end the process.
    pool.on('error', () => undefined);
    try {
      const db = drizzlePg({ client: pool, schema });
      if (shouldMigrate) await migratePg(db, { migrationsFolder: migrationsFolder() });
      return {
        db: db as unknown as Db,
        kind: 'postgres',
        location: redactUrl(databaseUrl),
        close: () => pool.end(),
        onLost: () => undefined,
      };
    } catch (error) {
      await pool.end();
      throw new Error(`cannot open PostgreSQL at ${redactUrl(databaseUrl)}: ${(error as Error).message}`, { cause: error });
    }
  }

  const home = resolveHome(options.home);
  // The home and the database are the user's alone (src/util/private-files.ts says why both the
  // folders and the files are set, at open and at close).
  ensurePrivateDir(home);
  const release = acquireHomeLock(home);
  const dataDir = join(home, 'db');
  try {
    ensurePrivateDir(dataDir);
    makeTreePrivate(dataDir);
    // PGlite runs its statements in a thread of its own, off the service's event loop
    // (pglite-thread.ts says why, and why this rather than a socket or drizzle's pg-proxy). The
    // client offers what drizzle's PGlite driver calls (query, transaction), hence the cast.
    const client = await PgliteThread.open(dataDir);
    let db;
    try {
      db = drizzlePglite({ client: client as unknown as PGlite, schema });
      if (shouldMigrate) await migratePglite(db, { migrationsFolder: migrationsFolder() });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    makeTreePrivate(dataDir);
    return {
      db: db as unknown as Db,
      kind: 'pglite',
      location: dataDir,
      onLost: (listener) => client.onLost(listener),
      close: async () => {
        try {
          await client.close();
          makeTreePrivate(dataDir);
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
