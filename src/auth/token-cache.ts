/**
 * Verified API tokens kept in memory for a few seconds, so a burst of requests with one token
 * costs one database lookup instead of one each (on the embedded database every lookup runs on
 * the event loop). Only tokens that verified are kept: an unknown token always asks the database,
 * so a token created a moment ago works at once and guessing fills no memory.
 *
 * Revoking or binding a token through this process drops every entry at once (apiTokenChanges).
 * A revoke or bind made by another process — `athanor token` beside a service on PostgreSQL — is
 * seen once the entry is TOKEN_CACHE_TTL_MS old: that bounds how long a revoked token still works
 * there. On the embedded database no other process can change the tokens while the service runs
 * (the home lock), so nothing is ever stale there.
 */
import { apiTokenChanges, type Db } from '../db/index.js';

export const TOKEN_CACHE_TTL_MS = 5_000;
/** Far more than the tokens a lab uses; beyond it the oldest entry goes. */
const MAX_ENTRIES = 1_000;

interface Entry<T> {
  value: T;
  at: number;
  /** apiTokenChanges() before the lookup that found it. */
  changes: number;
}

export class TokenCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly ttlMs = TOKEN_CACHE_TTL_MS) {}

  get(tokenHash: string, now = Date.now()): T | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (now - entry.at >= this.ttlMs || entry.changes !== apiTokenChanges()) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.value;
  }

  /** `changes`: apiTokenChanges() read before the database was asked, so a revoke meanwhile voids the entry. */
  set(tokenHash: string, value: T, changes: number, now = Date.now()): void {
    this.entries.delete(tokenHash);
    this.entries.set(tokenHash, { value, at: now, changes });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** One cache per database handle: a token verified against one database says nothing of another. */
const caches = new WeakMap<Db, TokenCache<unknown>>();

export function tokenCacheOf<T>(db: Db): TokenCache<T> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new TokenCache<unknown>();
    caches.set(db, cache);
  }
  return cache as TokenCache<T>;
}
