/**
 * Tenancy for lab tokens where no API route's permission check sees it: the panel's
 * `/campaigns/:id/…` pages and the stream of every campaign's events. A lab token reaches only
 * a campaign it is bound to (src/auth/tenancy.ts; the API's /api/campaigns/:id/… routes check the
 * same in requirePermission, after the role). Refused with 403 whether or not the campaign exists,
 * so a lab token learns nothing about other campaigns. Other roles pass.
 */
import { createMiddleware } from 'hono/factory';
import { campaignAccess } from '../../auth/index.js';
import type { ServerEnv } from '../env.js';
import { apiError } from '../errors.js';

/** Panel paths under /campaigns that are not a campaign id. */
const NOT_AN_ID = new Set(['new']);

export function campaignScope() {
  return createMiddleware<ServerEnv>(async (c, next) => {
    const principal = c.get('principal');
    if (principal?.role === 'lab') {
      const match = /^\/campaigns\/([^/]+)/.exec(c.req.path);
      const id = match?.[1];
      if (id !== undefined && !NOT_AN_ID.has(id)) {
        const access = campaignAccess(principal, safeDecode(id));
        if (!access.ok) throw apiError(403, access.code, access.message, 'id');
      }
      // The stream of every campaign's events: a lab token reads its own campaigns' streams instead.
      if (c.req.path === '/api/events/stream') {
        throw apiError(403, 'campaign_not_allowed', 'a lab token reads the events of its campaigns at /api/campaigns/:id/events/stream');
      }
    }
    await next();
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
