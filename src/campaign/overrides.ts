import { CampaignSpecError, type CampaignIssue } from './errors.js';
import type { CampaignSpec } from './types.js';

export interface SpecOverrides {
  budget?: number;
  batch?: number;
  seed?: number;
}

const FROM_CLI = 'from the command line';

/** Applies command-line overrides to a validated spec and re-checks what they can break. Messages
 * say which value came from where, since the file alone may look fine. */
export function applyOverrides(spec: CampaignSpec, o: SpecOverrides): CampaignSpec {
  const issues: CampaignIssue[] = [];
  if (o.budget !== undefined && !(Number.isSafeInteger(o.budget) && o.budget > 0)) {
    issues.push({ path: 'budget.experiments', message: `must be a positive integer, got ${o.budget} (${FROM_CLI}: --budget)` });
  }
  if (o.batch !== undefined && !(Number.isSafeInteger(o.batch) && o.batch > 0)) {
    issues.push({ path: 'budget.batch', message: `must be a positive integer, got ${o.batch} (${FROM_CLI}: --batch)` });
  }
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) {
    issues.push({ path: 'seed', message: `must be an integer, got ${o.seed} (${FROM_CLI}: --seed)` });
  }
  if (issues.length > 0) throw new CampaignSpecError(issues);

  const experiments = o.budget ?? spec.budget.experiments;
  const batch = o.batch ?? spec.budget.batch;
  if (batch > experiments) {
    const batchFrom = o.batch !== undefined ? `${FROM_CLI}: --batch` : 'from the campaign file';
    const budgetFrom = o.budget !== undefined ? `${FROM_CLI}: --budget` : 'from the campaign file';
    throw new CampaignSpecError([
      {
        path: 'budget.batch',
        message: `batch of ${batch} (${batchFrom}) is larger than the budget of ${experiments} experiments (${budgetFrom})`,
      },
    ]);
  }
  const next = structuredClone(spec);
  next.budget = { experiments, batch };
  if (o.seed !== undefined) next.seed = o.seed;
  return next;
}
