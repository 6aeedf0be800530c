/**
 * The surrogate contract the planner codes against. Every model kind (Gaussian process, deep
 * ensemble of graph networks, …) implements `Surrogate`; everything a caller needs crosses this
 * boundary as plain data, so a model can be trained in one process and restored in another.
 */

export interface ReactionInput {
  /** role → canonical SMILES; '' = the role is left empty for this candidate */
  substances: Record<string, string>;
  /** numeric and categorical parameters by name */
  conditions: Record<string, number | string>;
}

export interface ModelSchema {
  roles: string[];
  /** values: the listed values, or [min, max] of a continuous range; log: scaled on a log scale (continuous ranges that ask for it) */
  numeric: { name: string; values: number[]; log?: boolean }[];
  categorical: { name: string; values: string[] }[];
  targets: string[];
  /**
   * Per target, the values it can take (the objective's `bounds`, e.g. a yield's [0, 100]):
   * predictions are held to them. Not part of the schema's key: a model fitted before a campaign
   * had bounds still loads, and predicts within the bounds it has now.
   */
  bounds?: Record<string, [number, number]>;
}

/** One entry per input, in target units. sigma² = epistemic² + aleatoric² after calibration. */
export interface Posterior {
  mean: Float64Array;
  /** total predictive σ (calibrated) */
  sigma: Float64Array;
  /** σ of the model's belief about the mean (shrinks with data) */
  epistemic: Float64Array;
  /** σ of the measurement noise the model expects (does not shrink with data) */
  aleatoric: Float64Array;
}

export interface FitProgress {
  stage: string;
  epoch?: number;
  loss?: number;
  /** 0 … 1 over the whole fit */
  fraction: number;
}

export interface FitOptions {
  seed: number;
  onProgress?: (p: FitProgress) => void;
  /** the previous version: its weights / hyperparameters are the starting point */
  warmStart?: Surrogate;
  signal?: AbortSignal;
}

export interface FitReport {
  kind: string;
  trainingSize: number;
  seconds: number;
  /** e.g. cv_r2, cv_rmse, calibration_scale (names use snake_case; per target as name:target) */
  metrics: Record<string, number>;
}

export interface SavedModel {
  kind: string;
  featurizerVersion: string;
  backend: string;
  trainingSize: number;
  metrics: Record<string, number>;
  /** everything needed to restore the model (see serialization.ts) */
  weights: Uint8Array;
}

export interface TrainingData {
  inputs: ReactionInput[];
  /** target → one value per input; NaN marks a target not measured for that input */
  targets: Record<string, number[]>;
  /**
   * One per input: the task it belongs to, '' for the campaign's own and a prior source's name for
   * a related task (docs/transfer.md); absent: every input is the campaign's own.
   */
  tasks?: string[];
}

export interface Surrogate {
  readonly kind: string;
  fit(data: TrainingData, options: FitOptions): Promise<FitReport>;
  /** fast: thousands of inputs in well under a few seconds */
  predict(inputs: ReactionInput[]): Promise<Record<string, Posterior>>;
  save(): Promise<SavedModel>;
}

/** Kinds whose predictions can be traced back to atoms (graph models). */
export interface AtomAttributing {
  attributeAtoms(input: ReactionInput, target: string): Promise<Record<string, { smiles: string; atoms: number[] }>>;
}

export function isAtomAttributing(model: unknown): model is AtomAttributing {
  return typeof (model as Partial<AtomAttributing> | null)?.attributeAtoms === 'function';
}

export class ModelError extends Error {
  override name = 'ModelError';
}

/** Thrown when FitOptions.signal aborts a fit. */
export class FitAbortedError extends Error {
  override name = 'AbortError';
  constructor() {
    super('model fit aborted');
  }
}
