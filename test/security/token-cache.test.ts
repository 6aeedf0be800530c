/**
 * The few seconds' memory of verified tokens (src/auth/token-cache.ts) never lets a revoked or
 * re-bound token act as it was once this process changed it, never remembers an unknown token,
 * and forgets every entry after its time to live (what bounds a revoke made by another process).
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateToken, campaignAccess, hashToken, issueToken } from '../../src/auth/index.js';
import { TOKEN_CACHE_TTL_MS, TokenCache } from '../../src/auth/token-cache.js';
import { apiTokenChanges, apiTokens, bindApiTokens, insertApiToken, openDatabase, revokeApiTokens, type Database } from '../../src/db/index.js';
import { tempHome } from '../helpers.js';

const CAMPAIGN_A = '00000000-0000-4000-8000-00000000000a';
const CAMPAIGN_B = '00000000-0000-4000-8000-00000000000b';

describe('verified tokens kept in memory', () => {
  let database: Database;
  let cleanup: () => void;

  beforeAll(async () => {
    const home = tempHome('athanor-token-cache-');
    cleanup = home.cleanup;
    database = await openDatabase({ home: home.home });
  });
  afterAll(async () => {
    await database.close();
    cleanup();
  });

  it('refuses a token at once when this process revokes it, though it verified a moment before', async () => {
    const { token } = await issueToken(database.db, 'short-lived', 'operator');
    expect(await authenticateToken(database.db, token)).toMatchObject({ name: 'short-lived', role: 'operator' });
    expect(await authenticateToken(database.db, token)).toMatchObject({ name: 'short-lived' });
    expect(await revokeApiTokens(database.db, 'short-lived')).toBe(1);
    expect(await authenticateToken(database.db, token)).toBeUndefined();
  });

  it('sees a new binding at once', async () => {
    const { token } = await issueToken(database.db, 'robot-cache', 'lab', { campaignIds: [CAMPAIGN_A] });
    const before = await authenticateToken(database.db, token);
    expect(campaignAccess(before!, CAMPAIGN_B).ok).toBe(false);
    expect(await bindApiTokens(database.db, 'robot-cache', [CAMPAIGN_B])).toBe(1);
    const after = await authenticateToken(database.db, token);
    expect(campaignAccess(after!, CAMPAIGN_B).ok).toBe(true);
  });

  it('remembers no unknown token: one stored after a refusal works at once', async () => {
    const secret = `ath_${'x'.repeat(43)}`;
    expect(await authenticateToken(database.db, secret)).toBeUndefined();
    await insertApiToken(database.db, { name: 'late', role: 'viewer', tokenHash: hashToken(secret), prefix: secret.slice(0, 10) });
    expect(await authenticateToken(database.db, secret)).toMatchObject({ name: 'late', role: 'viewer' });
  });

  it('asks the database again once an entry is older than its time to live (a revoke by another process)', async () => {
    const { token, row } = await issueToken(database.db, 'elsewhere', 'viewer');
    expect(await authenticateToken(database.db, token)).toMatchObject({ name: 'elsewhere' });
    // As another process would: straight into the table, unseen by this process's repositories.
    await database.db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, row.id));
    const cache = new TokenCache<string>();
    cache.set('h', 'principal', apiTokenChanges(), 1_000);
    expect(cache.get('h', 1_000 + TOKEN_CACHE_TTL_MS - 1)).toBe('principal');
    expect(cache.get('h', 1_000 + TOKEN_CACHE_TTL_MS)).toBeUndefined();
    // The service's own cache lets it go within that bound too.
    const deadline = Date.now() + TOKEN_CACHE_TTL_MS * 3;
    let principal = await authenticateToken(database.db, token);
    while (principal && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      principal = await authenticateToken(database.db, token);
    }
    expect(principal).toBeUndefined();
  });
});
