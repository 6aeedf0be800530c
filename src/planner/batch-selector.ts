/**
 * The batch step of the model-driven recommenders (Bayesian optimisation, discovery): penalised
 * greedy selection (batch-selection.ts) over the eligible candidates, with the space's candidate
 * distance — the diverse initial design's, which it has already built, or one of its own — and
 * each pick's index among the eligible, where the recommender's scores and predictions are.
 */
import { DEFAULT_PENALTY_LENGTH, selectBatch, type BatchPick } from './batch-selection.js';
import { CandidateDistance } from './distance.js';
import { DiverseDesign, type RandomDesign } from './initial-design.js';
import type { PlanningContext } from './recommender.js';
import type { SearchSpace } from './space.js';

export interface IndexedPick extends BatchPick {
  /** position of the candidate among the eligible ones */
  index: number;
}

export class BatchSelector {
  private cache?: { space: SearchSpace; distance: CandidateDistance };

  constructor(
    private readonly initial: DiverseDesign | RandomDesign,
    private readonly penaltyLength: number = DEFAULT_PENALTY_LENGTH,
  ) {}

  /** Builds the space's distance without holding the event loop, before select needs it. */
  async prepare(space: SearchSpace): Promise<void> {
    if (this.initial instanceof DiverseDesign) return this.initial.prepare(space);
    if (this.cache?.space === space) return;
    const distance = await CandidateDistance.build(space);
    if (this.cache?.space !== space) this.cache = { space, distance };
  }

  private distanceFor(space: SearchSpace): CandidateDistance {
    if (this.initial instanceof DiverseDesign) return this.initial.distanceFor(space);
    if (this.cache?.space !== space) this.cache = { space, distance: new CandidateDistance(space) };
    return this.cache.distance;
  }

  select(context: PlanningContext, eligible: number[], scores: Float64Array): IndexedPick[] {
    const picks = selectBatch({
      candidates: eligible,
      scores,
      pending: context.pending,
      count: context.count,
      distance: this.distanceFor(context.space),
      lengthScale: this.penaltyLength,
    });
    const position = new Map(eligible.map((c, i) => [c, i]));
    return picks.map((pick) => ({ ...pick, index: position.get(pick.candidate)! }));
  }
}

/** The reason's note on a pick damped for closeness ('' when it was not). */
export function dampingNote(pick: BatchPick): string {
  return pick.penalty < 0.99 ? `, damped ×${pick.penalty.toFixed(2)} for closeness to experiments in flight or chosen` : '';
}
