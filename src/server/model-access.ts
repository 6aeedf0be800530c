/**
 * The server's view of a campaign's trained model: predictions and atom attributions by candidate
 * index. Routes and panel sections depend on this interface only, so they work — with a clear
 * "no model yet" — whether or not a model has been trained, and whatever kind it is.
 */
import type { CampaignRow, Db } from '../db/index.js';
import type { SearchSpace } from '../planner/space.js';
import type { MixedPoint } from '../planner/mixed/domain.js';
import type { ReactionInput } from '../models/types.js';

export interface CandidatePosterior {
  mean: Float64Array;
  sigma: Float64Array;
  epistemic?: Float64Array;
  aleatoric?: Float64Array;
}

export interface AtomAttribution {
  role: string;
  smiles: string;
  /** One signed weight per atom of `smiles`, in RDKit's atom order. */
  weights: number[];
}

export interface LoadedModel {
  version: number;
  kind: string;
  trainingSize: number;
  metrics: Record<string, number>;
  /** Predictive distribution of the objective's target for these candidates of the space. */
  predict(candidates: number[]): Promise<CandidatePosterior>;
  /** The Morgan fingerprints the model compares substances by (radius, bits), when it compares by any. */
  fingerprints?: { radius: number; nBits: number }[];
  /** The same for model inputs that need not be in the space at all (a library molecule in a role: virtual screening). */
  predictInputs(inputs: ReactionInput[]): Promise<CandidatePosterior>;
  /** The same at points of a searched space that need not be candidates (continuous values anywhere in range). */
  predictPoints?(points: MixedPoint[]): Promise<CandidatePosterior>;
  /** Which atoms drive the prediction for one candidate, per substance role; undefined when the kind cannot say. */
  attributions(candidate: number): Promise<AtomAttribution[] | undefined>;
  /**
   * Predictions for mixtures of candidates: row r takes parameter p's value from candidate
   * rows[r][p] (parameters in the space's order). What Shapley contributions are computed from.
   */
  predictMixed?(rows: number[][]): Promise<Float64Array>;
  /**
   * Held-out predictions of the results the model was trained on (each predicted without itself:
   * the numbers behind its cv_r2 and cv_rmse), matched to `observed` candidates where one is the
   * same input; undefined when the kind keeps none.
   */
  heldOut?(observed: number[]): Promise<HeldOutPoint[] | undefined>;
  /** Kernel similarity (0…1) of a candidate to each of `observed`; undefined when the kind has no kernel. */
  similarities?(candidate: number, observed: number[]): Promise<(number | undefined)[] | undefined>;
}

export interface HeldOutPoint {
  /** Index into the `observed` candidates asked about, when this training result is one of them. */
  index: number | undefined;
  observed: number;
  mean: number;
  sigma: number;
}

export interface ModelAccess {
  /** True when this build of Athanor can load models at all. */
  readonly available: boolean;
  /** The newest trained model of the campaign, or undefined when none has been trained. */
  latest(db: Db, campaign: CampaignRow, space: SearchSpace): Promise<LoadedModel | undefined>;
}

/** For builds (and tests) without models: every model section shows its empty state. */
export const noModels: ModelAccess = {
  available: false,
  latest: async () => undefined,
};
