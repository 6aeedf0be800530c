/**
 * The discovery campaign's model of its space: for every combination, whether it reacts (with the
 * model's uncertainty) and what it gives (the forward model's products). Built once per space;
 * `fit` retrains the reactivity classifier on the outcomes so far, in milliseconds.
 */
import { canonicalOrNull } from '../chem/index.js';
import type { SearchSpace } from '../planner/space.js';
import { candidateFeatures, type CandidateFeatures, type FeatureOptions } from './features.js';
import { annotateSpace, type ForwardAnnotations, type ForwardBatchOracle } from './forward-annotations.js';
import { ReactivityModel, type ReactivityModelOptions, type ReactivityPrediction } from './reactivity-model.js';

export interface Outcome {
  candidate: number;
  reacted: boolean;
  /** The product the lab observed, when it reported one. */
  product?: string;
}

export interface ExpectedProduct {
  smiles: string;
  probability: number;
  /** true: a lab observed it from the same reactants; false: the forward model's prediction. */
  observed: boolean;
}

export interface DiscoveryModelOptions extends FeatureOptions, ReactivityModelOptions {
  /** Substance roles that react (the forward model's input); default every substance role. */
  reactantRoles?: readonly string[];
}

export class DiscoveryModel {
  readonly features: CandidateFeatures;

  constructor(
    readonly space: SearchSpace,
    readonly forward: ForwardAnnotations | undefined,
    private readonly options: DiscoveryModelOptions = {},
  ) {
    this.features = candidateFeatures(space, forward, options);
  }

  /** Runs the forward model over the space (once per distinct reactant set) and builds the features. */
  static async build(space: SearchSpace, oracle: ForwardBatchOracle | undefined, options: DiscoveryModelOptions = {}): Promise<DiscoveryModel> {
    const forward = oracle ? await annotateSpace(space, oracle, options.reactantRoles) : undefined;
    return new DiscoveryModel(space, forward, options);
  }

  /** The reactivity posterior given these outcomes (replicates with differing outcomes all count). */
  fit(outcomes: readonly Outcome[]): ReactivityModel {
    return ReactivityModel.fit(
      outcomes.map((o) => this.features.rows[o.candidate]!),
      outcomes.map((o) => (o.reacted ? 1 : 0)),
      this.features.dimension,
      this.options,
    );
  }

  predict(model: ReactivityModel, candidates: readonly number[]): ReactivityPrediction {
    return model.predict(candidates.map((c) => this.features.rows[c]!));
  }

  /**
   * What each candidate should give: the product a lab observed from the same reactants when there
   * is one (conditions may change it, but an observation beats a prediction), else the forward
   * model's ranked products. `observed` is from observedProducts().
   */
  expectedProducts(candidate: number, observed: ReadonlyMap<string, string>): ExpectedProduct[] {
    const forward = this.forward?.candidates[candidate];
    if (!forward) return [];
    const seen = observed.get(forward.reactants);
    const predicted = forward.products.map((p) => ({ smiles: p.product, probability: p.probability, observed: false }));
    if (!seen) return predicted;
    return [{ smiles: seen, probability: 1, observed: true }, ...predicted.filter((p) => p.smiles !== seen)];
  }

  /** Reactant set → the product observed from it (canonical; the latest report wins). */
  observedProducts(outcomes: readonly Outcome[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const o of outcomes) {
      const reactants = this.forward?.candidates[o.candidate]?.reactants;
      const product = o.product && o.reacted ? canonicalOrNull(o.product) : null;
      if (reactants !== undefined && product) out.set(reactants, product);
    }
    return out;
  }

  /** How often the forward model's top product is what the lab observed (reacted experiments that report a product). */
  forwardAgreement(outcomes: readonly Outcome[]): { agreed: number; observed: number } {
    let agreed = 0;
    let observed = 0;
    for (const o of outcomes) {
      const product = o.product && o.reacted ? canonicalOrNull(o.product) : null;
      if (!product) continue;
      observed++;
      if (this.forward?.candidates[o.candidate]?.products[0]?.product === product) agreed++;
    }
    return { agreed, observed };
  }

  /**
   * The campaign's map of the space: each candidate's predicted outcome, the measured one where an
   * experiment ran (the majority of replicates), the model's otherwise.
   */
  reactivityMap(outcomes: readonly Outcome[]): { reacts: Uint8Array; probability: Float64Array } {
    const model = this.fit(outcomes);
    const all = Array.from({ length: this.space.size }, (_, i) => i);
    const { probability } = this.predict(model, all);
    const reacts = Uint8Array.from(probability, (p) => (p >= 0.5 ? 1 : 0));
    const votes = new Map<number, number>();
    for (const o of outcomes) votes.set(o.candidate, (votes.get(o.candidate) ?? 0) + (o.reacted ? 1 : -1));
    for (const [candidate, vote] of votes) if (vote !== 0) reacts[candidate] = vote > 0 ? 1 : 0;
    return { reacts, probability };
  }
}

/** Share of the space whose outcome the map gets right, against the truth (1 reacts, 0 not). */
export function mapAccuracy(reacts: ArrayLike<number>, truth: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < truth.length; i++) if ((reacts[i]! >= 0.5) === (truth[i]! >= 0.5)) right++;
  return right / truth.length;
}
