/**
 * Screening jobs in the database (src/db/repositories/screening-jobs.ts): the oldest waiting job is
 * claimed first, a running one only once its runner has gone quiet, progress and the end are
 * written only by the runner that holds the job, a cancelled job stays cancelled; and of many
 * processes racing for one job on PostgreSQL exactly one gets it (PGlite, and PostgreSQL when a
 * server answers; skipped with a message otherwise unless ATHANOR_REQUIRE_POSTGRES is set).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createNewCampaign } from '../src/agent/index.js';
import { loadCampaignFile } from '../src/campaign/index.js';
import {
  cancelScreeningJob,
  claimScreeningJob,
  finishScreeningJob,
  getScreeningJob,
  insertScreeningJob,
  openDatabase,
  recordScreeningProgress,
  type Database,
  type Db,
} from '../src/db/index.js';
import { EXAMPLES, postgresAvailable, tempHome, withPostgresProcesses } from './helpers.js';

const { home, cleanup } = tempHome('athanor-screening-claims-');
afterAll(cleanup);

async function newCampaign(db: Db): Promise<string> {
  const { spec, source } = await loadCampaignFile(join(EXAMPLES, 'direct-arylation.yaml'));
  return (await createNewCampaign(db, spec, source, 'test')).id;
}

const newJob = (db: Db, campaignId: string) =>
  insertScreeningJob(db, { id: randomUUID(), campaignId, libraryName: 'c.smi', format: 'smi', libraryBytes: 10, settings: { role: 'base', top: 5, rank: 'mean' }, actor: 'test' });

async function claimContract(database: Database): Promise<void> {
  const db = database.db;
  const campaign = await newCampaign(db);
  const older = await newJob(db, campaign);
  await db.execute(sql.raw(`update screening_jobs set created_at = now() - interval '1 minute' where id = '${older.id}'`));
  const newer = await newJob(db, campaign);

  // oldest first; each once
  const first = await claimScreeningJob(db, 'p1', 60_000);
  expect(first).toMatchObject({ id: older.id, status: 'running', runner: 'p1' });
  expect((await claimScreeningJob(db, 'p2', 60_000))?.id).toBe(newer.id);
  expect(await claimScreeningJob(db, 'p3', 60_000)).toBeUndefined();

  // only the holder writes progress and the end
  expect(await recordScreeningProgress(db, older.id, 'p2', { read: 1 })).toBe(false);
  expect(await recordScreeningProgress(db, older.id, 'p1', { read: 7 })).toBe(true);
  expect((await getScreeningJob(db, campaign, older.id))?.progress).toEqual({ read: 7 });

  // a runner gone quiet: its job is taken over, progress started afresh, and the old runner is told
  await db.execute(sql.raw(`update screening_jobs set heartbeat_at = now() - interval '10 minutes' where id = '${older.id}'`));
  const taken = await claimScreeningJob(db, 'p3', 60_000);
  expect(taken).toMatchObject({ id: older.id, runner: 'p3', progress: null });
  expect(await recordScreeningProgress(db, older.id, 'p1', { read: 9 })).toBe(false);
  expect(await finishScreeningJob(db, older.id, 'p1', { status: 'failed', error: { code: 'x', message: 'late' } })).toBe(false);
  expect(await finishScreeningJob(db, older.id, 'p3', { status: 'done', result: { ranked: [] }, progress: { read: 9 } })).toBe(true);
  expect(await getScreeningJob(db, campaign, older.id)).toMatchObject({ status: 'done', progress: { read: 9 } });

  // cancelled: the runner's later writes are refused, and an ended job is not cancelled again
  const cancelled = await cancelScreeningJob(db, campaign, newer.id, 'olivia');
  expect(cancelled).toMatchObject({ status: 'cancelled', error: { code: 'cancelled', message: 'cancelled by olivia' } });
  expect(await recordScreeningProgress(db, newer.id, 'p2', { read: 3 })).toBe(false);
  expect(await finishScreeningJob(db, newer.id, 'p2', { status: 'done', result: {}, progress: {} })).toBe(false);
  expect((await cancelScreeningJob(db, campaign, older.id, 'olivia'))?.status).toBe('done');
  // a job of another campaign is not found through this one
  expect(await getScreeningJob(db, await newCampaign(db), older.id)).toBeUndefined();
}

describe('screening job claims (PGlite)', () => {
  it('oldest first, each once; a quiet runner’s job taken over; only the holder writes; cancelled stays cancelled', async () => {
    const database = await openDatabase({ home: join(home, 'contract') });
    try {
      await claimContract(database);
    } finally {
      await database.close();
    }
  });
});

const hasPostgres = await postgresAvailable();

describe.skipIf(!hasPostgres)('screening job claims (PostgreSQL)', () => {
  it('keep the same contract, and of many processes racing for one job exactly one gets it', async () => {
    await withPostgresProcesses(4, async (databases) => {
      const [first] = databases;
      await claimContract(first);
      const campaign = await newCampaign(first.db);
      for (let round = 0; round < 5; round++) {
        const job = await newJob(first.db, campaign);
        const claims = await Promise.all(databases.flatMap((d, i) => Array.from({ length: 3 }, (_, j) => claimScreeningJob(d.db, `racer-${i}-${j}`, 60_000))));
        expect(claims.filter(Boolean).map((c) => c!.id)).toEqual([job.id]);
      }
    });
  });
});
