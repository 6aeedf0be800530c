import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { events, experiments, quarantinedResults, results } from '../schema.js';

export interface IncomingResult {
  /**
   * The campaign the report was sent to (its URL, its lab's key, the token's binding): the only
   * campaign it may reach. An experiment id of another campaign is quarantined here, never stored there.
   */
  campaignId: string;
  experimentId: string;
  values: Record<string, number>;
  raw: unknown;
  source: string;
}

export type IncomingReport = Omit<IncomingResult, 'campaignId'>;

export type StoreOutcome =
  | { outcome: 'stored'; campaignId: string; seq: number }
  | { outcome: 'duplicate'; campaignId: string; seq: number }
  | { outcome: 'quarantined'; reason: string };

export interface QuarantineGuard {
  /**
   * Told how many new quarantine rows a write is about to add, before it adds them; throws to
   * refuse them (the whole write then rolls back, so nothing of it is half done). The rate limit.
   */
  beforeQuarantine?: (count: number) => void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Said of an id that names no experiment of this campaign, whether or not another campaign has it (which is not this reporter's business). */
export const NOT_IN_CAMPAIGN = 'no experiment of this campaign has this id';

interface QuarantineRow {
  experimentId: string;
  reason: string;
  raw: unknown;
  source: string;
}

/** JSON with keys sorted, so a payload read back from jsonb compares equal to the one sent. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * Keeps reports that match no open experiment of the campaign, each with an event (never a silent
 * drop). A report already quarantined word for word (a lab retrying the same report) is not kept
 * twice: retries neither flood the table nor spend the rate limit.
 */
async function quarantineRows(tx: DbOrTx, campaignId: string, rows: QuarantineRow[], guard: QuarantineGuard): Promise<void> {
  if (rows.length === 0) return;
  const existing = await tx
    .select({ experimentId: quarantinedResults.experimentId, reason: quarantinedResults.reason, raw: quarantinedResults.raw })
    .from(quarantinedResults)
    .where(and(eq(quarantinedResults.campaignId, campaignId), inArray(quarantinedResults.experimentId, [...new Set(rows.map((r) => r.experimentId))])));
  const seen = new Set(existing.map((e) => `${e.experimentId}\u0001${e.reason}\u0001${canonical(e.raw)}`));
  const fresh: QuarantineRow[] = [];
  for (const row of rows) {
    const key = `${row.experimentId}\u0001${row.reason}\u0001${canonical(row.raw)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    fresh.push(row);
  }
  if (fresh.length === 0) return;
  guard.beforeQuarantine?.(fresh.length);
  await tx.insert(quarantinedResults).values(fresh.map((r) => ({ campaignId, experimentId: r.experimentId, reason: r.reason, raw: r.raw ?? null, source: r.source })));
  await tx.insert(events).values(
    fresh.map((r) => ({ campaignId, type: 'result.quarantined', actor: r.source, payload: { experimentId: r.experimentId, reason: r.reason } })),
  );
}

/** Keeps one report that matches no open experiment of its campaign, and says so in the event stream. */
export async function quarantineReport(
  db: DbOrTx,
  report: { campaignId: string; experimentId: string; reason: string; raw: unknown; source: string },
  guard: QuarantineGuard = {},
): Promise<void> {
  await quarantineRows(db, report.campaignId, [report], guard);
}

export type FailureOutcome = { outcome: 'failed' | 'duplicate'; campaignId: string; seq: number } | { outcome: 'quarantined'; reason: string };

/**
 * A lab's report that an experiment of this campaign failed: the experiment fails with the lab's
 * reason; a repeat is a no-op; a report for an experiment that is not this campaign's, or is already
 * finished, is quarantined in this campaign.
 */
export async function recordFailureReport(
  db: DbOrTx,
  report: { campaignId: string; experimentId: string; reason: string; raw: unknown; source: string },
  guard: QuarantineGuard = {},
): Promise<FailureOutcome> {
  return db.transaction(async (tx) => {
    const [experiment] = UUID.test(report.experimentId)
      ? await tx
          .select()
          .from(experiments)
          .where(and(eq(experiments.id, report.experimentId), eq(experiments.campaignId, report.campaignId)))
          .for('update')
      : [];
    if (experiment?.status === 'failed') return { outcome: 'duplicate', campaignId: experiment.campaignId, seq: experiment.seq };
    if (!experiment || experiment.status === 'completed' || experiment.status === 'cancelled') {
      const reason = experiment ? `a failure report for an experiment already ${experiment.status}` : `a failure report: ${NOT_IN_CAMPAIGN}`;
      await quarantineRows(tx, report.campaignId, [{ experimentId: report.experimentId, reason, raw: report.raw, source: report.source }], guard);
      return { outcome: 'quarantined', reason };
    }
    await tx
      .update(experiments)
      .set({ status: 'failed', failureReason: report.reason, finishedAt: new Date() })
      .where(eq(experiments.id, experiment.id));
    await tx.insert(events).values({
      campaignId: experiment.campaignId,
      type: 'experiment.failed',
      actor: report.source,
      payload: { experimentId: experiment.id, seq: experiment.seq, reason: report.reason },
    });
    return { outcome: 'failed', campaignId: experiment.campaignId, seq: experiment.seq };
  });
}

/**
 * Stores a batch of a campaign's results in one transaction with a handful of statements (not a
 * few per result: on the embedded database every statement runs on the event loop's thread), each
 * result exactly once. A repeat of a stored result is a duplicate; a result for an experiment
 * that is not this campaign's, or was cancelled or failed, is quarantined in this campaign,
 * never dropped and never stored elsewhere. Outcomes come back in the order of `reports`.
 * Callers keep batches small (a few hundred) and yield to the event loop between them.
 */
export async function storeResults(db: DbOrTx, campaignId: string, reports: readonly IncomingReport[], guard: QuarantineGuard = {}): Promise<StoreOutcome[]> {
  if (reports.length === 0) return [];
  return db.transaction(async (tx) => {
    const ids = [...new Set(reports.map((r) => r.experimentId.toLowerCase()).filter((id) => UUID.test(id)))];
    const rows =
      ids.length === 0
        ? []
        : await tx
            .select({ id: experiments.id, seq: experiments.seq, status: experiments.status })
            .from(experiments)
            .where(and(inArray(experiments.id, ids), eq(experiments.campaignId, campaignId)))
            .orderBy(experiments.id) // locks in one order: two batches never deadlock
            .for('update');
    const byId = new Map(rows.map((r) => [r.id, r]));
    const outcomes: StoreOutcome[] = [];
    const toStore: { index: number; report: IncomingReport; experiment: (typeof rows)[number] }[] = [];
    const toQuarantine: QuarantineRow[] = [];
    const claimed = new Set<string>();
    for (const [index, report] of reports.entries()) {
      const experiment = byId.get(report.experimentId.toLowerCase());
      let reason: string | undefined;
      if (!experiment) reason = NOT_IN_CAMPAIGN;
      else if (experiment.status === 'cancelled' || experiment.status === 'failed') reason = `the experiment was already ${experiment.status}`;
      if (reason !== undefined || !experiment) {
        toQuarantine.push({ experimentId: report.experimentId, reason: reason ?? NOT_IN_CAMPAIGN, raw: report.raw, source: report.source });
        outcomes.push({ outcome: 'quarantined', reason: reason ?? NOT_IN_CAMPAIGN });
      } else if (experiment.status === 'completed' || claimed.has(experiment.id)) {
        outcomes.push({ outcome: 'duplicate', campaignId, seq: experiment.seq });
      } else {
        claimed.add(experiment.id);
        toStore.push({ index, report, experiment });
        outcomes.push({ outcome: 'stored', campaignId, seq: experiment.seq });
      }
    }
    if (toStore.length > 0) {
      const inserted = await tx
        .insert(results)
        .values(toStore.map(({ report, experiment }) => ({ experimentId: experiment.id, campaignId, values: report.values, raw: report.raw ?? null, source: report.source })))
        .onConflictDoNothing()
        .returning({ experimentId: results.experimentId });
      const fresh = new Set(inserted.map((r) => r.experimentId));
      const stored = toStore.filter((s) => fresh.has(s.experiment.id));
      for (const s of toStore) if (!fresh.has(s.experiment.id)) outcomes[s.index] = { outcome: 'duplicate', campaignId, seq: s.experiment.seq };
      if (stored.length > 0) {
        await tx
          .update(experiments)
          .set({ status: 'completed', finishedAt: new Date() })
          .where(inArray(experiments.id, stored.map((s) => s.experiment.id)));
        await tx.insert(events).values(
          stored.map(({ report, experiment }) => ({
            campaignId,
            type: 'result.stored',
            actor: report.source,
            payload: { experimentId: experiment.id, seq: experiment.seq, values: report.values },
          })),
        );
      }
    }
    await quarantineRows(tx, campaignId, toQuarantine, guard);
    return outcomes;
  });
}

/** Stores one result of a campaign exactly once (see storeResults). */
export async function storeResult(db: DbOrTx, result: IncomingResult, guard: QuarantineGuard = {}): Promise<StoreOutcome> {
  const { campaignId, ...report } = result;
  const [outcome] = await storeResults(db, campaignId, [report], guard);
  if (!outcome) throw new Error('storeResults returned no outcome');
  return outcome;
}

/** Every experiment of a campaign by id and number, with its status: how entries naming them are resolved. */
export async function experimentIndex(db: DbOrTx, campaignId: string) {
  return db.select({ id: experiments.id, seq: experiments.seq, status: experiments.status }).from(experiments).where(eq(experiments.campaignId, campaignId));
}

export async function listQuarantined(db: DbOrTx, campaignId: string) {
  return db.select().from(quarantinedResults).where(eq(quarantinedResults.campaignId, campaignId));
}
