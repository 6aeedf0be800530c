/**
 * Campaign leases — which process runs a campaign when several share one PostgreSQL — and the
 * other reads a supervisor makes on every tick. Every
 * statement that changes a lease is a single conditional UPDATE … RETURNING, so PostgreSQL's row
 * lock settles races (the loser re-checks the condition against the winner's row and matches
 * nothing). Times come from the database clock (`now()`), never from the processes' clocks.
 */
import { and, asc, eq, gt, inArray, isNull, lte, notInArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { campaigns, events, experiments, type CampaignStatus } from '../schema.js';
import { FINISHED_STATUSES } from './campaigns.js';

export interface LeaseGrant {
  campaignId: string;
  /** Which tenure this is: bumped whenever the lease changes hands. */
  epoch: number;
  expiresAt: Date;
}

function expiresIn(ttlMs: number) {
  return sql`now() + make_interval(secs => ${ttlMs / 1000}::double precision)`;
}

/**
 * Takes the lease of an unfinished campaign when it is free, expired or already ours (`force`:
 * whoever holds it — for the embedded database, where the home lock already proves that no
 * other process is alive). Undefined when another process holds it.
 */
export async function acquireLease(db: DbOrTx, campaignId: string, owner: string, ttlMs: number, force = false): Promise<LeaseGrant | undefined> {
  const claimable = force
    ? undefined
    : or(isNull(campaigns.leaseOwner), eq(campaigns.leaseOwner, owner), lte(campaigns.leaseExpiresAt, sql`now()`));
  const [row] = await db
    .update(campaigns)
    .set({
      leaseOwner: owner,
      leaseExpiresAt: expiresIn(ttlMs),
      leaseEpoch: sql`case when ${campaigns.leaseOwner} is not distinct from ${owner} then ${campaigns.leaseEpoch} else ${campaigns.leaseEpoch} + 1 end`,
    })
    .where(and(eq(campaigns.id, campaignId), notInArray(campaigns.status, FINISHED_STATUSES), claimable))
    .returning({ campaignId: campaigns.id, epoch: campaigns.leaseEpoch, expiresAt: campaigns.leaseExpiresAt });
  return row?.expiresAt ? { campaignId: row.campaignId, epoch: row.epoch, expiresAt: row.expiresAt } : undefined;
}

/** Extends every lease of `owner` among `campaignIds`; returns the ids still held (the others were lost). */
export async function renewLeases(db: DbOrTx, owner: string, campaignIds: string[], ttlMs: number): Promise<Set<string>> {
  if (campaignIds.length === 0) return new Set();
  const rows = await db
    .update(campaigns)
    .set({ leaseExpiresAt: expiresIn(ttlMs) })
    .where(and(inArray(campaigns.id, campaignIds), eq(campaigns.leaseOwner, owner)))
    .returning({ id: campaigns.id });
  return new Set(rows.map((r) => r.id));
}

/** Gives a lease back (at once, so another process need not wait for it to expire). */
export async function releaseLease(db: DbOrTx, campaignId: string, owner: string): Promise<boolean> {
  const rows = await db
    .update(campaigns)
    .set({ leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.leaseOwner, owner)))
    .returning({ id: campaigns.id });
  return rows.length > 0;
}

/** The fencing check: true only while `owner` holds an unexpired lease on the campaign. */
export async function holdsLease(db: DbOrTx, campaignId: string, owner: string): Promise<boolean> {
  const [row] = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.leaseOwner, owner), sql`${campaigns.leaseExpiresAt} > now()`));
  return row !== undefined;
}

export interface LeaseState {
  id: string;
  status: CampaignStatus;
  leaseOwner: string | null;
  /** Judged by the database clock: free to take. */
  claimable: boolean;
}

/** Every unfinished campaign with who holds it: what a supervisor looks at on each poll. */
export async function listLeaseStates(db: DbOrTx): Promise<LeaseState[]> {
  return db
    .select({
      id: campaigns.id,
      status: campaigns.status,
      leaseOwner: campaigns.leaseOwner,
      claimable: sql<boolean>`(${campaigns.leaseOwner} is null or ${campaigns.leaseExpiresAt} <= now())`,
    })
    .from(campaigns)
    .where(notInArray(campaigns.status, FINISHED_STATUSES))
    .orderBy(campaigns.createdAt);
}

/** The process holding an unexpired lease on the campaign, if any. */
export async function liveLeaseHolder(db: DbOrTx, campaignId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ owner: campaigns.leaseOwner })
    .from(campaigns)
    .where(and(eq(campaigns.id, campaignId), sql`${campaigns.leaseExpiresAt} > now()`));
  return row?.owner ?? undefined;
}

/** Experiments in the lab (dispatched or running), per campaign, for the given campaigns. */
export async function countInFlight(db: DbOrTx, campaignIds: string[]): Promise<Map<string, number>> {
  if (campaignIds.length === 0) return new Map();
  const rows = await db
    .select({ campaignId: experiments.campaignId, n: sql<number>`count(*)::int` })
    .from(experiments)
    .where(and(inArray(experiments.campaignId, campaignIds), inArray(experiments.status, ['dispatched', 'running'])))
    .groupBy(experiments.campaignId);
  return new Map(rows.map((r) => [r.campaignId, Number(r.n)]));
}

export interface EventHead {
  id: number;
  campaignId: string | null;
  type: string;
  actor: string;
}

/** Events after an id without their payloads, oldest first: enough to tell what changed and who changed it. */
export async function listEventHeadsSince(db: DbOrTx, afterId: number, limit: number): Promise<EventHead[]> {
  return db
    .select({ id: events.id, campaignId: events.campaignId, type: events.type, actor: events.actor })
    .from(events)
    .where(gt(events.id, afterId))
    .orderBy(asc(events.id))
    .limit(limit);
}
