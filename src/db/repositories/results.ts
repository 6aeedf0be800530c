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
  /** A repeat with different values: the stored result stands, the new report is quarantined beside it. */
  | { outcome: 'conflict'; campaignId: string; seq: number; reason: string }
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
    // What is already stored for the completed ones: a repeat that reports other values is a conflict, not a duplicate.
    const completedIds = rows.filter((r) => r.status === 'completed').map((r) => r.id);
    const storedValues = new Map<string, string>(
      completedIds.length === 0
        ? []
        : (await tx.select({ experimentId: results.experimentId, values: results.values }).from(results).where(inArray(results.experimentId, completedIds))).map((r) => [
            r.experimentId,
            canonical(r.values),
          ]),
    );
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
        const first = storedValues.get(experiment.id);
        if (first !== undefined && first !== canonical(report.values)) {
          const conflict = `conflicting duplicate: experiment ${experiment.seq} already has the result ${first}; this report says ${canonical(report.values)} (the stored result stands)`;
          toQuarantine.push({ experimentId: report.experimentId, reason: conflict, raw: report.raw, source: report.source });
          outcomes.push({ outcome: 'conflict', campaignId, seq: experiment.seq, reason: conflict });
        } else {
          outcomes.push({ outcome: 'duplicate', campaignId, seq: experiment.seq });
        }
      } else {
        claimed.add(experiment.id);
        storedValues.set(experiment.id, canonical(report.values));
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

/** Why an operator's decision on a quarantined report cannot be carried out. */
export class QuarantineResolutionError extends Error {
  override readonly name = 'QuarantineResolutionError';
  constructor(
    readonly code: 'quarantine_not_found' | 'already_resolved' | 'experiment_not_found' | 'experiment_completed' | 'no_values',
    message: string,
  ) {
    super(message);
  }
}

async function openQuarantineRow(tx: DbOrTx, campaignId: string, quarantineId: string) {
  const [row] = UUID.test(quarantineId)
    ? await tx
        .select()
        .from(quarantinedResults)
        .where(and(eq(quarantinedResults.id, quarantineId), eq(quarantinedResults.campaignId, campaignId)))
        .for('update')
    : [];
  if (!row) throw new QuarantineResolutionError('quarantine_not_found', `no quarantined report of this campaign has the id ${quarantineId}`);
  if (row.resolution) {
    throw new QuarantineResolutionError('already_resolved', `the quarantined report ${quarantineId} was already ${row.resolution} by ${row.resolvedBy ?? '?'} at ${row.resolvedAt?.toISOString() ?? '?'}`);
  }
  return row;
}

/** The measured values a quarantined report carries (a lab's payload, an API entry, a CSV row all keep them under `values`). */
export function quarantinedValues(raw: unknown): Record<string, number> | undefined {
  const values = (raw as { values?: unknown } | null)?.values;
  if (!values || typeof values !== 'object' || Array.isArray(values)) return undefined;
  const entries = Object.entries(values as Record<string, unknown>);
  if (entries.length === 0 || entries.some(([, v]) => typeof v !== 'number' || !Number.isFinite(v))) return undefined;
  return Object.fromEntries(entries) as Record<string, number>;
}

/**
 * An operator stores a quarantined report as the result of one of the campaign's experiments (one
 * that has no result yet: e.g. a late result of an experiment that timed out). The experiment
 * becomes completed; the quarantine row stays, marked assigned, with who, when and why.
 */
export async function assignQuarantined(
  db: DbOrTx,
  args: { campaignId: string; quarantineId: string; experimentId: string; actor: string; reason?: string },
  /** The objective's rules for a result (throws on values it refuses): a refused report stays refused when assigned. */
  checkValues?: (values: Record<string, number>) => void,
): Promise<{ seq: number; values: Record<string, number> }> {
  return db.transaction(async (tx) => {
    const row = await openQuarantineRow(tx, args.campaignId, args.quarantineId);
    const values = quarantinedValues(row.raw);
    if (!values) throw new QuarantineResolutionError('no_values', `the quarantined report ${args.quarantineId} carries no measured values to store (a failure report or an unreadable payload): discard it instead`);
    checkValues?.(values);
    const [experiment] = await tx
      .select()
      .from(experiments)
      .where(and(eq(experiments.id, args.experimentId), eq(experiments.campaignId, args.campaignId)))
      .for('update');
    if (!experiment) throw new QuarantineResolutionError('experiment_not_found', `no experiment of this campaign has the id ${args.experimentId}`);
    if (experiment.status === 'completed') {
      throw new QuarantineResolutionError('experiment_completed', `experiment ${experiment.seq} already has a result; exclude that one first or discard this report`);
    }
    const now = new Date();
    await tx.insert(results).values({ experimentId: experiment.id, campaignId: args.campaignId, values, raw: row.raw ?? null, source: `quarantine:${args.actor}` });
    await tx.update(experiments).set({ status: 'completed', finishedAt: now }).where(eq(experiments.id, experiment.id));
    await tx
      .update(quarantinedResults)
      .set({ resolution: 'assigned', assignedExperimentId: experiment.id, resolutionReason: args.reason ?? null, resolvedBy: args.actor, resolvedAt: now })
      .where(eq(quarantinedResults.id, row.id));
    await tx.insert(events).values([
      {
        campaignId: args.campaignId,
        type: 'quarantine.assigned',
        actor: args.actor,
        payload: { quarantineId: row.id, experimentId: experiment.id, seq: experiment.seq, previousStatus: experiment.status, ...(args.reason ? { reason: args.reason } : {}) },
      },
      { campaignId: args.campaignId, type: 'result.stored', actor: args.actor, payload: { experimentId: experiment.id, seq: experiment.seq, values, fromQuarantine: row.id } },
    ]);
    return { seq: experiment.seq, values };
  });
}

/** An operator sets a quarantined report aside for good, with a reason; the row and its payload stay. */
export async function discardQuarantined(db: DbOrTx, args: { campaignId: string; quarantineId: string; actor: string; reason: string }): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await openQuarantineRow(tx, args.campaignId, args.quarantineId);
    await tx
      .update(quarantinedResults)
      .set({ resolution: 'discarded', resolutionReason: args.reason, resolvedBy: args.actor, resolvedAt: new Date() })
      .where(eq(quarantinedResults.id, row.id));
    await tx.insert(events).values({ campaignId: args.campaignId, type: 'quarantine.discarded', actor: args.actor, payload: { quarantineId: row.id, experimentId: row.experimentId, reason: args.reason } });
  });
}
