import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { machineSnapshots } from '../schema.js';

export async function saveSnapshot(db: DbOrTx, campaignId: string, state: string, snapshot: unknown): Promise<void> {
  await db
    .insert(machineSnapshots)
    .values({ campaignId, state, snapshot, revision: 1 })
    .onConflictDoUpdate({
      target: machineSnapshots.campaignId,
      set: { state, snapshot, revision: sql`${machineSnapshots.revision} + 1`, updatedAt: new Date() },
    });
}

export async function loadSnapshot(db: DbOrTx, campaignId: string) {
  const [row] = await db.select().from(machineSnapshots).where(eq(machineSnapshots.campaignId, campaignId));
  return row;
}
