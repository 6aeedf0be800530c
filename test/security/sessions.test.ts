/**
 * Issue 15, item 8: the panel's session cookie was the raw API token, so a hand-built cookie
 * worked and the 12 h limit existed only in the browser. Now signing in creates a server-side
 * session (a random id, stored hashed), the cookie carries only that id, and the server ends it at
 * its expiry, at sign-out and when the token is revoked. Real HTTP on loopback, real PGlite.
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionHoursFromEnv } from '../../src/auth/index.js';
import { revokeApiTokens, sessions } from '../../src/db/index.js';
import { startHarness, type Harness } from '../api-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sessionHours: 2 });
});
afterAll(async () => {
  await h?.close();
});

const json = { 'content-type': 'application/json' };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function signIn(token: string, headers: Record<string, string> = {}) {
  const res = await h.call('/api/session', { method: 'POST', headers: { ...json, origin: h.url, ...headers }, body: JSON.stringify({ token }), token: null });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const value = /^athanor_session=([^;]*)/.exec(setCookie)?.[1] ?? '';
  return { setCookie, value, cookie: `athanor_session=${value}`, body: (await res.json()) as { name: string; role: string; expiresAt: string } };
}

const whoAmI = (cookie: string) => h.json('/api/session', { headers: { cookie }, token: null });

describe('server-side sessions', () => {
  it('does not accept a hand-built cookie holding an API token', async () => {
    for (const token of [h.tokens.operator, h.tokens.viewer]) {
      expect((await whoAmI(`athanor_session=${token}`)).status).toBe(401);
      const pause = await h.json('/api/campaigns/00000000-0000-4000-8000-000000000000/pause', { method: 'POST', headers: { cookie: `athanor_session=${token}`, origin: h.url }, token: null });
      expect(pause.status).toBe(401);
    }
    // and the panel sends such a browser to sign in
    const page = await h.call('/', { headers: { cookie: `athanor_session=${h.tokens.operator}` }, token: null, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/^\/signin/);
  });

  it('puts a random session id in the cookie, never the token, and stores only its hash', async () => {
    const a = await signIn(h.tokens.viewer);
    const b = await signIn(h.tokens.viewer);
    for (const s of [a, b]) {
      expect(s.value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
      expect(s.value).not.toContain(h.tokens.viewer.slice(4, 14));
      expect(s.setCookie).toMatch(/HttpOnly/i);
      expect(s.setCookie).toMatch(/SameSite=Strict/i);
      expect(s.setCookie).not.toMatch(/Secure/i); // plain HTTP on loopback
      expect(s.setCookie).toMatch(/Max-Age=7200\b/); // the configured 2 h
    }
    expect(a.value).not.toBe(b.value);
    expect((await whoAmI(a.cookie)).body).toEqual({ name: 'victor', role: 'viewer' });

    const rows = await h.database.db.select().from(sessions).where(eq(sessions.idHash, sha256(a.value)));
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(JSON.stringify(rows)).not.toContain(a.value);
    const lifetime = row!.expiresAt.getTime() - row!.createdAt.getTime();
    expect(Math.abs(lifetime - 2 * 3600_000)).toBeLessThan(60_000);
    expect(Math.abs(new Date(a.body.expiresAt).getTime() - row!.expiresAt.getTime())).toBeLessThan(1_000);
  });

  it('marks the cookie Secure behind an HTTPS reverse proxy', async () => {
    const s = await signIn(h.tokens.viewer, { 'x-forwarded-proto': 'https' });
    expect(s.setCookie).toMatch(/;\s*Secure/i);
  });

  it('enforces expiry on the server, whatever the browser keeps', async () => {
    const s = await signIn(h.tokens.operator);
    expect((await whoAmI(s.cookie)).status).toBe(200);
    // the session's time runs out (as 2 h later); the browser would still send the cookie
    await h.database.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1_000) }).where(eq(sessions.idHash, sha256(s.value)));
    expect((await whoAmI(s.cookie)).status).toBe(401);
  });

  it('ends the session on the server at sign-out: the old cookie no longer works', async () => {
    const s = await signIn(h.tokens.operator);
    expect((await whoAmI(s.cookie)).status).toBe(200);
    const out = await h.call('/api/session', { method: 'DELETE', headers: { cookie: s.cookie, origin: h.url }, token: null });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/athanor_session=;/);
    expect((await whoAmI(s.cookie)).status).toBe(401);
    const [row] = await h.database.db.select().from(sessions).where(eq(sessions.idHash, sha256(s.value)));
    expect(row?.revokedAt).toBeInstanceOf(Date);

    // the panel's sign-out form too
    const p = await signIn(h.tokens.operator);
    const form = await h.call('/signout', { method: 'POST', headers: { cookie: p.cookie, origin: h.url }, token: null, redirect: 'manual' });
    expect(form.status).toBe(303);
    expect((await whoAmI(p.cookie)).status).toBe(401);
  });

  it('ends every session of a token when the token is revoked', async () => {
    const { issueToken } = await import('../../src/auth/index.js');
    const { token } = await issueToken(h.database.db, 'temporary', 'operator');
    const first = await signIn(token);
    const second = await signIn(token);
    expect((await whoAmI(first.cookie)).status).toBe(200);
    expect(await revokeApiTokens(h.database.db, 'temporary')).toBe(1);
    expect((await whoAmI(first.cookie)).status).toBe(401);
    expect((await whoAmI(second.cookie)).status).toBe(401);
    const rows = await h.database.db.select().from(sessions).where(eq(sessions.idHash, sha256(second.value)));
    expect(rows[0]?.revokedAt).toBeInstanceOf(Date);
  });

  it('reads the session lifetime from ATHANOR_SESSION_HOURS and refuses nonsense', () => {
    expect(sessionHoursFromEnv({})).toBe(12);
    expect(sessionHoursFromEnv({ ATHANOR_SESSION_HOURS: '1.5' })).toBe(1.5);
    for (const bad of ['0', '-3', 'twelve', '1e9', '1000']) expect(() => sessionHoursFromEnv({ ATHANOR_SESSION_HOURS: bad })).toThrow(/ATHANOR_SESSION_HOURS/);
  });
});
