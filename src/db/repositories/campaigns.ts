import { and, desc, eq, inArray, notInArray } from 'drizzle-orm';
import { parseStoredSpec } from '../../campaign/stored.js';
import type { CampaignSpec } from '../../campaign/types.js';
import type { DbOrTx } from '../client.js';
import { campaigns, molecules, type CampaignStatus } from '../schema.js';
import { appendEvent } from './events.js';

/** A campaign's row with its spec checked and typed (parseStoredSpec): readers never cast it. */
export type CampaignRow = Omit<typeof campaigns.$inferSelect, 'spec'> & { spec: CampaignSpec };

function withSpec(row: typeof campaigns.$inferSelect): CampaignRow {
  return { ...row, spec: parseStoredSpec(row.spec, row.id) };
}

export const FINISHED_STATUSES: CampaignStatus[] = ['completed', 'stopped', 'failed'];

export interface NewCampaign {
  id: string;
  name: string;
  spec: CampaignSpec;
  specSource: string;
  specHash: string;
  seed: number;
  budget: number;
  batchSize: number;
}

export interface MoleculeFacts {
  smiles: string;
  heavyAtoms: number;
  formalCharge: number;
  fragments: number;
}

/**
 * `alongside`: more rows that belong to the new campaign (its prior data), written in the same
 * transaction, so that a failure or a kill leaves either the whole campaign or none of it.
 */
export async function createCampaign(
  db: DbOrTx,
  campaign: NewCampaign,
  molecules_: MoleculeFacts[],
  actor: string,
  alongside?: (tx: DbOrTx, created: CampaignRow) => Promise<unknown>,
): Promise<CampaignRow> {
  return db.transaction(async (tx) => {
    if (molecules_.length > 0) await tx.insert(molecules).values(molecules_).onConflictDoNothing();
    const [row] = await tx.insert(campaigns).values({ ...campaign, status: 'created' }).returning();
    if (!row) throw new Error('campaign insert returned nothing');
    // The spec as stored, not the caller's object: jsonb keeps an object's keys in its own order
    // (shorter first), not the file's, and the order of parameters and choices is the order of the
    // space's candidates and of every candidate key. The process that creates a campaign must see
    // the order every later process (a resume, the service) reads back, or their keys disagree.
    const created = withSpec(row);
    await appendEvent(tx, {
      campaignId: row.id,
      type: 'campaign.created',
      actor,
      payload: { name: row.name, budget: row.budget, batch: row.batchSize, seed: row.seed },
    });
    await alongside?.(tx, created);
    return created;
  });
}

export async function getCampaign(db: DbOrTx, id: string): Promise<CampaignRow | undefined> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  return row && withSpec(row);
}

/** Whether a campaign has this id: one column read, for routes that need nothing else of its row. */
export async function campaignExists(db: DbOrTx, id: string): Promise<boolean> {
  const [row] = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, id));
  return row !== undefined;
}

/** The newest unfinished campaign made from the same effective spec: what `run --resume` continues. */
export async function findResumable(db: DbOrTx, specHash: string): Promise<CampaignRow | undefined> {
  const [row] = await db
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.specHash, specHash), notInArray(campaigns.status, FINISHED_STATUSES)))
    .orderBy(desc(campaigns.createdAt))
    .limit(1);
  return row && withSpec(row);
}

export async function listCampaigns(db: DbOrTx, statuses?: CampaignStatus[]): Promise<CampaignRow[]> {
  const query = db.select().from(campaigns);
  const rows = await (statuses ? query.where(inArray(campaigns.status, statuses)) : query).orderBy(desc(campaigns.createdAt));
  return rows.map(withSpec);
}

export async function setCampaignStatus(
  db: DbOrTx,
  id: string,
  status: CampaignStatus,
  /** null clears it (a resumed campaign no longer carries the reason it was paused for). */
  outcome?: string | null,
): Promise<void> {
  const finished = FINISHED_STATUSES.includes(status);
  await db
    .update(campaigns)
    .set({
      status,
      updatedAt: new Date(),
      ...(outcome !== undefined ? { outcome } : {}),
      ...(finished ? { finishedAt: new Date() } : {}),
    })
    .where(eq(campaigns.id, id));
}

/**
 * Deletes a finished campaign and, through the schema's cascades, everything recorded for it
 * (experiments, results, quarantined reports, events, model versions, snapshot). False when it
 * is not there or has not finished (a running campaign is stopped first).
 */
export async function deleteFinishedCampaign(db: DbOrTx, id: string): Promise<boolean> {
  const deleted = await db
    .delete(campaigns)
    .where(and(eq(campaigns.id, id), inArray(campaigns.status, FINISHED_STATUSES)))
    .returning({ id: campaigns.id });
  return deleted.length > 0;
}
