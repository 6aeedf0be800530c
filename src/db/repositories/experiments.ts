import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { campaigns, events, experiments, results, type ExperimentStatus, type ProposalInfo } from '../schema.js';
import { appendEvent } from './events.js';

export type ExperimentRow = typeof experiments.$inferSelect;

export const IN_FLIGHT: ExperimentStatus[] = ['dispatched', 'running'];

export type StatusCounts = Record<ExperimentStatus, number>;

export async function countByStatus(db: DbOrTx, campaignId: string): Promise<StatusCounts> {
  const rows = await db
    .select({ status: experiments.status, n: sql<number>`count(*)::int` })
    .from(experiments)
    .where(eq(experiments.campaignId, campaignId))
    .groupBy(experiments.status);
  const counts: StatusCounts = { planned: 0, dispatched: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

export async function listExperiments(db: DbOrTx, campaignId: string, statuses?: ExperimentStatus[]): Promise<ExperimentRow[]> {
  const where = statuses
    ? and(eq(experiments.campaignId, campaignId), inArray(experiments.status, statuses))
    : eq(experiments.campaignId, campaignId);
  return db.select().from(experiments).where(where).orderBy(asc(experiments.seq));
}

export interface PlannedExperiment {
  id: string;
  candidateKey: string;
  parameters: Record<string, string | number>;
  substances: Record<string, string>;
  proposal: ProposalInfo;
}

/**
 * Inserts one planned batch with the seq numbers that follow the campaign's last, and its event —
 * no more of it than the campaign's budget still allows (empty when none).
 */
export async function insertPlannedBatch(
  db: DbOrTx,
  campaignId: string,
  planned: PlannedExperiment[],
  diagnostics: Record<string, unknown> = {},
): Promise<ExperimentRow[]> {
  return db.transaction(async (tx) => {
    // The campaign's row, locked: a budget change waits for this batch or this batch for it, and
    // the batch is cut to the budget as it is now — an operator cutting the budget while the
    // planner works never ends up with more experiments than the budget.
    const [campaign] = await tx.select({ budget: campaigns.budget }).from(campaigns).where(eq(campaigns.id, campaignId)).for('update');
    const [last] = await tx
      .select({
        seq: sql<number>`coalesce(max(${experiments.seq}), 0)::int`,
        batch: sql<number>`coalesce(max(${experiments.batch}), 0)::int`,
        used: sql<number>`(count(*) filter (where ${experiments.status} <> 'cancelled'))::int`,
      })
      .from(experiments)
      .where(eq(experiments.campaignId, campaignId));
    const room = campaign ? Math.max(0, campaign.budget - Number(last?.used ?? 0)) : planned.length;
    const kept = planned.slice(0, room);
    if (kept.length === 0) return [];
    const seq0 = Number(last?.seq ?? 0);
    const batch = Number(last?.batch ?? 0) + 1;
    const rows = await tx
      .insert(experiments)
      .values(kept.map((p, i) => ({ ...p, campaignId, seq: seq0 + i + 1, batch, status: 'planned' as const })))
      .returning();
    await appendEvent(tx, {
      campaignId,
      type: 'batch.planned',
      actor: 'planner',
      payload: { batch, ...diagnostics, experiments: rows.map((r) => ({ id: r.id, seq: r.seq, candidate: r.candidateKey, reason: r.proposal.reason })) },
    });
    return rows;
  });
}

/** Recorded before the lab is called (the database is the truth): a crash after it leads to a re-attach, not a loss. */
export async function markDispatching(db: DbOrTx, id: string): Promise<void> {
  await db
    .update(experiments)
    .set({
      status: sql`case when ${experiments.status} = 'planned' then 'dispatched' else ${experiments.status} end`,
      dispatchCount: sql`${experiments.dispatchCount} + 1`,
      dispatchedAt: sql`coalesce(${experiments.dispatchedAt}, now())`,
    })
    .where(eq(experiments.id, id));
}

/**
 * A lab fault (unreachable, busy, timed out, credentials refused) stopped its dispatch: the
 * experiment goes back to `planned` — held, not failed, no budget lost — and is sent again (same
 * id: the lab runs it once) when the lab is healthy. Only an experiment still `dispatched` is held;
 * one whose result came meanwhile stays as it is. True when it was held.
 */
export async function markHeld(db: DbOrTx, id: string, reason: string, actor: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const held = await tx
      .update(experiments)
      .set({ status: 'planned' })
      .where(and(eq(experiments.id, id), eq(experiments.status, 'dispatched')))
      .returning({ campaignId: experiments.campaignId, seq: experiments.seq });
    const row = held[0];
    if (!row) return false;
    await tx.insert(events).values({ campaignId: row.campaignId, type: 'experiment.held', actor, payload: { experimentId: id, seq: row.seq, reason } });
    return true;
  });
}

/** Ends an experiment that is still open, with the reason, and records the event; false when it had already ended. */
async function closeExperiment(db: DbOrTx, id: string, status: 'failed' | 'cancelled', reason: string, actor: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(experiments)
      .set({ status, failureReason: reason, finishedAt: new Date() })
      .where(and(eq(experiments.id, id), inArray(experiments.status, ['planned', ...IN_FLIGHT])))
      .returning({ campaignId: experiments.campaignId, seq: experiments.seq });
    const row = updated[0];
    if (row) await appendEvent(tx, { campaignId: row.campaignId, type: `experiment.${status}`, actor, payload: { experimentId: id, seq: row.seq, reason } });
    return row !== undefined;
  });
}

export function markFailed(db: DbOrTx, id: string, reason: string, actor: string): Promise<boolean> {
  return closeExperiment(db, id, 'failed', reason, actor);
}

export function markCancelled(db: DbOrTx, id: string, actor: string, reason: string): Promise<boolean> {
  return closeExperiment(db, id, 'cancelled', reason, actor);
}

export interface ObservationRow {
  seq: number;
  candidateKey: string;
  parameters: Record<string, string | number>;
  values: Record<string, number>;
  /** The lab's raw payload (e.g. an observed product). */
  raw: unknown;
}

export type ObservedValueRow = Pick<ObservationRow, 'seq' | 'parameters' | 'values'>;

/**
 * listObservations without the lab's raw payloads and candidate keys: what a campaign's summary
 * reads on every campaign list and detail request (the raw payload is most of each row's bytes).
 */
export async function listObservedValues(db: DbOrTx, campaignId: string): Promise<ObservedValueRow[]> {
  return db
    .select({ seq: experiments.seq, parameters: experiments.parameters, values: results.values })
    .from(results)
    .innerJoin(experiments, eq(results.experimentId, experiments.id))
    .where(and(eq(results.campaignId, campaignId), sql`${results.excludedReason} is null`))
    .orderBy(asc(experiments.seq));
}

/** Completed experiments with their results, in the order they were planned, excluding operator exclusions. */
export async function listObservations(db: DbOrTx, campaignId: string): Promise<ObservationRow[]> {
  return db
    .select({ seq: experiments.seq, candidateKey: experiments.candidateKey, parameters: experiments.parameters, values: results.values, raw: results.raw })
    .from(results)
    .innerJoin(experiments, eq(results.experimentId, experiments.id))
    .where(and(eq(results.campaignId, campaignId), sql`${results.excludedReason} is null`))
    .orderBy(asc(experiments.seq));
}
