/**
 * Athanor's model-driven strategy: a space-filling initial design until enough results exist, then
 * the surrogate's predictive distribution scored by an acquisition function over every untried
 * candidate, and a batch chosen with local penalisation around pending and already chosen points.
 */
import { rngFor } from '../util/random.js';
import { describeAcquisition, expectedImprovement, scoreCandidates, type AcquisitionSettings } from './acquisition.js';
import { BatchSelector, dampingNote } from './batch-selector.js';
import { DiverseDesign, RandomDesign } from './initial-design.js';
import { untriedCandidates, type PlanningContext, type Proposal, type Recommendation, type Recommender } from './recommender.js';

export interface BayesianSettings {
  acquisition: AcquisitionSettings;
  /** Results needed before the model takes over from the initial design. */
  initialResults: number;
  /** Batch penalisation length (fingerprint/condition distance); 0 turns it off. */
  penaltyLength?: number;
  /** How experiments are chosen before the model takes over (default diverse). */
  initialDesign?: 'diverse' | 'random';
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
    if (!model || context.observations.length < this.settings.initialResults) {
      const proposals = (await this.initial.recommend(context)).proposals.map((p) => ({
        ...p,
        reason: `${p.reason}; initial design until ${this.settings.initialResults} results${model ? '' : ' and a model'} exist`,
      }));
      return { proposals };
    }

    const eligible = untriedCandidates(context);
    if (eligible.length === 0) return { proposals: [] };

    const sign = context.direction === 'maximize' ? 1 : -1;
    const predicted = await model.predict(eligible);
    const oriented = Float64Array.from(predicted.mean, (m) => sign * m);
    const incumbent = context.observations.reduce((best, o) => Math.max(best, o.value), Number.NEGATIVE_INFINITY);
    const rng = rngFor(context.seed, 'acquisition', context.round);
    const scores = scoreCandidates(this.settings.acquisition, { mean: oriented, sigma: predicted.sigma, incumbent, rng });

    let maxExpectedImprovement = 0;
    for (let i = 0; i < eligible.length; i++) {
      const ei = expectedImprovement(oriented[i] as number, predicted.sigma[i] as number, incumbent);
      if (ei > maxExpectedImprovement) maxExpectedImprovement = ei;
    }

    const what = describeAcquisition(this.settings.acquisition);
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
}
