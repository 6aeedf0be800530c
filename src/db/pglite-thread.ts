/**
 * The embedded database (PGlite) in a worker thread of its own, seen from the service's thread as
 * the client drizzle's PGlite driver takes: `query(sql, params, options)` and `transaction(fn)`.
 *
 * Why: PGlite runs every statement synchronously, in WebAssembly, on the thread that calls it. On
 * the service's thread that was about 2 ms of each request's CPU during which no other request,
 * health check or timer could run, and the loop saturated below 200 requests/s (issue 15). Here the
 * statements run in pglite-worker.mjs and the loop only posts and receives messages.
 *
 * Why this and not the alternatives:
 * - drizzle's own PGlite driver still builds the SQL and maps the rows, so results are exactly what
 *   they were in-process (same type parsing, same error fields); only the client moves.
 * - PGlite's `PGliteWorker` (@electric-sql/pglite/worker) is built for browser tabs: leader election
 *   over BroadcastChannel and navigator.locks, which Node 20 lacks; and it parses the wire protocol
 *   on the calling thread, which is part of the cost we move away.
 * - @electric-sql/pglite-socket would let node-postgres talk to PGlite, but over a listening socket
 *   (another door to the data that bypasses the API's tokens), with one connection at a time or a
 *   multiplexer its authors say not all uses survive, and the wire protocol encoded and parsed on
 *   both sides.
 * - drizzle's pg-proxy driver sends BEGIN/COMMIT as ordinary statements through one callback, so
 *   statements from concurrent requests would land inside another request's transaction.
 * Transactions stay PGlite's own (`transaction()` in the worker, holding its exclusive lock), so
 * they are serialised as before: statements sent outside a transaction wait until it ends.
 */
import { threadId, Worker } from 'node:worker_threads';
import type { DatabaseReply, DatabaseRequest, RowMode, WireError } from './pglite-protocol.js';

const WORKER_URL = new URL('./pglite-worker.mjs', import.meta.url);

/** Distributes `Omit` over the union, so each request keeps its own fields. */
type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The options drizzle's PGlite driver passes: a row mode, and types to hand back as text. */
export interface QueryOptions {
  rowMode?: RowMode;
  parsers?: Record<number, (value: string, type: number) => unknown>;
}

export interface QueryResults {
  rows: unknown[];
  affectedRows?: number;
  fields: { name: string; dataTypeID: number }[];
}

export interface TransactionClient {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResults>;
}

/** An error from the database thread, with the PostgreSQL fields it carried (code, constraint …). */
export class EmbeddedDatabaseError extends Error {
  [field: string]: unknown;
  constructor(wire: WireError) {
    super(wire.message);
    Object.assign(this, wire.fields);
    this.name = wire.name;
  }
}

/**
 * Which types the options ask to receive as text. drizzle asks only that (timestamps, dates,
 * intervals, numeric and date arrays), and the worker can apply nothing else: a function does not
 * cross threads. Any other parser is refused rather than silently ignored.
 */
const checkedParsers = new WeakMap<object, number[]>();

function rawTypes(parsers: QueryOptions['parsers'] = {}): number[] {
  const known = checkedParsers.get(parsers);
  if (known) return known;
  const types = Object.entries(parsers).map(([key, parse]) => {
    const type = Number(key);
    if (parse('2000-01-01 00:00:00', type) !== '2000-01-01 00:00:00') {
      throw new Error(`the embedded database thread cannot apply a custom parser (type ${type}): only types returned as text`);
    }
    return type;
  });
  checkedParsers.set(parsers, types); // drizzle passes the same options object for every statement
  return types;
}

export class PgliteThread implements TransactionClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextTransaction = 1;
  /** Why the thread is gone, once it is (every later call fails with it). */
  private stopped?: Error;
  /** Set by close(): the thread ending after it is expected, not a loss. */
  private closing = false;
  private readonly lostListeners: ((reason: Error) => void)[] = [];

  private constructor(private readonly worker: Worker) {
    worker.unref(); // an idle database does not keep the process alive; a statement under way does
    worker.on('message', (reply: DatabaseReply) => this.settle(reply));
    worker.on('error', (error) => this.lose(new Error(`the embedded database thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.lose(new Error(`the embedded database thread exited (code ${code})`)));
  }

  /**
   * Calls `listener` once if the thread ends without close() (an uncaught error in PGlite, the
   * thread killed, out of memory): from then on every statement fails, so a process that goes on
   * running has no database. The service exits on it (serve-command.ts) for its supervisor to
   * restart it; the data is as safe as after a kill -9 (test/db-thread.test.ts).
   */
  onLost(listener: (reason: Error) => void): void {
    if (this.stopped && !this.closing) listener(this.stopped);
    else this.lostListeners.push(listener);
  }

  /** Starts the thread and opens the data folder there (creating the database when it is new). */
  static async open(dataDir: string): Promise<PgliteThread> {
    const thread = new PgliteThread(new Worker(WORKER_URL));
    try {
      await thread.request({ op: 'open', dataDir });
      return thread;
    } catch (error) {
      await thread.worker.terminate();
      throw error;
    }
  }

  /** The worker's thread id (the service's own is `threadId` of node:worker_threads). */
  get threadId(): number {
    return this.worker.threadId;
  }

  /** True when statements run on another thread than the caller's. */
  get offThread(): boolean {
    return this.worker.threadId !== threadId;
  }

  query(sql: string, params: unknown[] = [], options: QueryOptions = {}, transaction?: number): Promise<QueryResults> {
    let types: number[];
    try {
      types = rawTypes(options.parsers);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.request({ op: 'query', sql, params, rowMode: options.rowMode ?? 'object', rawTypes: types, tx: transaction }) as Promise<QueryResults>;
  }

  /**
   * Runs `body` in one PGlite transaction: committed when it returns, rolled back when it throws.
   * Other statements wait in the database thread until it ends (PGlite's exclusive lock).
   */
  async transaction<T>(body: (tx: TransactionClient) => Promise<T>): Promise<T> {
    const tx = this.nextTransaction++;
    await this.request({ op: 'begin', tx });
    let result: T;
    try {
      result = await body({ query: (sql, params, options) => this.query(sql, params, options, tx) });
    } catch (error) {
      // The body's error is the one to report; a failed ROLLBACK (the thread gone) adds nothing to it.
      await this.request({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.request({ op: 'end', tx, commit: true });
    return result;
  }

  /** Closes the database (PGlite flushes and shuts Postgres down) and ends the thread. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.closing = true;
    try {
      await this.request({ op: 'close' });
    } finally {
      this.stop(new Error('the embedded database is closed'));
      // Not awaited: PGlite has shut Postgres down and written everything when the reply comes;
      // tearing the thread down (freeing its WebAssembly memory) takes another half second of
      // waiting that nothing needs to wait for, and happens on that thread, not this one.
      void this.worker.terminate();
    }
  }

  private request(body: Body<DatabaseRequest>): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ ...body, id } as DatabaseRequest);
    });
  }

  private settle(reply: DatabaseReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new EmbeddedDatabaseError(reply.error));
  }

  private lose(reason: Error): void {
    const first = !this.stopped;
    this.stop(reason);
    if (!first || this.closing) return;
    for (const listener of this.lostListeners.splice(0)) listener(reason);
  }

  private stop(reason: Error): void {
    this.stopped ??= reason;
    for (const pending of this.pending.values()) pending.reject(reason);
    this.pending.clear();
    this.worker.unref();
  }
}
