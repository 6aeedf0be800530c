/**
 * Athanor's model-driven strategy: a space-filling initial design until enough results exist, then
 * the surrogate's predictive distribution scored by an acquisition function over every untried
 * candidate, and a batch chosen with local penalisation around pending and already chosen points.
 */
import { rngFor } from '../util/random.js';
import { describeAcquisition, expectedImprovement, scoreCandidates, type AcquisitionSettings } from './acquisition.js';
import { BatchSelector, dampingNote } from './batch-selector.js';
import { DiverseDesign, RandomDesign } from './initial-design.js';
import { untriedCandidates, type ModelView, type PlanningContext, type Proposal, type Recommendation, type Recommender } from './recommender.js';

export interface BayesianSettings {
  acquisition: AcquisitionSettings;
  /** Results needed before the model takes over from the initial design. */
  initialResults: number;
  /** Batch penalisation length (fingerprint/condition distance); 0 turns it off. */
  penaltyLength?: number;
  /** How experiments are chosen before the model takes over (default diverse). */
  initialDesign?: 'diverse' | 'random';
  /**
   * Which σ the acquisition weighs: the total predictive σ including the noise the model could not
   * explain (default), or only its epistemic part (what an experiment can teach), when the model
   * reports it. Screened on the suite's reaction tasks (docs/planner.md): the epistemic σ did not
   * help, amide coupling's misses included, so the total stays the default.
   */
  uncertainty?: 'epistemic' | 'total';
  /**
   * Choose a batch by fantasies (kriging believer) instead of penalisation by candidate distance:
   * each pick is taken as a result at its predicted mean, the model's σ is conditioned on it, and
   * the next pick is scored on that. Needs a model that offers `believer` (the GP); others fall
   * back to penalisation.
   */
  batchFantasies?: boolean;
}

interface FantasyPick {
  /** position among the eligible candidates */
  index: number;
  /** the acquisition value when it was picked (after the fantasies before it) */
  score: number;
}

/**
 * How many of a batch of `count` the prior data of related tasks plans before the campaign has
 * results enough to check them: the sources' agreement beyond chance (0 to 1, the multi-task
 * model's `sourceAgreement`) of it, always leaving one space-filling pick.
 */
export function sourcedShare(agreement: number | undefined, count: number): number {
  if (agreement === undefined || !(agreement > 0)) return 0;
  const share = Math.round(count * Math.min(1, agreement));
  return count > 1 ? Math.min(share, count - 1) : agreement >= 0.5 ? 1 : 0;
}

function format(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(1) : value.toPrecision(2);
}

export class BayesianRecommender implements Recommender {
  readonly name: string;
  private readonly initial: DiverseDesign | RandomDesign;
  private readonly batch: BatchSelector;

  constructor(private readonly settings: BayesianSettings) {
    this.name = `bayes-${settings.acquisition.name}`;
    this.initial = settings.initialDesign === 'random' ? new RandomDesign() : new DiverseDesign();
    this.batch = new BatchSelector(this.initial, settings.penaltyLength);
  }

  async recommend(context: PlanningContext): Promise<Recommendation> {
    const { model } = context;
    if (!model || context.observations.length < this.settings.initialResults) return this.initialBatch(context, model);
    return this.modelBatch(context, model);
  }

  /**
   * Before the campaign has results enough of its own: the space-filling design, except that prior
   * data of related tasks plans part of it (docs/transfer.md). Rows of related tasks do not count
   * as results, since until the campaign has results of its own nothing tells a misleading source
   * from a helpful one; but how far the sources agree with one another beyond chance already says
   * how far they carry, so that share of the batch (sourcedShare) goes to the model's picks and the
   * rest stays space-filling. Unrelated sources agree no more than chance and leave the design as
   * it was; the check on the campaign's own results takes over after.
   */
  private async initialBatch(context: PlanningContext, model: ModelView | undefined): Promise<Recommendation> {
    const fromSources = model ? sourcedShare(model.sourceAgreement, context.count) : 0;
    const sourced = fromSources > 0 && model ? (await this.modelBatch({ ...context, count: fromSources }, model)).proposals : [];
    const taken = sourced.length > 0 ? new Set([...context.taken, ...sourced.map((p) => p.candidate)]) : context.taken;
    const design = context.count > sourced.length ? (await this.initial.recommend({ ...context, count: context.count - sourced.length, taken })).proposals : [];
    const proposals = [
      ...sourced.map((p) => ({ ...p, reason: `${p.reason}; planned from prior data of related tasks (${fromSources} of ${context.count} in this batch, by how far the sources agree)` })),
      ...design.map((p, k) => ({
        ...p,
        rank: sourced.length + k + 1,
        reason: `${p.reason}; initial design until ${this.settings.initialResults} results${model ? '' : ' and a model'} exist`,
      })),
    ];
    return { proposals };
  }

  private async modelBatch(context: PlanningContext, model: ModelView): Promise<Recommendation> {
    const eligible = untriedCandidates(context);
    if (eligible.length === 0) return { proposals: [] };

    const sign = context.direction === 'maximize' ? 1 : -1;
    const predicted = await model.predict(eligible);
    const oriented = Float64Array.from(predicted.mean, (m) => sign * m);
    const incumbent = context.observations.reduce((best, o) => Math.max(best, o.value), Number.NEGATIVE_INFINITY);
    const rng = rngFor(context.seed, 'acquisition', context.round);
    const sigma = this.settings.uncertainty === 'epistemic' && predicted.epistemic ? predicted.epistemic : predicted.sigma;
    const scores = scoreCandidates(this.settings.acquisition, { mean: oriented, sigma, incumbent, rng });

    let maxExpectedImprovement = 0;
    for (let i = 0; i < eligible.length; i++) {
      const ei = expectedImprovement(oriented[i] as number, sigma[i] as number, incumbent);
      if (ei > maxExpectedImprovement) maxExpectedImprovement = ei;
    }

    const what = describeAcquisition(this.settings.acquisition);
    if (this.settings.batchFantasies && model.believer && this.settings.uncertainty !== 'epistemic') {
      const picks = await this.fantasyBatch(context, eligible, model.believer.bind(model), sign, incumbent, rng);
      const proposals: Proposal[] = picks.map((pick, k) => {
        const mean = predicted.mean[pick.index] as number;
        const sigma = predicted.sigma[pick.index] as number;
        return {
          candidate: eligible[pick.index] as number,
          rank: k + 1,
          strategy: this.name,
          mean,
          sigma,
          acquisition: pick.score,
          reason: `${what} ${format(pick.score)}${k > 0 ? ' given the picks before it as fantasised results' : ''} (predicted ${format(mean)} ± ${format(sigma)}, model v${model.version} ${model.kind})`,
        };
      });
      return { proposals, maxExpectedImprovement };
    }
    await this.batch.prepare(context.space);
    const proposals: Proposal[] = this.batch.select(context, eligible, scores).map((pick, k) => {
      const mean = predicted.mean[pick.index] as number;
      const sigma = predicted.sigma[pick.index] as number;
      return {
        candidate: pick.candidate,
        rank: k + 1,
        strategy: this.name,
        mean,
        sigma,
        acquisition: pick.score,
        reason: `${what} ${format(pick.score)} (predicted ${format(mean)} ± ${format(sigma)}, model v${model.version} ${model.kind})${dampingNote(pick)}`,
      };
    });
    return { proposals, maxExpectedImprovement };
  }

  /**
   * Greedy batch by fantasies: experiments in flight are believed first, then each pick in turn;
   * the acquisition is recomputed on the conditioned σ before every pick.
   */
  private async fantasyBatch(
    context: PlanningContext,
    eligible: number[],
    believer: NonNullable<ModelView['believer']>,
    sign: number,
    incumbent: number,
    rng: ReturnType<typeof rngFor>,
  ): Promise<FantasyPick[]> {
    const m = eligible.length;
    const b = await believer([...eligible, ...context.pending]);
    let current = { mean: b.mean, sigma: b.sigma };
    for (let k = 0; k < context.pending.length; k++) current = b.believe(m + k);
    const used = new Uint8Array(m);
    const picks: FantasyPick[] = [];
    while (picks.length < Math.min(context.count, m)) {
      const oriented = Float64Array.from(current.mean.subarray(0, m), (x) => sign * x);
      const scores = scoreCandidates(this.settings.acquisition, { mean: oriented, sigma: current.sigma.subarray(0, m), incumbent, rng });
      let best = -1;
      for (let i = 0; i < m; i++) if (!used[i] && (best < 0 || (scores[i] as number) > (scores[best] as number))) best = i;
      if (best < 0) break;
      used[best] = 1;
      picks.push({ index: best, score: scores[best] as number });
      if (picks.length < Math.min(context.count, m)) current = b.believe(best);
    }
    return picks;
  }
}
