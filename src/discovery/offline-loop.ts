/**
 * A discovery campaign without a lab or a database: a strategy proposes batches, a table of known
 * outcomes answers them, and after every batch the campaign's map of the space (measured outcomes
 * where an experiment ran, the classifier's elsewhere) is scored against the table. For benchmarks
 * and behavioural tests; campaigns proper run through the agent.
 */
import type { Recommender } from '../planner/recommender.js';
import type { SearchSpace } from '../planner/space.js';
import { mapAccuracy, type DiscoveryModel, type Outcome } from './discovery-model.js';

export interface OfflineLoopInput {
  space: SearchSpace;
  /** The truth per candidate: 1 reacts, 0 not. */
  truth: ArrayLike<number>;
  /** Scores the map after each batch (the same model for every strategy, so strategies compare fairly). */
  model: DiscoveryModel;
  strategy: Recommender;
  budget: number;
  batch: number;
  seed: number;
}

export interface OfflineLoopPoint {
  experiments: number;
  accuracy: number;
  reacted: number;
}

export async function runOfflineDiscovery(input: OfflineLoopInput): Promise<OfflineLoopPoint[]> {
  const { space, truth } = input;
  const outcomes: Outcome[] = [];
  const taken = new Set<number>();
  const curve: OfflineLoopPoint[] = [];
  for (let round = 1; outcomes.length < input.budget; round++) {
    const count = Math.min(input.batch, input.budget - outcomes.length);
    const { proposals } = await input.strategy.recommend({
      space,
      count,
      seed: input.seed,
      round,
      observations: outcomes.map((o) => ({ candidate: o.candidate, value: o.reacted ? 1 : 0 })),
      pending: [],
      taken,
      direction: 'maximize',
    });
    if (proposals.length === 0) break;
    for (const p of proposals) {
      taken.add(p.candidate);
      outcomes.push({ candidate: p.candidate, reacted: truth[p.candidate]! >= 0.5 });
    }
    const { reacts } = input.model.reactivityMap(outcomes);
    curve.push({ experiments: outcomes.length, accuracy: mapAccuracy(reacts, truth), reacted: outcomes.filter((o) => o.reacted).length });
  }
  return curve;
}
