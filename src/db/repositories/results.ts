import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { experiments, quarantinedResults, results } from '../schema.js';
import { appendEvent } from './events.js';

export interface IncomingResult {
  experimentId: string;
  values: Record<string, number>;
  raw: unknown;
  source: string;
}

export type StoreOutcome =
  | { outcome: 'stored'; campaignId: string; seq: number }
  | { outcome: 'duplicate'; campaignId: string; seq: number }
  | { outcome: 'quarantined'; reason: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keeps a report that matches no open experiment, and says so in the event stream (never a silent drop). */
export async function quarantineReport(
  db: DbOrTx,
  report: { campaignId: string | null; experimentId: string; reason: string; raw: unknown; source: string },
): Promise<void> {
  await db.insert(quarantinedResults).values({
    campaignId: report.campaignId,
    experimentId: report.experimentId,
    reason: report.reason,
    raw: report.raw ?? null,
    source: report.source,
  });
  await appendEvent(db, {
    campaignId: report.campaignId,
    type: 'result.quarantined',
    actor: report.source,
    payload: { experimentId: report.experimentId, reason: report.reason },
  });
}

export type FailureOutcome = { outcome: 'failed' | 'duplicate'; campaignId: string; seq: number } | { outcome: 'quarantined'; reason: string };

/**
 * A lab's report that an experiment failed: the experiment fails with the lab's reason; a repeat
 * is a no-op; a report for an unknown or already finished experiment is quarantined.
 */
export async function recordFailureReport(
  db: DbOrTx,
  report: { experimentId: string; reason: string; raw: unknown; source: string },
): Promise<FailureOutcome> {
  return db.transaction(async (tx) => {
    const [experiment] = UUID.test(report.experimentId)
      ? await tx.select().from(experiments).where(eq(experiments.id, report.experimentId)).for('update')
      : [];
    if (experiment?.status === 'failed') return { outcome: 'duplicate', campaignId: experiment.campaignId, seq: experiment.seq };
    if (!experiment || experiment.status === 'completed' || experiment.status === 'cancelled') {
      const reason = experiment ? `a failure report for an experiment already ${experiment.status}` : 'a failure report for no known experiment';
      await quarantineReport(tx, { campaignId: experiment?.campaignId ?? null, experimentId: report.experimentId, reason, raw: report.raw, source: report.source });
      return { outcome: 'quarantined', reason };
    }
    await tx
      .update(experiments)
      .set({ status: 'failed', failureReason: report.reason, finishedAt: new Date() })
      .where(eq(experiments.id, experiment.id));
    await appendEvent(tx, {
      campaignId: experiment.campaignId,
      type: 'experiment.failed',
      actor: report.source,
      payload: { experimentId: experiment.id, seq: experiment.seq, reason: report.reason },
    });
    return { outcome: 'failed', campaignId: experiment.campaignId, seq: experiment.seq };
  });
}

/**
 * Stores a lab's result exactly once. A repeat of a stored result is a no-op; a result for an
 * unknown, cancelled or failed experiment is quarantined and reported, never dropped.
 */
export async function storeResult(db: DbOrTx, result: IncomingResult): Promise<StoreOutcome> {
  return db.transaction(async (tx) => {
    const [experiment] = UUID.test(result.experimentId)
      ? await tx.select().from(experiments).where(eq(experiments.id, result.experimentId)).for('update')
      : [];
    const quarantine = async (reason: string): Promise<StoreOutcome> => {
      await quarantineReport(tx, { campaignId: experiment?.campaignId ?? null, experimentId: result.experimentId, reason, raw: result.raw, source: result.source });
      return { outcome: 'quarantined', reason };
    };
    if (!experiment) return quarantine('no experiment has this id');
    if (experiment.status === 'completed') return { outcome: 'duplicate', campaignId: experiment.campaignId, seq: experiment.seq };
    if (experiment.status === 'cancelled' || experiment.status === 'failed') {
      return quarantine(`the experiment was already ${experiment.status}`);
    }
    const inserted = await tx
      .insert(results)
      .values({ experimentId: experiment.id, campaignId: experiment.campaignId, values: result.values, raw: result.raw ?? null, source: result.source })
      .onConflictDoNothing()
      .returning({ id: results.id });
    if (inserted.length === 0) return { outcome: 'duplicate', campaignId: experiment.campaignId, seq: experiment.seq };
    await tx.update(experiments).set({ status: 'completed', finishedAt: new Date() }).where(eq(experiments.id, experiment.id));
    await appendEvent(tx, {
      campaignId: experiment.campaignId,
      type: 'result.stored',
      actor: result.source,
      payload: { experimentId: experiment.id, seq: experiment.seq, values: result.values },
    });
    return { outcome: 'stored', campaignId: experiment.campaignId, seq: experiment.seq };
  });
}

export async function listQuarantined(db: DbOrTx, campaignId: string) {
  return db.select().from(quarantinedResults).where(eq(quarantinedResults.campaignId, campaignId));
}
