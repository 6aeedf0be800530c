/**
 * API tokens: random secrets shown once, stored as a SHA-256 hash. A plain fast hash is enough
 * here (unlike for passwords) because the secret has 256 bits of entropy: nobody can guess it
 * from the hash, however fast they hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { apiTokenChanges, findApiTokenByHash, insertApiToken, touchApiToken, type ApiTokenRow, type Db, type TokenRole } from '../db/index.js';
import { tokenCacheOf } from './token-cache.js';
import { TOKEN_NAME, TOKEN_NAME_RULE } from './token-names.js';

export { TOKEN_NAME, TOKEN_NAME_RULE };

/** Recognisable in logs and secret scanners. */
export const TOKEN_PREFIX = 'ath_';
const TOKEN_SHAPE = /^ath_[A-Za-z0-9_-]{43}$/;

/** The operator token `athanor serve` makes at each start for CLI commands on its home (src/cli/service-file.ts). */
export const LOCAL_CLI_TOKEN = 'local-cli';


export interface IssuedToken {
  /** The secret: shown to the person once, never stored. */
  token: string;
  row: ApiTokenRow;
}

export interface Principal {
  tokenId: string;
  /** The token's name: recorded as the actor of what it does. */
  name: string;
  role: TokenRole;
  /** The campaigns a lab token is bound to; null when unbound (src/auth/tenancy.ts says what that allows). */
  campaignIds: readonly string[] | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function issueToken(db: Db, name: string, role: TokenRole, options: { campaignIds?: readonly string[] } = {}): Promise<IssuedToken> {
  const campaignIds = options.campaignIds && options.campaignIds.length > 0 ? [...new Set(options.campaignIds.map((id) => id.toLowerCase()))] : null;
  if (campaignIds && role !== 'lab') throw new Error('only lab tokens are bound to campaigns');
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await insertApiToken(db, { name, role, tokenHash: hashToken(token), prefix: token.slice(0, 10), campaignIds });
  return { token, row };
}

/** Only touch last_used_at when it is this stale, so reading a page does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

/** Who a token is, from a few seconds' memory when it verified just now (src/auth/token-cache.ts). */
export async function authenticateToken(db: Db, token: string): Promise<Principal | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const tokenHash = hashToken(token);
  const cache = tokenCacheOf<Principal>(db);
  const cached = cache.get(tokenHash);
  if (cached) return cached;
  const changes = apiTokenChanges();
  const row = await findApiTokenByHash(db, tokenHash);
  if (!row) return undefined;
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) await touchApiToken(db, row.id, now);
  // Frozen: one object answers every request of the next few seconds.
  const principal: Principal = Object.freeze({ tokenId: row.id, name: row.name, role: row.role, campaignIds: row.campaignIds ? Object.freeze([...row.campaignIds]) : null });
  cache.set(tokenHash, principal, changes);
  return principal;
}
