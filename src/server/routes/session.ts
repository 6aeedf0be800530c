/**
 * Signing in to the panel: the token goes once into an HTTP-only, SameSite=Strict cookie, so page
 * scripts never hold it and other sites cannot send it. Revoking the token ends the session.
 */
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { authenticateToken } from '../../auth/index.js';
import { SESSION_COOKIE, type ServerEnv } from '../env.js';
import { apiError } from '../errors.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { errorSchema, sessionBody } from '../openapi/schemas.js';
import type { Services } from '../services.js';

const SESSION_HOURS = 12;

const whoSchema = z.object({ name: z.string(), role: z.enum(['viewer', 'operator', 'lab']) });

export function startSession(c: Context<ServerEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: new URL(c.req.url).protocol === 'https:',
    maxAge: SESSION_HOURS * 3600,
  });
}

export function endSession(c: Context<ServerEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}

export function sessionRoutes(api: ApiBuilder, services: Services): void {
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
      access: 'public',
      body: sessionBody,
      responses: { 200: { description: 'Signed in', schema: whoSchema }, 401: { description: 'Unknown or revoked token', schema: errorSchema } },
    },
    async (c, { body }) => {
      const principal = await authenticateToken(services.db, body.token.trim());
      if (!principal) throw apiError(401, 'invalid_token', 'this token is unknown or revoked', 'token');
      startSession(c, body.token.trim());
      return c.json({ name: principal.name, role: principal.role });
    },
  );

  api.define(
    {
      method: 'delete',
      path: '/api/session',
      tag: 'session',
      summary: 'Sign out: forget the session cookie',
      access: 'public',
      responses: { 204: { description: 'Signed out' } },
    },
    (c) => {
      endSession(c);
      return c.body(null, 204);
    },
  );
}
