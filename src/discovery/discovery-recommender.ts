/**
 * The planning strategy of a discovery campaign (in the spirit of Granda et al., Nature 559, 377
 * (2018)): the goal is a map of which combinations react, not one best reaction. A space-filling
 * initial design first; then every round the reactivity classifier is refitted to all outcomes,
 * and the batch is the combinations whose outcome would teach the model most — largest expected
 * information gain about its weights (BALD), or largest predictive entropy — damped near
 * experiments in flight or already chosen, so a batch spreads over the space.
 *
 * The objective's value is the outcome: ≥ 0.5 reacted (1), below not (0).
 */
import { BatchSelector, dampingNote } from '../planner/batch-selector.js';
import { DiverseDesign, RandomDesign } from '../planner/initial-design.js';
import { untriedCandidates, type Observation, type PlanningContext, type PredictedProductInfo, type Proposal, type Recommendation, type Recommender } from '../planner/recommender.js';
import type { SearchSpace } from '../planner/space.js';
import { DiscoveryModel, type DiscoveryModelOptions, type ExpectedProduct, type Outcome } from './discovery-model.js';
import type { ForwardBatchOracle } from './forward-annotations.js';
import { binaryEntropy } from './reactivity-model.js';

export type DiscoveryAcquisition = 'information' | 'uncertainty';

export interface DiscoverySettings {
  /** Results needed before the classifier takes over from the initial design. */
  initialResults: number;
  acquisition?: DiscoveryAcquisition;
  /** Batch diversity: penalisation length in candidate distance (0 = off). */
  penaltyLength?: number;
  initialDesign?: 'diverse' | 'random';
  /** Loads the forward model (reading its file is the caller's business); absent: no forward features. */
  forward?: () => Promise<ForwardBatchOracle>;
  model?: DiscoveryModelOptions;
}

/** The observed outcomes of a campaign as the model reads them (values are oriented, larger = better). */
export function outcomesOf(observations: readonly Observation[], direction: 'maximize' | 'minimize'): Outcome[] {
  const sign = direction === 'maximize' ? 1 : -1;
  return observations.map((o) => ({ candidate: o.candidate, reacted: sign * o.value >= 0.5, ...(o.product ? { product: o.product } : {}) }));
}

export class DiscoveryRecommender implements Recommender {
  readonly name: string;
  private readonly initial: DiverseDesign | RandomDesign;
  private readonly batch: BatchSelector;
  private built?: { space: SearchSpace; model: Promise<DiscoveryModel> };

  constructor(private readonly settings: DiscoverySettings) {
    this.name = `discovery-${settings.acquisition ?? 'information'}`;
    this.initial = settings.initialDesign === 'random' ? new RandomDesign() : new DiverseDesign();
    this.batch = new BatchSelector(this.initial, settings.penaltyLength);
  }

  /** The space's model (forward predictions and features are computed once per space). */
  modelFor(space: SearchSpace): Promise<DiscoveryModel> {
    if (this.built?.space !== space) {
      const model = (async () => DiscoveryModel.build(space, this.settings.forward ? await this.settings.forward() : undefined, this.settings.model))();
      this.built = { space, model };
    }
    return this.built.model;
  }

  async recommend(context: PlanningContext): Promise<Recommendation> {
    const discovery = await this.modelFor(context.space);
    const outcomes = outcomesOf(context.observations, context.direction);
    const observed = discovery.observedProducts(outcomes);
    const products = (candidate: number) => discovery.expectedProducts(candidate, observed);
    if (context.observations.length < this.settings.initialResults) {
      const proposals = (await this.initial.recommend(context)).proposals.map((p) => ({
        ...p,
        ...productsField(products(p.candidate)),
        reason: `${p.reason}; initial design until ${this.settings.initialResults} results exist${productNote(discovery, products(p.candidate))}`,
      }));
      return { proposals };
    }

    const eligible = untriedCandidates(context);
    if (eligible.length === 0) return { proposals: [] };

    const reactivity = discovery.fit(outcomes);
    const predicted = discovery.predict(reactivity, eligible);
    const acquisition = this.settings.acquisition ?? 'information';
    const scores = acquisition === 'information' ? predicted.information : Float64Array.from(predicted.probability, binaryEntropy);

    const reacted = outcomes.filter((o) => o.reacted).length;
    const what = acquisition === 'information' ? 'expected information' : 'outcome entropy';
    await this.batch.prepare(context.space);
    const proposals: Proposal[] = this.batch.select(context, eligible, scores).map((pick, k) => {
      const p = predicted.probability[pick.index]!;
      const sd = predicted.probabilitySd[pick.index]!;
      return {
        candidate: pick.candidate,
        rank: k + 1,
        strategy: this.name,
        mean: p,
        sigma: sd,
        acquisition: pick.score,
        ...productsField(products(pick.candidate)),
        reason:
          `${what} ${pick.score.toFixed(3)} nats: P(reacts) ${p.toFixed(2)} ± ${sd.toFixed(2)} ` +
          `(classifier on ${outcomes.length} results, ${reacted} reacted)${dampingNote(pick)}${productNote(discovery, products(pick.candidate))}`,
      };
    });
    return { proposals };
  }
}

function productsField(products: ExpectedProduct[]): { products?: PredictedProductInfo[] } {
  return products.length > 0 ? { products: products.map((p) => ({ smiles: p.smiles, probability: p.probability, ...(p.observed ? { observed: true } : {}) })) } : {};
}

/** "; forward model: P (p 0.93)", or what a lab saw from the same reactants. */
function productNote(model: DiscoveryModel, products: ExpectedProduct[]): string {
  if (!model.forward) return '';
  const top = products[0];
  if (!top) return '; forward model: no product (no known reaction centre applies)';
  return top.observed ? `; observed from these reactants: ${top.smiles}` : `; forward model: ${top.smiles} (p ${top.probability.toFixed(2)})`;
}
