// Surrogate models for Athanor's planner: the only module that imports tfjs. Pure: no database,
// no files, no clock (durations only); persistence goes through src/db/repositories/model-versions.
export type {
  ReactionInput,
  ModelSchema,
  Posterior,
  FitOptions,
  FitProgress,
  FitReport,
  SavedModel,
  Surrogate,
  TrainingData,
} from './types.js';
export { ModelError, FitAbortedError } from './types.js';
export { schemaFromSpace, reactionInputOf, reactionInputOfPoint } from './schema.js';
export { defaultSurrogate, loadSurrogate, GP_MAX_TRAINING_SIZE, type SurrogateSettings } from './defaults.js';
export { DEFAULT_TRANSFER_MODEL, TRANSFER_MODELS, type TransferModel } from './transfer-models.js';
export { SUBSTANCE_KERNELS, type SubstanceKernel } from './gp-kernel.js';
export { initTensorBackend, selectBackend, currentBackend, type BackendChoice, type BackendCandidate } from './backend.js';
export { atomAttributions } from './attributions.js';
export { GaussianProcessSurrogate, DEFAULT_GP_CONFIG, NOVEL_SUBSTANCE_GP_CONFIG, type GpConfig } from './gp.js';
export { DeepEnsembleSurrogate, DEFAULT_ENSEMBLE_CONFIG, type EnsembleConfig } from './ensemble.js';
export { RoutedSurrogate } from './routed.js';
export { RankingEnsembleSurrogate, DEFAULT_RANKING_ENSEMBLE_CONFIG, type RankingEnsembleConfig } from './ranking-ensemble.js';
export { MultiTaskGpSurrogate, DEFAULT_MULTITASK_CONFIG, OWN_TASK, type MultiTaskGpConfig } from './multitask-gp.js';
export { evaluatePredictions, type RegressionReport } from './metrics.js';
