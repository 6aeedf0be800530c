/**
 * Refuses a request whose token does not grant the permission: 401 without a valid token, 403 with
 * the wrong role, 403 for a lab token and a campaign it is not bound to (src/auth/tenancy.ts).
 */
import { createMiddleware } from 'hono/factory';
import { allows, campaignAccess, type Permission } from '../../auth/index.js';
import type { ServerEnv } from '../env.js';
import { apiError } from '../errors.js';

const NEEDED_ROLES: Record<Permission, string> = { read: 'any role', operate: 'the operator role', ingest: 'the operator or lab role' };

export function requirePermission(permission: Permission) {
  return createMiddleware<ServerEnv>(async (c, next) => {
    const principal = c.get('principal');
    if (!principal) {
      throw apiError(401, 'unauthenticated', 'send an API token as "Authorization: Bearer <token>" (create one with `athanor token create --role …`)');
    }
    if (!allows(principal.role, permission)) {
      throw apiError(403, 'forbidden', `this needs a token with ${NEEDED_ROLES[permission]}; "${principal.name}" is a ${principal.role} token`);
    }
    const campaignId = c.req.path.startsWith('/api/campaigns/') ? c.req.param('id') : undefined;
    if (campaignId !== undefined) {
      const access = campaignAccess(principal, campaignId);
      if (!access.ok) throw apiError(403, access.code, access.message, 'id');
    }
    await next();
  });
}
