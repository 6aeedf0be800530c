/**
 * Campaign events as Server-Sent Events. Each message's id is the event id, so a browser that
 * reconnects (EventSource sends Last-Event-ID) gets exactly what it missed, replayed from the
 * database, before the live events.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { listEvents, listEventsSince, type Db, type EventRow } from '../../db/index.js';
import type { ServerEnv } from '../env.js';
import type { EventFeed } from '../event-feed.js';

const HEARTBEAT_MS = 15_000;

export interface StreamOptions {
  db: Db;
  feed: EventFeed;
  /** Only this campaign's events; all campaigns when absent. */
  campaignId?: string;
  /** Replay events after this id first (the query's ?after=, or Last-Event-ID). */
  after: number;
}

function toMessage(event: EventRow) {
  return { id: String(event.id), event: 'campaign-event', data: JSON.stringify({ ...event, at: event.at.toISOString() }) };
}

export function lastEventIdOf(c: Context<ServerEnv>, fallback: number): number {
  const header = Number(c.req.header('last-event-id'));
  return Number.isInteger(header) && header >= 0 ? header : fallback;
}

export function eventStream(c: Context<ServerEnv>, options: StreamOptions): Response {
  const { db, feed, campaignId } = options;
  return streamSSE(c, async (stream) => {
    let delivered = options.after;
    let replaying = true;
    const held: EventRow[] = [];
    const send = async (event: EventRow) => {
      if (event.id <= delivered || (campaignId && event.campaignId !== campaignId)) return;
      delivered = event.id;
      await stream.writeSSE(toMessage(event));
    };
    const unsubscribe = await feed.subscribe((event) => {
      if (replaying) held.push(event);
      else void send(event);
    });
    let wake: () => void = () => {};
    const ended = new Promise<void>((resolve) => (wake = resolve));
    stream.onAbort(() => {
      unsubscribe();
      wake();
    });
    try {
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ after: delivered }), retry: 2000 });
      // Catch up from the database up to where the live feed starts, then hand over to it.
      const upTo = feed.position ?? Number.MAX_SAFE_INTEGER;
      for (;;) {
        const batch = campaignId ? await listEvents(db, campaignId, delivered, 500) : await listEventsSince(db, delivered, 500);
        const due = batch.filter((e) => e.id <= upTo);
        for (const event of due) await send(event);
        if (due.length < 500) break;
      }
      for (const event of held.splice(0)) await send(event);
      replaying = false;
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n'), HEARTBEAT_MS);
      await ended;
      clearInterval(heartbeat);
    } finally {
      unsubscribe();
    }
  });
}
