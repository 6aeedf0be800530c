/**
 * What a campaign's prior data is and how much the model trusts it (docs/transfer.md): each
 * source with its rows (used, excluded, skipped at import) and, for related tasks, the correlation
 * with the campaign's task the newest multi-task model learned, or the source's weight in the
 * newest ranking-weighted ensemble. The API and the panel show this.
 */
import { latestEventPayloads, listModelVersions, listPriorResults, setPriorExclusion, type Db, type PriorResultRow } from '../db/index.js';
import { OperatorError, type OperatorContext } from './operator-actions.js';
import { PriorResultNotFoundError } from '../db/index.js';

export interface PriorSourceSummary {
  source: string;
  name: string;
  task: 'same' | 'related';
  rows: number;
  excluded: number;
  /** Rows of the source that did not map onto the space when it was imported (listed in the prior.imported event). */
  skipped: number;
  /** The learned correlation with the campaign's task (related sources, once a multi-task model exists). */
  correlation?: number;
  /** The source's weight in a ranking-weighted ensemble: how often it ranks the campaign's results best (planner.model.transfer: ranking-ensemble). */
  weight?: number;
}

export interface PriorSummary {
  sources: PriorSourceSummary[];
  /** The model version the correlations or weights are from. */
  modelVersion?: number;
  /** With a ranking-weighted ensemble: the weight of the campaign's own model (the sources' weights and it sum to 1). */
  ownWeight?: number;
  rows: PriorResultRow[];
}

export async function summarizePrior(db: Db, campaignId: string): Promise<PriorSummary> {
  const rows = await listPriorResults(db, campaignId);
  if (rows.length === 0) return { sources: [], rows };
  const imported = await latestEventPayloads(db, campaignId, 'prior.imported', 1000);
  const skipped = new Map(imported.map((p) => [String(p.source), Number(p.skipped ?? 0)]));
  const versions = await listModelVersions(db, campaignId);
  const newest = versions.reduce<(typeof versions)[number] | undefined>((best, v) => (!best || v.version > best.version ? v : best), undefined);
  const bySource = new Map<string, PriorSourceSummary>();
  for (const row of rows) {
    let s = bySource.get(row.source);
    if (!s) {
      s = { source: row.source, name: row.sourceName, task: row.task, rows: 0, excluded: 0, skipped: skipped.get(row.source) ?? 0 };
      const correlation = newest?.metrics[`task_correlation:${row.sourceName}`];
      if (row.task === 'related' && typeof correlation === 'number') s.correlation = correlation;
      const weight = newest?.metrics[`source_weight:${row.sourceName}`];
      if (row.task === 'related' && typeof weight === 'number') s.weight = weight;
      bySource.set(row.source, s);
    }
    s.rows++;
    if (row.excludedReason) s.excluded++;
  }
  const learned = newest && [...bySource.values()].some((s) => s.correlation !== undefined || s.weight !== undefined);
  const ownWeight = newest?.metrics.own_weight;
  return { sources: [...bySource.values()], ...(learned ? { modelVersion: newest.version } : {}), ...(learned && typeof ownWeight === 'number' ? { ownWeight } : {}), rows };
}

/** An operator excludes a prior row from training and planning (reason) or includes it again (null); the runner retrains. */
export async function setPriorRowExclusion(ctx: OperatorContext, campaignId: string, seq: number, reason: string | null): Promise<{ seq: number; changed: boolean }> {
  try {
    const done = await setPriorExclusion(ctx.db, campaignId, seq, reason, ctx.actor);
    ctx.runnerOf(campaignId)?.noteActivity();
    return done;
  } catch (error) {
    if (error instanceof PriorResultNotFoundError) throw new OperatorError('not_found', 'prior_row_not_found', error.message, 'seq');
    throw error;
  }
}
