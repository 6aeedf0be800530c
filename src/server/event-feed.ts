/**
 * Fans campaign events out to live subscribers (the SSE streams). One poll of the events table
 * serves every subscriber, and it runs only while someone listens. Polling the table rather than
 * listening in-process means events written by any writer — the agent, an operator action, a lab
 * callback, another process sharing PostgreSQL — all reach the panel the same way.
 */
import { latestEventId, listEventsSince, type Db, type EventRow } from '../db/index.js';

export type EventListener = (event: EventRow) => void;

export class EventFeed {
  private readonly listeners = new Set<EventListener>();
  private timer: NodeJS.Timeout | undefined;
  private lastId: number | undefined;
  private polling = false;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly intervalMs = 400,
  ) {}

  /** Calls `listener` with every event committed from now on; returns the unsubscribe function. */
  async subscribe(listener: EventListener): Promise<() => void> {
    if (this.closed) throw new Error('the event feed is closed');
    if (this.lastId === undefined) this.lastId = await latestEventId(this.db);
    this.listeners.add(listener);
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.pause();
    };
  }

  /** Where the feed stands: a stream replays from its own position up to here, then listens. */
  get position(): number | undefined {
    return this.lastId;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.pause();
  }

  private pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // Forget the position: the next subscriber starts from what is then the newest event.
    this.lastId = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.lastId === undefined) return;
    this.polling = true;
    try {
      // With PGlite writes are serialised, so ids appear in order; on PostgreSQL a transaction that
      // took an id early may commit late, which a reconnecting panel recovers by asking ?after=.
      const rows = await listEventsSince(this.db, this.lastId);
      for (const row of rows) {
        this.lastId = row.id;
        for (const listener of this.listeners) listener(row);
      }
    } catch {
      // the database may be closing; the next tick tries again
    } finally {
      this.polling = false;
    }
  }
}
