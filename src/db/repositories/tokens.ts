import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { revokeSessionsOfTokens } from './sessions.js';
import { apiTokens, type TokenRole } from '../schema.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export interface NewApiToken {
  name: string;
  role: TokenRole;
  tokenHash: string;
  prefix: string;
  /** Lab tokens: the campaigns it is bound to. */
  campaignIds?: string[] | null;
}

/**
 * Counts the changes to tokens made through this process (revoked, bound), whatever the database:
 * the in-memory cache of verified tokens (src/auth/token-cache.ts) trusts no entry older than the
 * last change, so it never outlives a revoke made here.
 */
let tokenChanges = 0;

export function apiTokenChanges(): number {
  return tokenChanges;
}

export async function insertApiToken(db: DbOrTx, token: NewApiToken): Promise<ApiTokenRow> {
  const [row] = await db.insert(apiTokens).values(token).returning();
  if (!row) throw new Error('token insert returned nothing');
  return row;
}

/** The live (not revoked) token with this hash. */
export async function findApiTokenByHash(db: DbOrTx, tokenHash: string): Promise<ApiTokenRow | undefined> {
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
  return row;
}

export async function listApiTokens(db: DbOrTx, options: { includeRevoked?: boolean } = {}): Promise<ApiTokenRow[]> {
  const query = db.select().from(apiTokens);
  return (options.includeRevoked ? query : query.where(isNull(apiTokens.revokedAt))).orderBy(asc(apiTokens.createdAt));
}

export async function countLiveApiTokens(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(apiTokens).where(isNull(apiTokens.revokedAt));
  return Number(row?.n ?? 0);
}

/** Revokes every live token with this name or id; returns how many. */
export async function revokeApiTokens(db: DbOrTx, nameOrId: string): Promise<number> {
  const byId = UUID.test(nameOrId);
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(byId ? eq(apiTokens.id, nameOrId) : eq(apiTokens.name, nameOrId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  tokenChanges++;
  // Its panel sessions end with it (they would not authenticate anyway: see findLiveSession).
  await revokeSessionsOfTokens(db, rows.map((r) => r.id));
  return rows.length;
}

/**
 * Binds every live lab token with this name or id to more campaigns (kept with those it already
 * has); returns how many tokens changed. Only lab tokens are bound: other roles reach every campaign.
 */
export async function bindApiTokens(db: DbOrTx, nameOrId: string, campaignIds: readonly string[]): Promise<number> {
  const byId = UUID.test(nameOrId);
  const ids = campaignIds.map((id) => id.toLowerCase());
  const rows = await db
    .select()
    .from(apiTokens)
    .where(and(byId ? eq(apiTokens.id, nameOrId) : eq(apiTokens.name, nameOrId), eq(apiTokens.role, 'lab'), isNull(apiTokens.revokedAt)));
  for (const row of rows) {
    await db.update(apiTokens).set({ campaignIds: [...new Set([...(row.campaignIds ?? []), ...ids])] }).where(eq(apiTokens.id, row.id));
  }
  tokenChanges++;
  return rows.length;
}

export async function touchApiToken(db: DbOrTx, id: string, at: Date): Promise<void> {
  await db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
}
