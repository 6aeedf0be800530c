/** Designs that need no model: used before any result exists (and, until a model is ready, after). */
import { rngFor, shuffled } from '../util/random.js';
import { CandidateDistance } from './distance.js';
import { untriedCandidates, type PlanningContext, type Proposal, type Recommendation, type Recommender } from './recommender.js';
import type { SearchSpace } from './space.js';


/** Uniform random choice among candidates not yet taken. */
export class RandomDesign implements Recommender {
  readonly name = 'random';

  async recommend(context: PlanningContext): Promise<Recommendation> {
    return { proposals: this.pick(context) };
  }

  pick(context: PlanningContext): Proposal[] {
    const rng = rngFor(context.seed, 'random-design', context.round);
    return shuffled(untriedCandidates(context), rng)
      .slice(0, context.count)
      .map((candidate, i) => ({ candidate, rank: i + 1, strategy: this.name, reason: 'random draw from the untried candidates' }));
  }
}

/**
 * Greedy max–min design in fingerprint space: each pick is the untried candidate farthest from
 * everything already run, in flight or picked, so the first experiments cover the chemistry
 * instead of clustering. Ties (common on grids) are broken by a seeded order.
 */
export class DiverseDesign implements Recommender {
  readonly name = 'diverse';
  private distanceCache?: { space: SearchSpace; distance: CandidateDistance };

  async recommend(context: PlanningContext): Promise<Recommendation> {
    await this.prepare(context.space);
    return { proposals: this.pick(context) };
  }

  /** Builds the space's distance without holding the event loop (pick builds it in one go otherwise). */
  async prepare(space: SearchSpace): Promise<void> {
    if (this.distanceCache?.space === space) return;
    const distance = await CandidateDistance.build(space);
    if (this.distanceCache?.space !== space) this.distanceCache = { space, distance };
  }

  distanceFor(space: SearchSpace): CandidateDistance {
    if (this.distanceCache?.space !== space) this.distanceCache = { space, distance: new CandidateDistance(space) };
    return this.distanceCache.distance;
  }

  pick(context: PlanningContext): Proposal[] {
    const distance = this.distanceFor(context.space);
    const rng = rngFor(context.seed, 'diverse-design', context.round);
    const pool = shuffled(untriedCandidates(context), rng);
    const anchors = [...context.taken];
    const nearest = new Float64Array(pool.length).fill(Number.POSITIVE_INFINITY);
    for (const anchor of anchors) updateNearest(pool, nearest, anchor, distance);

    const picks: Proposal[] = [];
    const used = new Uint8Array(pool.length);
    while (picks.length < context.count && picks.length < pool.length) {
      let best = -1;
      for (let i = 0; i < pool.length; i++) {
        if (!used[i] && (best < 0 || (nearest[i] as number) > (nearest[best] as number))) best = i;
      }
      used[best] = 1;
      const candidate = pool[best] as number;
      const gap = nearest[best] as number;
      picks.push({
        candidate,
        rank: picks.length + 1,
        strategy: this.name,
        reason: Number.isFinite(gap)
          ? `space-filling: farthest from the ${anchors.length + picks.length} candidates tried or chosen (distance ${gap.toFixed(2)})`
          : 'space-filling: seeded starting point',
      });
      updateNearest(pool, nearest, candidate, distance);
    }
    return picks;
  }
}

function updateNearest(pool: number[], nearest: Float64Array, anchor: number, distance: CandidateDistance): void {
  for (let i = 0; i < pool.length; i++) {
    const d = distance.between(pool[i] as number, anchor);
    if (d < (nearest[i] as number)) nearest[i] = d;
  }
}
