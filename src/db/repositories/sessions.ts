import { and, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { apiTokens, sessions } from '../schema.js';

export type SessionRow = typeof sessions.$inferSelect;
export type ApiTokenOfSession = typeof apiTokens.$inferSelect;

export async function insertSession(db: DbOrTx, session: { idHash: string; tokenId: string; expiresAt: Date }): Promise<SessionRow> {
  const [row] = await db.insert(sessions).values(session).returning();
  if (!row) throw new Error('session insert returned nothing');
  return row;
}

/**
 * The token a live session acts for: the session neither revoked nor expired at `now`, and its
 * token not revoked. Revoking a token thereby ends every session made with it, in the same query.
 */
export async function findLiveSession(db: DbOrTx, idHash: string, now: Date): Promise<{ session: SessionRow; token: ApiTokenOfSession } | undefined> {
  const [row] = await db
    .select({ session: sessions, token: apiTokens })
    .from(sessions)
    .innerJoin(apiTokens, eq(apiTokens.id, sessions.tokenId))
    .where(and(eq(sessions.idHash, idHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, now), isNull(apiTokens.revokedAt)));
  return row;
}

/** Signs one session out; true when it was live. */
export async function revokeSession(db: DbOrTx, idHash: string, at = new Date()): Promise<boolean> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: at })
    .where(and(eq(sessions.idHash, idHash), isNull(sessions.revokedAt)))
    .returning({ idHash: sessions.idHash });
  return rows.length > 0;
}

/** Signs out every session of these tokens (what revoking a token does); returns how many. */
export async function revokeSessionsOfTokens(db: DbOrTx, tokenIds: readonly string[], at = new Date()): Promise<number> {
  let count = 0;
  for (const tokenId of tokenIds) {
    const rows = await db
      .update(sessions)
      .set({ revokedAt: at })
      .where(and(eq(sessions.tokenId, tokenId), isNull(sessions.revokedAt)))
      .returning({ idHash: sessions.idHash });
    count += rows.length;
  }
  return count;
}

/** Forgets sessions that ended (expired or signed out) before `before`: they can never authenticate again. */
export async function deleteEndedSessions(db: DbOrTx, before: Date): Promise<number> {
  const rows = await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, before), lt(sessions.revokedAt, before)))
    .returning({ idHash: sessions.idHash });
  return rows.length;
}
