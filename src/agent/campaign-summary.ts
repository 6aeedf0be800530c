/** What a campaign has achieved so far, computed from the rows: for the CLI, the API and the panel. */
import type { CampaignSpec } from '../campaign/index.js';
import { countByStatus, listObservedValues, type CampaignRow, type Db, type StatusCounts } from '../db/index.js';
import type { DatasetReference } from '../lab-adapters/dataset-simulator.js';

export interface CampaignSummary {
  campaignId: string;
  name: string;
  status: string;
  outcome: string | null;
  budget: number;
  /** Experiments that count against the budget (all but cancelled). */
  experiments: number;
  counts: StatusCounts;
  target: string;
  unit: string | null;
  bestYield: number | null;
  best: { experiment: number; value: number; parameters: Record<string, string | number> } | null;
  /** Best value after each finished experiment, in experiment order (null until the first result). */
  bestSoFar: (number | null)[];
  reference: DatasetReference | null;
  /** The experiment number at which a top-1 % result of the dataset was first reached. */
  firstTop1At: number | null;
  firstMaxAt: number | null;
}

export async function summarizeCampaign(db: Db, campaign: CampaignRow, reference?: DatasetReference): Promise<CampaignSummary> {
  const spec = campaign.spec as unknown as CampaignSpec;
  const { target, direction } = spec.objective;
  const better = (a: number, b: number) => (direction === 'maximize' ? a > b : a < b);
  const reached = (value: number, threshold: number) => !better(threshold, value);
  const counts = await countByStatus(db, campaign.id);
  const observations = await listObservedValues(db, campaign.id);

  let best: CampaignSummary['best'] = null;
  let firstTop1At: number | null = null;
  let firstMaxAt: number | null = null;
  const bestSoFar: (number | null)[] = [];
  for (const o of observations) {
    const value = o.values[target];
    if (value === undefined) continue;
    if (!best || better(value, best.value)) best = { experiment: o.seq, value, parameters: o.parameters };
    if (reference && firstTop1At === null && reached(value, reference.top1Threshold)) firstTop1At = o.seq;
    const datasetBest = direction === 'maximize' ? reference?.max : reference?.min;
    if (datasetBest !== undefined && firstMaxAt === null && reached(value, datasetBest - 1e-9 * (direction === 'maximize' ? 1 : -1))) {
      firstMaxAt = o.seq;
    }
    bestSoFar.push(best.value);
  }
  return {
    campaignId: campaign.id,
    name: campaign.name,
    status: campaign.status,
    outcome: campaign.outcome,
    budget: campaign.budget,
    experiments: counts.planned + counts.dispatched + counts.running + counts.completed + counts.failed,
    counts,
    target,
    unit: spec.objective.unit ?? null,
    bestYield: best?.value ?? null,
    best,
    bestSoFar,
    reference: reference ?? null,
    firstTop1At,
    firstMaxAt,
  };
}
