/** Refuses a request whose token does not grant the permission: 401 without a valid token, 403 with the wrong role. */
import { createMiddleware } from 'hono/factory';
import { allows, type Permission } from '../../auth/index.js';
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
    await next();
  });
}
