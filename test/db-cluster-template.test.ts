/**
 * A new embedded database starts from the machine's template of a fresh cluster instead of
 * running initdb (src/db/pglite-cluster-template.mjs): the template is written by the first new
 * home, a broken one is replaced rather than trusted, and a home made from it is a whole,
 * migrated database. Real PGlite through openDatabase.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/index.js';
import { tempHome } from './helpers.js';

const { home: scratch, cleanup } = tempHome('athanor-template-');
const before = process.env.ATHANOR_CACHE_DIR;
afterAll(() => {
  if (before === undefined) delete process.env.ATHANOR_CACHE_DIR;
  else process.env.ATHANOR_CACHE_DIR = before;
  cleanup();
});

const version = (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;

describe('the cluster template of new embedded databases', () => {
  it('replaces a broken template with a fresh cluster, and a home made from it is whole and migrated', async () => {
    const cache = join(scratch, 'cache');
    process.env.ATHANOR_CACHE_DIR = cache;
    mkdirSync(cache, { recursive: true });
    const template = join(cache, `pglite-${version}-cluster.tar.gz`);
    writeFileSync(template, 'not a tar file');

    const first = await openDatabase({ home: join(scratch, 'first') });
    await first.db.execute(sql`select count(*) from campaigns`);
    await first.close();
    const bytes = readFileSync(template);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]); // gzip, no longer the broken text
    expect(bytes.length).toBeGreaterThan(1_000_000);

    const second = await openDatabase({ home: join(scratch, 'second') });
    try {
      const tables = (await second.db.execute(sql`select count(*)::int as n from information_schema.tables where table_schema = 'public'`)) as unknown as { rows: { n: number }[] };
      const firstTables = await openDatabase({ home: join(scratch, 'first') }).then(async (db) => {
        try {
          return ((await db.db.execute(sql`select count(*)::int as n from information_schema.tables where table_schema = 'public'`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
        } finally {
          await db.close();
        }
      });
      expect(tables.rows[0]!.n).toBe(firstTables);
      expect(firstTables).toBeGreaterThan(5);
      await second.db.execute(sql`create table template_probe (n int primary key)`);
    } finally {
      await second.close();
    }
    // the template itself is untouched by what the homes made from it do
    const third = await openDatabase({ home: join(scratch, 'third') });
    try {
      const probe = (await third.db.execute(sql`select count(*)::int as n from information_schema.tables where table_name = 'template_probe'`)) as unknown as { rows: { n: number }[] };
      expect(probe.rows[0]!.n).toBe(0);
    } finally {
      await third.close();
    }
    expect(existsSync(join(scratch, 'second'))).toBe(true);
  }, 120_000);
});
