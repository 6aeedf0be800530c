/**
 * CSRF defence for the cookie-signed panel. A browser attaches the session cookie to requests any
 * site makes, so a state-changing request that relies on the cookie must show it comes from our
 * own pages: Sec-Fetch-Site "same-origin" or an Origin equal to ours. Bearer-token requests are
 * not affected (a browser never adds that header by itself). Unlike hono/csrf, this checks every
 * content type, not only form posts, and also guards the sign-in form against login CSRF.
 */
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { SESSION_COOKIE, type ServerEnv } from '../env.js';
import { apiError } from '../errors.js';

const SAFE = /^(GET|HEAD|OPTIONS)$/;

export function sameOriginForCookies(options: { alwaysFor?: (path: string) => boolean } = {}) {
  return createMiddleware<ServerEnv>(async (c, next) => {
    const usesCookie = c.get('authVia') === 'cookie' || (c.get('authVia') === undefined && getCookie(c, SESSION_COOKIE) !== undefined);
    const guarded = usesCookie || (options.alwaysFor?.(c.req.path) ?? false);
    if (!SAFE.test(c.req.method) && guarded) {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const ownOrigin = new URL(c.req.url).origin;
      if (site !== 'same-origin' && origin !== ownOrigin) {
        throw apiError(403, 'cross_site_request', 'this request did not come from the control panel itself');
      }
    }
    await next();
  });
}
