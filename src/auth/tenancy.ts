/**
 * Which campaigns a token may act on. Viewer and operator tokens reach every campaign (an
 * operator runs the service). A lab token reaches only the campaigns it was bound to when it was
 * created (`athanor token create --role lab --campaign <id>`) or later (`athanor token bind`):
 * it reads them and reports their results, and nothing of any other campaign.
 *
 * A lab token bound to no campaign (one created before tokens were bound) reaches none: granting
 * it every campaign would keep the cross-campaign hole open, and binding it to whichever campaign
 * it first reports to would let the first request choose. It is refused with a message that says
 * how to bind it.
 */
import type { Principal } from './tokens.js';

export type CampaignAccess = { ok: true } | { ok: false; code: 'token_not_bound' | 'campaign_not_allowed'; message: string };

export function campaignAccess(principal: Pick<Principal, 'role' | 'name' | 'campaignIds'>, campaignId: string): CampaignAccess {
  if (principal.role !== 'lab') return { ok: true };
  const bound = principal.campaignIds ?? [];
  if (bound.length === 0) {
    return {
      ok: false,
      code: 'token_not_bound',
      message:
        `the lab token "${principal.name}" is bound to no campaign, so it may not read or report to any; ` +
        'bind it with `athanor token bind <name> --campaign <id>` or create one with `athanor token create --role lab --campaign <id>`',
    };
  }
  if (bound.includes(campaignId.toLowerCase())) return { ok: true };
  return { ok: false, code: 'campaign_not_allowed', message: `the lab token "${principal.name}" is not bound to campaign ${campaignId}` };
}

/** Filters a list of campaign ids to those the token reaches. */
export function reachableCampaigns<T extends { id: string }>(principal: Pick<Principal, 'role' | 'campaignIds'>, rows: readonly T[]): T[] {
  if (principal.role !== 'lab') return [...rows];
  const bound = new Set(principal.campaignIds ?? []);
  return rows.filter((r) => bound.has(r.id));
}
