/** What every planning strategy takes and gives. */
import type { SearchSpace } from './space.js';
import type { MixedPoint } from './mixed/domain.js';

export interface Observation {
  candidate: number;
  /** The objective's value, already oriented so that larger is better. */
  value: number;
  /** The product the lab observed (SMILES), when it reported one (`raw.product`). */
  product?: string;
}

/** The campaign's current surrogate, as the planner sees it: a predictive distribution over candidates. */
export interface ModelView {
  /** Model version, for the proposals' reasons. */
  version: number;
  kind: string;
  /** How many results the model was trained on, when known. */
  trainingSize?: number;
  /**
   * Predictive mean and total σ of the objective, in target units (not oriented), and the
   * epistemic part of σ (what more results would remove) when the model tells it apart.
   */
  predict(candidates: number[]): Promise<{ mean: Float64Array; sigma: Float64Array; epistemic?: Float64Array }>;
  /** Mean and σ at points of a searched space that are not candidates yet (the mixed planner's acquisition optimisation). */
  predictPoints?(points: MixedPoint[]): Promise<{ mean: Float64Array; sigma: Float64Array }>;
  /**
   * The objective's posterior over `candidates` (target units, not oriented), which batch selection
   * can condition on fantasised results, one pick at a time (GaussianProcessSurrogate.believer);
   * absent for models that cannot.
   */
  believer?(candidates: number[]): Promise<CandidateBeliever>;
  /**
   * Prior data of related tasks (docs/transfer.md), before the campaign has results enough to
   * check them: how far the sources agree with one another beyond chance, 0 to 1.
   */
  sourceAgreement?: number;
  /** Every modelled target's mean and σ (several-target objectives and outcome constraints), when the model has several. */
  predictTargets?(candidates: number[]): Promise<Record<string, { mean: Float64Array; sigma: Float64Array }>>;
}

export interface CandidateBeliever {
  mean: Float64Array;
  sigma: Float64Array;
  /** Conditions on a result at `candidates[pick]` equal to its predicted mean; every candidate's mean and σ after it. */
  believe(pick: number): { mean: Float64Array; sigma: Float64Array };
}

/** Candidates the context allows proposing now, in space order. */
export function untriedCandidates(context: PlanningContext): number[] {
  const out: number[] = [];
  for (let i = 0; i < context.space.size; i++) if (!context.taken.has(i)) out.push(i);
  return out;
}

export interface PlanningContext {
  space: SearchSpace;
  /** How many candidates to propose now. */
  count: number;
  /** The campaign seed; strategies combine it with `round` so a resumed campaign replays its choices. */
  seed: number;
  round: number;
  observations: Observation[];
  /** Candidates in the lab right now (pending points for batch selection). */
  pending: number[];
  /** Candidates never to propose: already run, in flight, or otherwise excluded. */
  taken: ReadonlySet<number>;
  direction: 'maximize' | 'minimize';
  /** The latest trained model, when there is one. */
  model?: ModelView;
}

export interface Proposal {
  candidate: number;
  /** 1 = the strategy's first choice in this batch. */
  rank: number;
  strategy: string;
  /** A short reason a chemist can read. */
  reason: string;
  mean?: number;
  sigma?: number;
  acquisition?: number;
  /** What the candidate should give, best first (discovery: the forward model's products). */
  products?: PredictedProductInfo[];
}

export interface PredictedProductInfo {
  /** canonical SMILES */
  smiles: string;
  probability: number;
  /** A lab observed it (from the same reactants), rather than a model predicting it. */
  observed?: boolean;
}

export interface Recommendation {
  proposals: Proposal[];
  /** The largest expected improvement anywhere in the untried space (target units), when a model scored it. */
  maxExpectedImprovement?: number;
}

export interface Recommender {
  readonly name: string;
  recommend(context: PlanningContext): Promise<Recommendation>;
}
