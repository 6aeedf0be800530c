/** Read-only queries the API and the control panel need beyond the campaign loop's own. */
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { events, experiments, quarantinedResults, results } from '../schema.js';

export type EventRow = typeof events.$inferSelect;

/** Events of every campaign after an id, oldest first: what the live feed fans out. */
export async function listEventsSince(db: DbOrTx, afterId: number, limit = 500): Promise<EventRow[]> {
  return db.select().from(events).where(gt(events.id, afterId)).orderBy(asc(events.id)).limit(limit);
}

export async function latestEventId(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ id: sql<number>`coalesce(max(${events.id}), 0)` }).from(events);
  return Number(row?.id ?? 0);
}

/** The newest events of a campaign, newest first. */
export async function listRecentEvents(db: DbOrTx, campaignId: string, limit: number): Promise<EventRow[]> {
  return db.select().from(events).where(eq(events.campaignId, campaignId)).orderBy(desc(events.id)).limit(limit);
}

/**
 * The newest event of each of these campaigns: one index lookup each (events_campaign_idx read
 * backwards). DISTINCT ON over all of them sorted every event of every campaign on each call,
 * which grew with the campaigns' age on every campaign list.
 */
export async function lastEventOf(db: DbOrTx, campaignIds: string[]): Promise<Map<string, EventRow>> {
  const found = await Promise.all(campaignIds.map((id) => listRecentEvents(db, id, 1)));
  return new Map(found.flatMap((rows) => (rows[0] ? [[rows[0].campaignId ?? '', rows[0]] as const] : [])));
}

export interface ResultListRow {
  experimentId: string;
  seq: number;
  values: Record<string, number>;
  source: string;
  excludedReason: string | null;
  receivedAt: Date;
  /** The payload exactly as the lab sent it (its extra fields too): only when asked for, as it can be large. */
  raw?: unknown;
}

export async function listResults(db: DbOrTx, campaignId: string, options: { raw?: boolean } = {}): Promise<ResultListRow[]> {
  return db
    .select({
      experimentId: results.experimentId,
      seq: experiments.seq,
      values: results.values,
      source: results.source,
      excludedReason: results.excludedReason,
      receivedAt: results.receivedAt,
      ...(options.raw ? { raw: results.raw } : {}),
    })
    .from(results)
    .innerJoin(experiments, eq(results.experimentId, experiments.id))
    .where(eq(results.campaignId, campaignId))
    .orderBy(asc(experiments.seq));
}

export async function listQuarantinedOf(db: DbOrTx, campaignId: string) {
  return db
    .select()
    .from(quarantinedResults)
    .where(eq(quarantinedResults.campaignId, campaignId))
    .orderBy(desc(quarantinedResults.receivedAt));
}

/** The experiment with this number in a campaign. */
export async function getExperimentBySeq(db: DbOrTx, campaignId: string, seq: number) {
  const [row] = await db.select().from(experiments).where(and(eq(experiments.campaignId, campaignId), eq(experiments.seq, seq)));
  return row;
}

export async function getExperiment(db: DbOrTx, id: string) {
  const [row] = await db.select().from(experiments).where(eq(experiments.id, id));
  return row;
}
