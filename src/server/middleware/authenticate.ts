/**
 * Finds who is calling: a Bearer token (scripts, robots) or the panel's session cookie (a
 * server-side session's id; an API token put into the cookie by hand is not accepted). It never
 * refuses a request by itself; routes say what they need with requirePermission.
 */
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { authenticateSession, authenticateToken } from '../../auth/index.js';
import type { Db } from '../../db/index.js';
import { SESSION_COOKIE, type ServerEnv } from '../env.js';

export function authenticate(db: Db) {
  return createMiddleware<ServerEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const cookie = bearer ? undefined : getCookie(c, SESSION_COOKIE);
    const principal = bearer ? await authenticateToken(db, bearer) : cookie ? await authenticateSession(db, cookie) : undefined;
    c.set('principal', principal);
    c.set('authVia', principal ? (bearer ? 'bearer' : 'cookie') : undefined);
    await next();
  });
}
