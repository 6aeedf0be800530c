/** What a campaign has achieved so far, computed from the rows: for the CLI, the API and the panel. */
import { countByStatus, listObservedValues, type CampaignRow, type Db, type StatusCounts } from '../db/index.js';
import type { DatasetReference } from '../lab-adapters/dataset-simulator.js';
import { Measurements } from '../measurements/measurements.js';
import { Objective } from '../objectives/objective.js';

export interface CampaignSummary {
  campaignId: string;
  name: string;
  status: string;
  outcome: string | null;
  budget: number;
  /** Experiments that count against the budget (all but cancelled). */
  experiments: number;
  counts: StatusCounts;
  /** The objective's target (what `best` and `bestSoFar` measure). */
  target: string;
  /** Which way is better: maximize, minimize, or match (a value within a tolerance). */
  direction: 'maximize' | 'minimize' | 'match';
  unit: string | null;
  /**
   * @deprecated The best value of the target, whatever it is (not only yields): read `best.value`.
   * Kept because the CLI's `--json` output and the API have promised it.
   */
  bestYield: number | null;
  /** The best result so far by the objective (the earlier experiment on a tie). */
  best: { target: string; experiment: number; value: number; parameters: Record<string, string | number> } | null;
  /** Best value after each finished experiment, in experiment order (null until the first result). */
  bestSoFar: (number | null)[];
  reference: DatasetReference | null;
  /** The experiment number at which a top-1 % result of the dataset was first reached. */
  firstTop1At: number | null;
  firstMaxAt: number | null;
  /** The dataset's best value by the objective (its max when maximising, its min when minimising). */
  datasetBest: number | null;
}

export async function summarizeCampaign(db: Db, campaign: CampaignRow, reference?: DatasetReference): Promise<CampaignSummary> {
  const spec = campaign.spec;
  const objective = Objective.of(spec);
  const { target } = objective;
  const counts = await countByStatus(db, campaign.id);
  const measurements = Measurements.from(await listObservedValues(db, campaign.id));

  let best: CampaignSummary['best'] = null;
  let firstTop1At: number | null = null;
  let firstMaxAt: number | null = null;
  const bestSoFar: (number | null)[] = [];
  const datasetBest = reference ? objective.bestIn(reference) : undefined;
  for (const { measurement: o, value } of measurements.valuesBy(objective)) {
    if (!best || objective.better(value, best.value)) best = { target, experiment: o.seq, value, parameters: o.parameters };
    if (reference && firstTop1At === null && objective.reaches(value, reference.top1Threshold)) firstTop1At = o.seq;
    if (datasetBest !== undefined && firstMaxAt === null && objective.reaches(value, datasetBest, 1e-9)) firstMaxAt = o.seq;
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
    direction: objective.match ? 'match' : objective.direction,
    unit: objective.unit ?? null,
    bestYield: best?.value ?? null,
    best,
    bestSoFar,
    reference: reference ?? null,
    firstTop1At,
    firstMaxAt,
    datasetBest: datasetBest ?? null,
  };
}
