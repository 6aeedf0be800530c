/** What every planning strategy takes and gives. */
import type { SearchSpace } from './space.js';

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
  /** Predictive mean and total σ of the objective, in target units (not oriented). */
  predict(candidates: number[]): Promise<{ mean: Float64Array; sigma: Float64Array }>;
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
