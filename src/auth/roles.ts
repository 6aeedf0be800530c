/** Who may do what. A token has one role; each route asks for a permission, never for a role by name. */
import type { TokenRole } from '../db/index.js';

export const TOKEN_ROLES = ['viewer', 'operator', 'lab'] as const satisfies readonly TokenRole[];

export type Permission =
  /** Read campaigns, experiments, results, models, events. */
  | 'read'
  /** Create campaigns and steer them: pause, resume, stop, settings, cancel, exclude, manual results. */
  | 'operate'
  /** Report measured results. */
  | 'ingest';

const GRANTS: Record<TokenRole, readonly Permission[]> = {
  viewer: ['read'],
  operator: ['read', 'operate', 'ingest'],
  // A robot reads what it was asked to run and reports results; it never steers a campaign.
  lab: ['read', 'ingest'],
};

export function allows(role: TokenRole, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function isTokenRole(value: string): value is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(value);
}
