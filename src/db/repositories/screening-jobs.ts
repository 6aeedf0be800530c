/**
 * Screening jobs (docs/screening.md, "Large libraries"): a library uploaded to the service and
 * scored in the background. Claims and heartbeats are single conditional UPDATE … RETURNING
 * statements, as the campaign leases are (leases.ts): PostgreSQL's row lock settles two processes
 * reaching for one job. Times come from the database clock.
 */
import { and, desc, eq, getTableColumns, inArray, lte, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { screeningJobs, type ScreeningJobStatus } from '../schema.js';

export type ScreeningJobRow = typeof screeningJobs.$inferSelect;
export type NewScreeningJob = Pick<ScreeningJobRow, 'id' | 'campaignId' | 'libraryName' | 'format' | 'libraryBytes' | 'settings' | 'actor'>;

export const ENDED_SCREENING_STATUSES: readonly ScreeningJobStatus[] = ['done', 'failed', 'cancelled'];

export async function insertScreeningJob(db: DbOrTx, job: NewScreeningJob): Promise<ScreeningJobRow> {
  const [row] = await db.insert(screeningJobs).values({ ...job, status: 'queued' }).returning();
  return row!;
}

export async function getScreeningJob(db: DbOrTx, campaignId: string, id: string): Promise<ScreeningJobRow | undefined> {
  const [row] = await db.select().from(screeningJobs).where(and(eq(screeningJobs.id, id), eq(screeningJobs.campaignId, campaignId)));
  return row;
}

/** A campaign's jobs, newest first, without their reports (a list never needs them). */
export async function listScreeningJobs(db: DbOrTx, campaignId: string, limit = 50): Promise<Omit<ScreeningJobRow, 'result'>[]> {
  const { result: _report, ...columns } = getTableColumns(screeningJobs);
  return db.select(columns).from(screeningJobs).where(eq(screeningJobs.campaignId, campaignId)).orderBy(desc(screeningJobs.createdAt)).limit(limit);
}

/**
 * Takes the oldest job that waits, or one whose runner has not been heard of for `staleMs` (its
 * process stopped): it is screened again from its file. Undefined when there is none.
 */
export async function claimScreeningJob(db: DbOrTx, runner: string, staleMs: number): Promise<ScreeningJobRow | undefined> {
  const stale = sql`now() - make_interval(secs => ${staleMs / 1000}::double precision)`;
  const next = db
    .select({ id: screeningJobs.id })
    .from(screeningJobs)
    .where(or(eq(screeningJobs.status, 'queued'), and(eq(screeningJobs.status, 'running'), lte(screeningJobs.heartbeatAt, stale))))
    .orderBy(screeningJobs.createdAt)
    .limit(1)
    .for('update', { skipLocked: true });
  const [row] = await db
    .update(screeningJobs)
    .set({ status: 'running', runner, heartbeatAt: sql`now()`, startedAt: sql`coalesce(${screeningJobs.startedAt}, now())`, progress: null })
    // `= (scalar subquery)`: evaluated once. `IN (subquery … LIMIT 1)` may be run again for each
    // row PostgreSQL visits, and then claims every waiting job at once (seen in the claims test).
    .where(and(eq(screeningJobs.id, sql`(${next})`), or(eq(screeningJobs.status, 'queued'), and(eq(screeningJobs.status, 'running'), lte(screeningJobs.heartbeatAt, stale)))))
    .returning();
  return row;
}

/** Progress of a running job, from its runner; false when the job is no longer its to run (cancelled, taken over). */
export async function recordScreeningProgress(db: DbOrTx, id: string, runner: string, progress: Record<string, number>): Promise<boolean> {
  const rows = await db
    .update(screeningJobs)
    .set({ progress, heartbeatAt: sql`now()` })
    .where(and(eq(screeningJobs.id, id), eq(screeningJobs.runner, runner), eq(screeningJobs.status, 'running')))
    .returning({ id: screeningJobs.id });
  return rows.length > 0;
}

/** The end of a job its runner holds: its report, or why it failed. False when it was cancelled meanwhile. */
export async function finishScreeningJob(
  db: DbOrTx,
  id: string,
  runner: string,
  end: { status: 'done'; result: Record<string, unknown>; progress: Record<string, number> } | { status: 'failed'; error: NonNullable<ScreeningJobRow['error']> },
): Promise<boolean> {
  const rows = await db
    .update(screeningJobs)
    .set({ ...end, finishedAt: sql`now()`, heartbeatAt: sql`now()` })
    .where(and(eq(screeningJobs.id, id), eq(screeningJobs.runner, runner), eq(screeningJobs.status, 'running')))
    .returning({ id: screeningJobs.id });
  return rows.length > 0;
}

/** Cancels a job that has not ended; the ended one is returned unchanged. */
export async function cancelScreeningJob(db: DbOrTx, campaignId: string, id: string, actor: string): Promise<ScreeningJobRow | undefined> {
  const [row] = await db
    .update(screeningJobs)
    .set({ status: 'cancelled', finishedAt: sql`now()`, error: { code: 'cancelled', message: `cancelled by ${actor}` } })
    .where(and(eq(screeningJobs.id, id), eq(screeningJobs.campaignId, campaignId), inArray(screeningJobs.status, ['queued', 'running'])))
    .returning();
  return row ?? getScreeningJob(db, campaignId, id);
}
