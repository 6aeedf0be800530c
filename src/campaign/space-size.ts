import type { IssueList } from './errors.js';
import { isContinuousSpec, type CampaignSpec } from './types.js';

/* How many candidates a space's grid holds, counted by multiplication (never by enumeration), so
 * that a file asking for 10^17 combinations is refused in microseconds rather than discovered
 * when the campaign starts. */

/** The largest grid a campaign may have unless the service says otherwise (ATHANOR_MAX_CANDIDATES). */
export const DEFAULT_MAX_CANDIDATES = 200_000;

/**
 * Combinations of the grid before forbidden ones are removed: the product of the parameters'
 * choice counts, an unordered group of k roles over n choices counting C(n, k) sets. A float:
 * products beyond 2^53 stay comparable to a limit. Scope tables are not grids: their rows count.
 */
export function gridSize(spec: Pick<CampaignSpec, 'space'>): number {
  const { substances, numeric, categorical, unordered = [] } = spec.space;
  const grouped = new Set(unordered.flat());
  let size = 1;
  for (const [role, choices] of Object.entries(substances)) if (!grouped.has(role)) size *= Object.keys(choices).length;
  // a continuous parameter adds no discrete combinations: it is optimised, never listed
  for (const p of Object.values(numeric)) if (!isContinuousSpec(p)) size *= p.values.length;
  for (const choices of Object.values(categorical)) size *= choices.length;
  for (const group of unordered) size *= binomial(Object.keys(substances[group[0] ?? ''] ?? {}).length, group.length);
  return size;
}

function binomial(n: number, k: number): number {
  if (k > n) return 0;
  let out = 1;
  for (let i = 1; i <= k; i++) out = (out * (n - k + i)) / i;
  return Math.round(out);
}

/** A grid larger than `limit` is refused, naming its size; a scope table's size is its rows (checked where it is read). */
export function checkSpaceSize(spec: CampaignSpec, limit: number, issues: IssueList): void {
  if (spec.space.scope !== undefined || !isEnumerated(spec)) return;
  const size = gridSize(spec);
  if (size > limit) {
    issues.add(
      ['space'],
      `the space has ${formatCount(size)} combinations, more than the limit of ${formatCount(limit)}: narrow a parameter, list the combinations wanted in a scope table, or ask the administrator to raise ATHANOR_MAX_CANDIDATES`,
    );
  }
}

function formatCount(n: number): string {
  return n < 1e15 ? Math.round(n).toLocaleString('en') : n.toExponential(2);
}

/**
 * Whether the space is listed candidate by candidate (the discrete planners), or searched without
 * listing it (a continuous parameter, or `space.enumerate: false` for a discrete product too large
 * to list): the mixed-space planner then samples and optimises (src/planner/mixed/).
 */
export function isEnumerated(spec: Pick<CampaignSpec, 'space'>): boolean {
  if (spec.space.enumerate === false) return false;
  return !Object.values(spec.space.numeric).some(isContinuousSpec);
}
