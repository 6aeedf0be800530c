/**
 * Signing in to the panel: a token is exchanged for a server-side session (src/auth/sessions.ts).
 * The cookie carries only the session's random secret, HTTP-only (page scripts never hold it),
 * SameSite=Strict (other sites cannot send it) and Secure behind HTTPS. The server ends the
 * session at its expiry, at sign-out, or when the token is revoked.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { authenticateToken, endSession, startSession, type Principal } from '../../auth/index.js';
import type { Db } from '../../db/index.js';
import { SESSION_COOKIE, type ServerEnv } from '../env.js';
import { apiError } from '../errors.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { errorSchema, sessionBody } from '../openapi/schemas.js';
import type { Services } from '../services.js';

const whoSchema = z.object({
  name: z.string(),
  role: z.enum(['viewer', 'operator', 'lab']),
  expiresAt: z.string().optional().describe('When the session ends (ISO 8601), for a session just started'),
});

/** HTTPS here or at a reverse proxy in front (which says so in X-Forwarded-Proto). */
function behindHttps(c: Context<ServerEnv>): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/** Starts a session for this principal and hands its secret to the browser; returns when it ends. */
export async function signIn(c: Context<ServerEnv>, db: Db, principal: Principal, hours: number): Promise<Date> {
  const session = await startSession(db, principal, hours);
  setCookie(c, SESSION_COOKIE, session.secret, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: behindHttps(c),
    maxAge: Math.round(hours * 3600),
  });
  return session.expiresAt;
}

/** Ends the request's session on the server and asks the browser to forget the cookie. */
export async function signOut(c: Context<ServerEnv>, db: Db): Promise<void> {
  const secret = getCookie(c, SESSION_COOKIE);
  if (secret) await endSession(db, secret);
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: behindHttps(c) });
}

export function sessionRoutes(api: ApiBuilder, services: Services, sessionHours: number): void {
  api.define(
    {
      method: 'get',
      path: '/api/session',
      tag: 'session',
      summary: 'Who the request is signed in as',
      access: 'read',
      responses: { 200: { description: "The token's name and role", schema: whoSchema } },
    },
    (c) => {
      const principal = c.get('principal')!;
      return c.json({ name: principal.name, role: principal.role });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/session',
      tag: 'session',
      summary: 'Sign in: exchange a token for a session cookie (HTTP-only, SameSite=Strict)',
      description: 'The cookie holds a random session id, not the token; the session ends on the server at its expiry (12 h by default, ATHANOR_SESSION_HOURS), at sign-out, or when the token is revoked.',
      access: 'public',
      body: sessionBody,
      responses: { 200: { description: 'Signed in', schema: whoSchema }, 401: { description: 'Unknown or revoked token', schema: errorSchema } },
    },
    async (c, { body }) => {
      const principal = await authenticateToken(services.db, body.token.trim());
      if (!principal) throw apiError(401, 'invalid_token', 'this token is unknown or revoked', 'token');
      const expiresAt = await signIn(c, services.db, principal, sessionHours);
      return c.json({ name: principal.name, role: principal.role, expiresAt: expiresAt.toISOString() });
    },
  );

  api.define(
    {
      method: 'delete',
      path: '/api/session',
      tag: 'session',
      summary: 'Sign out: end the session on the server and forget its cookie',
      access: 'public',
      responses: { 204: { description: 'Signed out' } },
    },
    async (c) => {
      await signOut(c, services.db);
      return c.body(null, 204);
    },
  );
}
