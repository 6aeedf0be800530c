/**
 * What a discovery campaign has learnt: its map of the space (measured outcomes where experiments
 * ran, the reactivity classifier's elsewhere) and, when the lab is a dataset, how much of the map
 * the dataset confirms — the figure Granda et al. report (accuracy over all combinations after
 * exploring a fraction of them).
 */
import type { CampaignSpec } from '../campaign/index.js';
import { listObservations, type Db } from '../db/index.js';
import { mapAccuracy } from '../discovery/discovery-model.js';
import { DiscoveryRecommender, outcomesOf } from '../discovery/discovery-recommender.js';
import { DatasetSimulator } from '../lab-adapters/dataset-simulator.js';
import { Measurements } from '../measurements/measurements.js';
import { Objective } from '../objectives/objective.js';
import type { CampaignRuntime } from './campaign-runtime.js';

export interface DiscoverySummary {
  candidates: number;
  experiments: number;
  reacted: number;
  /** Combinations the map says react (measured or predicted). */
  predictedReactive: number;
  /** Share of the dataset's combinations the map gets right (null when the lab is not a dataset). */
  accuracy: number | null;
  /** The same for the majority outcome everywhere: what a map that learnt nothing would score. */
  majorityAccuracy: number | null;
  /** Reacted experiments whose lab reported a product, and how many of those the forward model's top product matched. */
  productsObserved: number;
  forwardAgreed: number;
}

export async function summarizeDiscovery(db: Db, campaignId: string, spec: CampaignSpec, runtime: CampaignRuntime): Promise<DiscoverySummary | null> {
  const { recommender, space, lab } = runtime;
  if (!(recommender instanceof DiscoveryRecommender)) return null;
  // Oriented like the planner's observations (a discovery objective is always maximised: checks.ts).
  const objective = Objective.of(spec);
  const observations = Measurements.from(await listObservations(db, campaignId)).observations(space, objective);
  const outcomes = outcomesOf(observations, objective.direction);
  const model = await recommender.modelFor(space);
  const { reacts } = model.reactivityMap(outcomes);
  const agreement = model.forwardAgreement(outcomes);
  const summary: DiscoverySummary = {
    productsObserved: agreement.observed,
    forwardAgreed: agreement.agreed,
    candidates: space.size,
    experiments: outcomes.length,
    reacted: outcomes.filter((o) => o.reacted).length,
    predictedReactive: reacts.reduce((n, r) => n + r, 0),
    accuracy: null,
    majorityAccuracy: null,
  };
  if (lab instanceof DatasetSimulator) {
    const truth: number[] = [];
    const map: number[] = [];
    for (let i = 0; i < space.size; i++) {
      const value = lab.lookup(space.keyOf(i))?.[spec.objective.target];
      if (value === undefined) continue;
      truth.push(value >= 0.5 ? 1 : 0);
      map.push(reacts[i]!);
    }
    if (truth.length > 0) {
      summary.accuracy = mapAccuracy(map, truth);
      const positives = truth.reduce((n, t) => n + t, 0) / truth.length;
      summary.majorityAccuracy = Math.max(positives, 1 - positives);
    }
  }
  return summary;
}
