/**
 * Messages between the service's thread and the thread that runs the embedded database
 * (pglite-thread.ts, pglite-worker.mjs). Values cross by structured clone: SQL parameters and rows
 * are plain data (strings, numbers, booleans, null, Uint8Array, Date, parsed JSON), never functions.
 */

export type RowMode = 'object' | 'array';

export type DatabaseRequest =
  | { id: number; op: 'open'; dataDir: string }
  /** `tx` names an open transaction the statement belongs to; without it, the statement runs alone. */
  | { id: number; op: 'query'; sql: string; params: unknown[]; rowMode: RowMode; rawTypes: number[]; tx?: number }
  | { id: number; op: 'begin'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** An error as it crosses: its name, message and PostgreSQL fields (code, constraint, detail …). */
export interface WireError {
  name: string;
  message: string;
  fields: Record<string, string | number | boolean>;
}

export type DatabaseReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };
