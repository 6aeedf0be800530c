import { and, asc, desc, eq, gt } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { events } from '../schema.js';

export interface NewEvent {
  campaignId: string | null;
  type: string;
  actor: string;
  payload?: Record<string, unknown>;
}

export async function appendEvent(db: DbOrTx, event: NewEvent): Promise<number> {
  const [row] = await db
    .insert(events)
    .values({ campaignId: event.campaignId, type: event.type, actor: event.actor, payload: event.payload ?? {} })
    .returning({ id: events.id });
  return row?.id ?? 0;
}

export async function listEvents(db: DbOrTx, campaignId: string, afterId = 0, limit = 500) {
  return db
    .select()
    .from(events)
    .where(and(eq(events.campaignId, campaignId), gt(events.id, afterId)))
    .orderBy(asc(events.id))
    .limit(limit);
}

/** The payloads of the newest `limit` events of one type, newest first. */
export async function latestEventPayloads(db: DbOrTx, campaignId: string, type: string, limit: number) {
  const rows = await db
    .select({ payload: events.payload })
    .from(events)
    .where(and(eq(events.campaignId, campaignId), eq(events.type, type)))
    .orderBy(desc(events.id))
    .limit(limit);
  return rows.map((r) => r.payload);
}
