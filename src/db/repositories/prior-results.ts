/**
 * A campaign's prior data (docs/transfer.md): rows of earlier campaigns and CSV files placed on its
 * candidates, stored apart from experiments so that nothing about them touches the budget or the
 * lab, and excluded by an operator like any result.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { events, experiments, priorResults, results } from '../schema.js';

export interface NewPriorResult {
  source: string;
  sourceName: string;
  task: 'same' | 'related';
  origin: number;
  candidateKey: string;
  parameters: Record<string, string | number>;
  values: Record<string, number>;
}

/** A row of a source that could not be imported, with why (reported, never silently dropped). */
export interface PriorProblem {
  source: string;
  /** CSV line (header = line 1) or the source campaign's experiment number. */
  origin: number;
  reason: string;
}

export type PriorResultRow = typeof priorResults.$inferSelect;

/**
 * Stores a new campaign's prior rows (numbered 1…n in the order given) and one `prior.imported`
 * event per source with how many rows came in and every row that did not.
 */
export async function insertPriorResults(db: DbOrTx, campaignId: string, rows: readonly NewPriorResult[], problems: readonly PriorProblem[], actor: string): Promise<number> {
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ n: sql<number>`count(*)::int` }).from(priorResults).where(eq(priorResults.campaignId, campaignId));
    if ((existing?.n ?? 0) > 0) return 0; // imported once, when the campaign was created
    // inserted a few hundred at a time: one statement per row would hold the embedded database's thread
    for (let start = 0; start < rows.length; start += 500) {
      await tx.insert(priorResults).values(rows.slice(start, start + 500).map((r, k) => ({ ...r, campaignId, seq: start + k + 1 })));
    }
    const sources = new Map<string, { source: string; name: string; task: string; rows: number; problems: PriorProblem[] }>();
    const entry = (source: string, name: string, task: string) => {
      let s = sources.get(source);
      if (!s) sources.set(source, (s = { source, name, task, rows: 0, problems: [] }));
      return s;
    };
    for (const r of rows) entry(r.source, r.sourceName, r.task).rows++;
    for (const p of problems) (sources.get(p.source) ?? entry(p.source, p.source, '')).problems.push(p);
    if (sources.size > 0) {
      await tx.insert(events).values(
        [...sources.values()].map((s) => ({
          campaignId,
          type: 'prior.imported',
          actor,
          payload: { source: s.source, name: s.name, task: s.task, rows: s.rows, skipped: s.problems.length, problems: s.problems.slice(0, 200) },
        })),
      );
    }
    return rows.length;
  });
}

/** Every prior row of a campaign, excluded ones too, in order. */
export async function listPriorResults(db: DbOrTx, campaignId: string): Promise<PriorResultRow[]> {
  return db.select().from(priorResults).where(eq(priorResults.campaignId, campaignId)).orderBy(asc(priorResults.seq));
}

/** The prior rows that count (not excluded), in order: what training and planning read. */
export async function listUsablePriorResults(db: DbOrTx, campaignId: string): Promise<PriorResultRow[]> {
  return db
    .select()
    .from(priorResults)
    .where(and(eq(priorResults.campaignId, campaignId), sql`${priorResults.excludedReason} is null`))
    .orderBy(asc(priorResults.seq));
}

export class PriorResultNotFoundError extends Error {
  override readonly name = 'PriorResultNotFoundError';
}

/**
 * Excludes a prior row from training and planning with the reason (null includes it again); the
 * row stays, and an event says who did it. Returns whether anything changed.
 */
export async function setPriorExclusion(db: DbOrTx, campaignId: string, seq: number, reason: string | null, actor: string): Promise<{ seq: number; changed: boolean }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(priorResults)
      .where(and(eq(priorResults.campaignId, campaignId), eq(priorResults.seq, seq)))
      .for('update');
    if (!row) throw new PriorResultNotFoundError(`this campaign has no prior row ${seq}`);
    if ((row.excludedReason ?? null) === reason || (reason !== null && row.excludedReason)) return { seq, changed: false };
    await tx.update(priorResults).set({ excludedReason: reason }).where(eq(priorResults.id, row.id));
    await tx.insert(events).values({
      campaignId,
      type: reason === null ? 'prior.included' : 'prior.excluded',
      actor,
      payload: { seq, source: row.source, ...(reason !== null ? { reason } : {}) },
    });
    return { seq, changed: true };
  });
}

/** A source campaign's usable results with what each experiment ran (its substances by SMILES): what another campaign imports. */
export async function listSourceRows(db: DbOrTx, campaignId: string) {
  return db
    .select({ seq: experiments.seq, parameters: experiments.parameters, substances: experiments.substances, values: results.values })
    .from(results)
    .innerJoin(experiments, eq(results.experimentId, experiments.id))
    .where(and(eq(results.campaignId, campaignId), sql`${results.excludedReason} is null`))
    .orderBy(asc(experiments.seq));
}
