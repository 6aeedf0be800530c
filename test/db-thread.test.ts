/**
 * The embedded database runs in a thread of its own (src/db/pglite-thread.ts): while PGlite works,
 * the caller's event loop is free, transactions stay serialised (a statement sent from outside
 * waits for the transaction and then sees all of it), and PostgreSQL's error fields survive the
 * crossing. Real PGlite, through openDatabase and drizzle, as the service uses it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase, type Database } from '../src/db/index.js';
import { ROOT, tempHome } from './helpers.js';
import { freePort } from './service-harness.js';

type Rows<T> = { rows: T[] };

describe('embedded database thread', () => {
  const { home, cleanup } = tempHome();
  let database: Database;
  let closed = false;
  beforeAll(async () => {
    database = await openDatabase({ home });
    await database.db.execute(sql`create table if not exists thread_probe (n int primary key)`);
  }, 300_000); // a fresh PGlite runs every migration: minutes on a busy machine
  afterAll(async () => {
    if (!closed) await database?.close();
    cleanup();
  });

  it('leaves the event loop idle while a long statement runs', async () => {
    // Event-loop utilisation counts only the time this thread spends running callbacks, not time it
    // is descheduled by a busy machine: with PGlite on this thread the statement's whole duration
    // is loop time (utilisation ≈ 1); off it, the loop waits in the poll phase (≈ 0).
    const before = performance.eventLoopUtilization();
    const result = (await database.db.execute(sql`select count(*)::int as n from generate_series(1, 2000000)`)) as unknown as Rows<{ n: number }>;
    const loop = performance.eventLoopUtilization(before);
    expect(result.rows[0]?.n).toBe(2_000_000);
    expect(loop.utilization).toBeLessThan(0.5);
  });

  it('holds other statements until a transaction ends, and they then see all of it', async () => {
    let outside: Promise<Rows<{ n: number }>> | undefined;
    let outsideSettled = false;
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into thread_probe values (1)`);
      outside = database.db.execute(sql`select count(*)::int as n from thread_probe`) as unknown as Promise<Rows<{ n: number }>>;
      void outside.finally(() => (outsideSettled = true));
      // The transaction goes on while the outside statement waits for it (no deadlock) …
      await tx.execute(sql`insert into thread_probe values (2)`);
      await tx.execute(sql`select pg_sleep(0)`);
      // … which cannot have run in between: it would have counted 1 row, or none.
      expect(outsideSettled).toBe(false);
    });
    expect((await outside!).rows[0]?.n).toBe(2);
  });

  it('rolls back a transaction whose body throws, savepoints included, and keeps the error fields', async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`insert into thread_probe values (10)`);
        throw new Error('the body failed');
      }),
    ).rejects.toThrow('the body failed');
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into thread_probe values (11)`);
      await tx.transaction(async (nested) => {
        await nested.execute(sql`insert into thread_probe values (12)`);
        nested.rollback();
      }).catch(() => undefined);
    });
    const rows = (await database.db.execute(sql`select n from thread_probe where n >= 10 order by n`)) as unknown as Rows<{ n: number }>;
    expect(rows.rows.map((r) => r.n)).toEqual([11]);

    const duplicate = await database.db.execute(sql`insert into thread_probe values (11)`).catch((error: unknown) => error);
    const cause = (duplicate as { cause?: Record<string, unknown> }).cause;
    expect(cause).toMatchObject({ code: '23505', constraint: 'thread_probe_pkey' });
    expect(String(cause?.message)).toContain('duplicate key');
  });

  it('ending under a running service: logged as fatal, the service exits with code 5 rather than run on without a database', async () => {
    // The last test here: it hands this file's database (migrated once, which is what takes time on
    // a fresh home) to a service.
    await database.close();
    closed = true;
    const port = await freePort();
    const service = spawn(
      process.execPath,
      ['--import', pathToFileURL(join(ROOT, 'test', 'fixtures', 'end-db-thread.mjs')).href, join(ROOT, 'bin', 'athanor.js'), 'serve', '--port', String(port), '--home', home],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '', ATHANOR_TRAINING_WORKERS: '0' } },
    );
    let output = '';
    service.stdout.on('data', (d: Buffer) => (output += d.toString()));
    service.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => service.once('close', (code) => resolve(code)));
    onTestFinished(() => {
      if (service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => output.includes('Athanor is running at') && (clearInterval(timer), resolve()), 50);
      void exited.then((code) => (clearInterval(timer), reject(new Error(`serve exited (${code}) before it listened:\n${output.slice(-3000)}`))));
    });
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);

    service.kill('SIGUSR2'); // the fixture ends the database thread, nothing else
    expect(await exited).toBe(5);
    const fatal = output.split('\n').filter((line) => line.includes('"level":60')).map((line) => JSON.parse(line) as { msg: string; err?: { message: string } });
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.msg).toContain('the database is gone');
    expect(fatal[0]!.err?.message).toContain('the embedded database thread exited');

    // The data is whole: the next start opens it (the dead process's lock is taken over).
    const reopened = await openDatabase({ home });
    try {
      // the first operator token serve created (besides its local-cli token, which the next start replaces)
      const tokens = (await reopened.db.execute(sql`select count(*)::int as n from api_tokens where name <> 'local-cli'`)) as unknown as Rows<{ n: number }>;
      expect(tokens.rows[0]?.n).toBe(1);
      expect(((await reopened.db.execute(sql`select count(*)::int as n from thread_probe`)) as unknown as Rows<{ n: number }>).rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await reopened.close();
    }
  }, 300_000);
});

describe('embedded database thread under kill -9', () => {
  const { home, cleanup } = tempHome();
  afterAll(cleanup);

  it('keeps every transaction whose commit was answered, and no half of one', async () => {
    const writer = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'db-thread-writer.ts'), home], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    writer.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    // 'close', not 'exit': every line the writer printed has been read by then.
    const exited = new Promise<NodeJS.Signals | null>((resolve) => writer.once('close', (_code, signal) => resolve(signal)));
    // Killed mid-stream: after 30 answered commits, while it goes on writing.
    await new Promise<void>((resolve, reject) => {
      writer.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        if ((output.match(/committed \d+\n/g) ?? []).length >= 30) resolve();
      });
      void exited.then(() => reject(new Error(`the writer ended before it was killed:\n${errors.slice(-3000)}`)));
    });
    writer.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const answered = Math.max(...[...output.matchAll(/committed (\d+)\n/g)].map((m) => Number(m[1])));

    const reopened = await openDatabase({ home }); // the dead writer's lock is taken over
    try {
      const rows = (await reopened.db.execute(sql`select n, count(*)::int as parts from crash_probe group by n order by n`)) as unknown as Rows<{ n: number; parts: number }>;
      const numbers = rows.rows.map((r) => r.n);
      for (let n = 1; n <= answered; n++) expect(numbers).toContain(n);
      expect(rows.rows.filter((r) => r.parts !== 2)).toEqual([]);
      expect(Math.max(...numbers)).toBeLessThanOrEqual(answered + 1); // at most the commit it was answering
    } finally {
      await reopened.close();
    }
  }, 300_000);
});
