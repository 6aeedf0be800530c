/**
 * The mailbox of operator requests for campaigns that run in another process: queued by whichever
 * process received the request, applied and marked done by the one holding the campaign's lease.
 */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { campaignCommands, type CampaignCommandType } from '../schema.js';

export type CampaignCommandRow = typeof campaignCommands.$inferSelect;

export interface NewCampaignCommand {
  campaignId: string;
  command: CampaignCommandType;
  actor: string;
  payload?: Record<string, unknown>;
}

export async function enqueueCampaignCommand(db: DbOrTx, command: NewCampaignCommand): Promise<number> {
  const [row] = await db
    .insert(campaignCommands)
    .values({ campaignId: command.campaignId, command: command.command, actor: command.actor, payload: command.payload ?? {} })
    .returning({ id: campaignCommands.id });
  if (!row) throw new Error('command insert returned nothing');
  return row.id;
}

/** Pending commands of these campaigns, oldest first. */
export async function pendingCampaignCommands(db: DbOrTx, campaignIds: string[]): Promise<CampaignCommandRow[]> {
  if (campaignIds.length === 0) return [];
  return db
    .select()
    .from(campaignCommands)
    .where(and(inArray(campaignCommands.campaignId, campaignIds), isNull(campaignCommands.doneAt)))
    .orderBy(asc(campaignCommands.id));
}

export async function getCampaignCommand(db: DbOrTx, id: number): Promise<CampaignCommandRow | undefined> {
  const [row] = await db.select().from(campaignCommands).where(eq(campaignCommands.id, id));
  return row;
}

/**
 * Takes a pending command (sets done_at): false when it was no longer pending — the requester
 * gave up on it, or another tenure of the lease took it — and the caller then leaves it alone.
 * Claiming before applying means a request is applied at most once, and never after its
 * requester was told it failed.
 */
export async function claimCampaignCommand(db: DbOrTx, id: number): Promise<boolean> {
  const rows = await db
    .update(campaignCommands)
    .set({ doneAt: new Date() })
    .where(and(eq(campaignCommands.id, id), isNull(campaignCommands.doneAt)))
    .returning({ id: campaignCommands.id });
  return rows.length > 0;
}

/** What came of a claimed command: applied (ok) or not, and the state or the reason. */
export async function finishCampaignCommand(db: DbOrTx, id: number, ok: boolean, outcome: string): Promise<void> {
  await db.update(campaignCommands).set({ ok, outcome }).where(eq(campaignCommands.id, id));
}
