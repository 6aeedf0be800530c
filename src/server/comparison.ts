/**
 * Several campaigns side by side: each one's best-so-far curve, so a chemist can see which
 * planner settings, initial design or prior data reached a good result sooner. Curves share one
 * axis only when they measure the same thing (target, unit and direction), and a campaign that
 * measures something else is named with the reason it is left
 * out (a yield in % and a selectivity on one axis would mislead). The plot takes the objective
 * most of the chosen campaigns share.
 */
import { campaignAccess, type Principal } from '../auth/index.js';
import { getCampaign } from '../db/index.js';
import { apiError } from './errors.js';
import type { CampaignView, Services } from './services.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** More curves than this are no longer told apart on one plot. */
export const MAX_COMPARED = 8;

export interface ComparedCampaign {
  campaignId: string;
  name: string;
  status: string;
  budget: number;
  /** Best value after each result, in experiment order (null before the first result). */
  bestSoFar: (number | null)[];
  best: { experiment: number; value: number } | null;
  /** The first experiment whose result reached the dataset's top 1 %, when the lab is a dataset simulator. */
  firstTop1At: number | null;
}

export interface Comparison {
  target: string;
  unit: string | null;
  direction: 'maximize' | 'minimize' | 'match';
  campaigns: ComparedCampaign[];
  /** Chosen campaigns whose objective differs from the first one's, with why. */
  leftOut: { campaignId: string; name: string; reason: string }[];
}

/** The ids in the order given, each once. */
export function distinctIds(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

export async function compareCampaigns(services: Services, principal: Principal, ids: readonly string[]): Promise<Comparison> {
  const chosen = distinctIds(ids);
  if (chosen.length === 0) throw apiError(400, 'invalid_query', 'choose at least one campaign to compare', 'campaigns');
  if (chosen.length > MAX_COMPARED) throw apiError(400, 'invalid_query', `at most ${MAX_COMPARED} campaigns can be compared on one plot (got ${chosen.length})`, 'campaigns');
  const malformed = chosen.find((id) => !UUID.test(id));
  if (malformed !== undefined) throw apiError(400, 'invalid_query', `"${malformed}" is not a campaign id (a UUID)`, 'campaigns');
  const views: CampaignView[] = [];
  for (const id of chosen) {
    // a lab token compares only the campaigns it is bound to (403 whether or not the others exist)
    const access = campaignAccess(principal, id);
    if (!access.ok) throw apiError(403, access.code, access.message, 'campaigns');
    const row = await getCampaign(services.db, id);
    if (!row) throw apiError(404, 'campaign_not_found', `no campaign has the id ${id}`, 'campaigns');
    views.push(await services.view(row));
  }
  // The axis is the objective most of the chosen campaigns share (on a tie, the first one's):
  // ticking one campaign of another kind then never pushes the others off the plot.
  const keyOf = (v: CampaignView) => `${v.target}\u0000${v.unit ?? ''}\u0000${v.direction}`;
  const counts = new Map<string, number>();
  for (const v of views) counts.set(keyOf(v), (counts.get(keyOf(v)) ?? 0) + 1);
  const most = Math.max(...counts.values());
  const first = views.find((v) => counts.get(keyOf(v)) === most)!;
  const comparison: Comparison = { target: first.target, unit: first.unit, direction: first.direction, campaigns: [], leftOut: [] };
  for (const view of views) {
    const differs: string[] = [];
    if (view.target !== first.target) differs.push(`it measures ${view.target}, not ${first.target}`);
    else if ((view.unit ?? '') !== (first.unit ?? '')) differs.push(`its unit is ${view.unit ?? 'none'}, not ${first.unit ?? 'none'}`);
    if (view.direction !== first.direction) differs.push(`it aims to ${view.direction}, not to ${first.direction}`);
    if (differs.length > 0) {
      comparison.leftOut.push({ campaignId: view.campaignId, name: view.name, reason: `${differs.join('; ')} (as "${first.name}" and the plot do)` });
      continue;
    }
    comparison.campaigns.push({
      campaignId: view.campaignId,
      name: view.name,
      status: view.status,
      budget: view.budget,
      bestSoFar: view.bestSoFar,
      best: view.best ? { experiment: view.best.experiment, value: view.best.value } : null,
      firstTop1At: view.firstTop1At,
    });
  }
  return comparison;
}
