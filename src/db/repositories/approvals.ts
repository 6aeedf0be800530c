/**
 * The approval gate's writes (docs/campaign-file.md, planner.approval): a planned proposal waits
 * until a person approves, edits or rejects it. Each decision is written into the proposal itself
 * (its jsonb: approval, edits, rejection) and as an event naming who, in one transaction, and only
 * while the proposal is still waiting (planned, never sent, not yet approved) — two operators
 * deciding at once cannot both win.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { campaigns, experiments, type ProposalInfo } from '../schema.js';
import { appendEvent } from './events.js';
import type { ExperimentRow, PlannedExperiment } from './experiments.js';

/** Planned, never handed to the lab, and not approved: what the gate holds back. */
export function awaitsApproval(e: Pick<ExperimentRow, 'status' | 'dispatchCount' | 'proposal'>): boolean {
  return e.status === 'planned' && e.dispatchCount === 0 && !e.proposal.approval;
}

const waiting = (campaignId: string) =>
  and(eq(experiments.campaignId, campaignId), eq(experiments.status, 'planned'), eq(experiments.dispatchCount, 0), isNull(sql`(${experiments.proposal} -> 'approval')`));

/** Proposals of the campaign that wait for a decision, in planning order. */
export async function listAwaitingApproval(db: DbOrTx, campaignId: string): Promise<ExperimentRow[]> {
  return db.select().from(experiments).where(waiting(campaignId)).orderBy(experiments.seq);
}

/** Merges `patch` into the proposal jsonb (a shallow `||`). */
const withProposal = (patch: Partial<ProposalInfo>) => sql`${experiments.proposal} || ${JSON.stringify(patch)}::jsonb`;

/** Approves the waiting proposals with these ids (all waiting ones when `ids` is undefined); returns those approved. */
export async function approveWaiting(
  db: DbOrTx,
  campaignId: string,
  ids: string[] | undefined,
  actor: string,
  options: { auto?: boolean; note?: string } = {},
): Promise<ExperimentRow[]> {
  return db.transaction(async (tx) => {
    const approval: NonNullable<ProposalInfo['approval']> = { by: actor, at: new Date().toISOString(), ...(options.auto ? { auto: true } : {}) };
    const rows = await tx
      .update(experiments)
      .set({ proposal: withProposal({ approval }) })
      .where(ids ? and(waiting(campaignId), inArray(experiments.id, ids)) : waiting(campaignId))
      .returning();
    if (rows.length > 0) {
      await appendEvent(tx, {
        campaignId,
        type: 'proposals.approved',
        actor,
        payload: { experiments: rows.map((r) => r.seq).sort((a, b) => a - b), ...(options.auto ? { auto: true } : {}), ...(options.note ? { note: options.note } : {}) },
      });
    }
    return rows;
  });
}

/**
 * Rejects waiting proposals with the reason: they are cancelled (no budget used), marked rejected
 * so that the planner never proposes their candidates again, and the event keeps who and why.
 */
export async function rejectWaiting(db: DbOrTx, campaignId: string, ids: string[] | undefined, actor: string, reason: string): Promise<ExperimentRow[]> {
  return db.transaction(async (tx) => {
    const rejection: NonNullable<ProposalInfo['rejection']> = { by: actor, at: new Date().toISOString(), reason };
    const rows = await tx
      .update(experiments)
      .set({ status: 'cancelled', failureReason: `rejected by ${actor}: ${reason}`, finishedAt: new Date(), proposal: withProposal({ rejection }) })
      .where(ids ? and(waiting(campaignId), inArray(experiments.id, ids)) : waiting(campaignId))
      .returning();
    if (rows.length > 0) {
      await appendEvent(tx, {
        campaignId,
        type: 'proposals.rejected',
        actor,
        payload: { reason, experiments: rows.map((r) => ({ seq: r.seq, candidate: r.candidateKey, parameters: r.parameters })).sort((a, b) => a.seq - b.seq) },
      });
    }
    return rows;
  });
}

export interface ProposalChange {
  candidateKey: string;
  parameters: Record<string, string | number>;
  substances: Record<string, string>;
  /** One entry per parameter whose value changed. */
  edits: NonNullable<ProposalInfo['edits']>;
}

/** Changes a waiting proposal to another candidate of the space; undefined when it no longer waits. */
export async function editWaiting(db: DbOrTx, campaignId: string, id: string, change: ProposalChange, actor: string): Promise<ExperimentRow | undefined> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(experiments).where(and(waiting(campaignId), eq(experiments.id, id))).for('update');
    if (!current) return undefined;
    const edits = [...(current.proposal.edits ?? []), ...change.edits];
    const [row] = await tx
      .update(experiments)
      .set({ candidateKey: change.candidateKey, parameters: change.parameters, substances: change.substances, proposal: withProposal({ edits }) })
      .where(eq(experiments.id, id))
      .returning();
    await appendEvent(tx, {
      campaignId,
      type: 'proposal.edited',
      actor,
      payload: { experimentId: id, seq: current.seq, changes: change.edits.map(({ parameter, from, to }) => ({ parameter, from, to })), ...(change.edits[0]?.reason ? { reason: change.edits[0].reason } : {}) },
    });
    return row;
  });
}

/**
 * A chemist's own experiment, added to the open batch (or a new one) as planned and approved by
 * its author; undefined when the budget has no room for it.
 */
export async function insertSuggestion(db: DbOrTx, campaignId: string, suggestion: PlannedExperiment, actor: string): Promise<ExperimentRow | undefined> {
  return db.transaction(async (tx) => {
    const [campaign] = await tx.select({ budget: campaigns.budget }).from(campaigns).where(eq(campaigns.id, campaignId)).for('update');
    const [last] = await tx
      .select({
        seq: sql<number>`coalesce(max(${experiments.seq}), 0)::int`,
        batch: sql<number>`coalesce(max(${experiments.batch}), 0)::int`,
        openBatch: sql<number | null>`max(${experiments.batch}) filter (where ${experiments.status} = 'planned')`,
        used: sql<number>`(count(*) filter (where ${experiments.status} <> 'cancelled'))::int`,
      })
      .from(experiments)
      .where(eq(experiments.campaignId, campaignId));
    if (!campaign || Number(last?.used ?? 0) >= campaign.budget) return undefined;
    const batch = last?.openBatch !== null && last?.openBatch !== undefined ? Number(last.openBatch) : Number(last?.batch ?? 0) + 1;
    const [row] = await tx
      .insert(experiments)
      .values({ ...suggestion, campaignId, seq: Number(last?.seq ?? 0) + 1, batch, status: 'planned' as const })
      .returning();
    if (!row) return undefined;
    await appendEvent(tx, {
      campaignId,
      type: 'proposal.suggested',
      actor,
      payload: { experimentId: row.id, seq: row.seq, batch, candidate: row.candidateKey, parameters: row.parameters, reason: row.proposal.reason },
    });
    return row;
  });
}
