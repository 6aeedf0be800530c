/**
 * Control-panel sessions, kept by the server. Signing in with a token creates a session: a random
 * 256-bit secret goes into the cookie and only its SHA-256 into the database (as for tokens, a
 * fast hash suffices for a secret this long). The server decides when a session ends — at its
 * expiry, at sign-out, or when its token is revoked — so a copied or hand-made cookie is worth
 * nothing once the row says so, and the API token itself never sits in a browser.
 */
import { randomBytes } from 'node:crypto';
import { deleteEndedSessions, findLiveSession, insertSession, revokeSession, touchApiToken, type Db } from '../db/index.js';
import { hashToken, type Principal } from './tokens.js';

export const DEFAULT_SESSION_HOURS = 12;
/** A week: longer-lived panel sessions should be a token kept in a password manager instead. */
export const MAX_SESSION_HOURS = 24 * 7;

const SESSION_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** Only touch the token's last_used_at when it is this stale, as authenticateToken does. */
const TOUCH_INTERVAL_MS = 60_000;
/** Ended sessions are kept this long (for an audit of recent sign-ins), then deleted at a sign-in. */
const KEEP_ENDED_MS = 7 * 24 * 3600_000;

export interface StartedSession {
  /** The cookie's value: never stored. */
  secret: string;
  expiresAt: Date;
}

export async function startSession(db: Db, principal: Principal, lifetimeHours = DEFAULT_SESSION_HOURS): Promise<StartedSession> {
  const now = new Date();
  await deleteEndedSessions(db, new Date(now.getTime() - KEEP_ENDED_MS));
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + lifetimeHours * 3600_000);
  await insertSession(db, { idHash: hashToken(secret), tokenId: principal.tokenId, expiresAt });
  return { secret, expiresAt };
}

/** Who a session cookie signs in as, or undefined when it is unknown, expired, signed out or its token revoked. */
export async function authenticateSession(db: Db, secret: string): Promise<Principal | undefined> {
  if (!SESSION_SHAPE.test(secret)) return undefined;
  const now = new Date();
  const live = await findLiveSession(db, hashToken(secret), now);
  if (!live) return undefined;
  const { token } = live;
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) await touchApiToken(db, token.id, now);
  return { tokenId: token.id, name: token.name, role: token.role, campaignIds: token.campaignIds ?? null };
}

/** Signs a session out (a no-op for an unknown one). */
export async function endSession(db: Db, secret: string): Promise<void> {
  if (SESSION_SHAPE.test(secret)) await revokeSession(db, hashToken(secret));
}

/** ATHANOR_SESSION_HOURS: how long a panel session lasts (default 12 h). */
export function sessionHoursFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ATHANOR_SESSION_HOURS?.trim();
  if (!raw) return DEFAULT_SESSION_HOURS;
  const hours = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(hours > 0) || hours > MAX_SESSION_HOURS) {
    throw new Error(`ATHANOR_SESSION_HOURS must be a number of hours above 0 and at most ${MAX_SESSION_HOURS}, not "${raw}"`);
  }
  return hours;
}
