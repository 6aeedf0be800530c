import { and, asc, eq, gt } from 'drizzle-orm';
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
