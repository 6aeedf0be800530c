/** Changes an operator makes to a campaign's rows, each with its event in the same transaction. */
import { and, eq, sql } from 'drizzle-orm';
import type { CampaignSpec } from '../../campaign/types.js';
import type { DbOrTx } from '../client.js';
import { campaigns, experiments, results } from '../schema.js';
import { appendEvent } from './events.js';

export interface CampaignSettings {
  spec: CampaignSpec;
  budget: number;
  batchSize: number;
}

/**
 * Rewrites the stored spec (and the budget columns that mirror it) and records what changed and
 * who changed it — unless the new budget is below the experiments the campaign has already used
 * (every one but the cancelled), counted with the campaign's row locked so that a batch being
 * planned cannot slip in between. Returns that count when it refuses.
 */
export async function updateCampaignSettings(
  db: DbOrTx,
  campaignId: string,
  settings: CampaignSettings,
  event: { actor: string; changes: Record<string, unknown> },
): Promise<{ updated: true } | { updated: false; used: number }> {
  return db.transaction(async (tx) => {
    await tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, campaignId)).for('update');
    const [counted] = await tx
      .select({ used: sql<number>`(count(*) filter (where ${experiments.status} <> 'cancelled'))::int` })
      .from(experiments)
      .where(eq(experiments.campaignId, campaignId));
    const used = Number(counted?.used ?? 0);
    if (settings.budget < used) return { updated: false as const, used };
    await tx
      .update(campaigns)
      .set({ spec: settings.spec, budget: settings.budget, batchSize: settings.batchSize, updatedAt: new Date() })
      .where(eq(campaigns.id, campaignId));
    await appendEvent(tx, { campaignId, type: 'campaign.settings-changed', actor: event.actor, payload: event.changes });
    return { updated: true as const };
  });
}

export type ExclusionOutcome = { outcome: 'changed' | 'unchanged'; seq: number } | { outcome: 'no_result' };

/**
 * Excludes a stored result from training (reason) or includes it again (null). The result row
 * stays: exclusion is a judgement, not a deletion.
 */
export async function setResultExclusion(
  db: DbOrTx,
  campaignId: string,
  experimentId: string,
  reason: string | null,
  actor: string,
): Promise<ExclusionOutcome> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ excludedReason: results.excludedReason, seq: experiments.seq })
      .from(results)
      .innerJoin(experiments, eq(results.experimentId, experiments.id))
      .where(and(eq(results.campaignId, campaignId), eq(results.experimentId, experimentId)))
      .for('update');
    if (!row) return { outcome: 'no_result' };
    if (row.excludedReason === reason) return { outcome: 'unchanged', seq: row.seq };
    await tx.update(results).set({ excludedReason: reason }).where(eq(results.experimentId, experimentId));
    await appendEvent(tx, {
      campaignId,
      type: reason === null ? 'result.included' : 'result.excluded',
      actor,
      payload: { experimentId, seq: row.seq, ...(reason === null ? {} : { reason }) },
    });
    return { outcome: 'changed', seq: row.seq };
  });
}
