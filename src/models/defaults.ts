/**
 * Which surrogate a campaign gets, and how a stored one comes back. The switch-over size is the
 * benchmark's answer (bench/models.ts, docs/models.md): below it the Gaussian process on
 * fingerprints is more accurate and better calibrated than the graph-network ensemble; above it
 * the ensemble wins and the GP's cubic cost starts to bite.
 */
import { FEATURIZER_VERSION } from '../chem/index.js';
import { initTensorBackend } from './backend.js';
import { DeepEnsembleSurrogate } from './ensemble.js';
import { GaussianProcessSurrogate } from './gp.js';
import { ModelError, type ModelSchema, type SavedModel, type Surrogate } from './types.js';

/** Training sizes up to this get the GP; larger ones the ensemble. */
export const GP_MAX_TRAINING_SIZE = 1000;

export function defaultSurrogate(schema: ModelSchema, trainingSize: number): Surrogate {
  return trainingSize <= GP_MAX_TRAINING_SIZE ? new GaussianProcessSurrogate(schema) : new DeepEnsembleSurrogate(schema);
}

export async function loadSurrogate(schema: ModelSchema, saved: SavedModel): Promise<Surrogate> {
  if (saved.featurizerVersion !== FEATURIZER_VERSION) {
    throw new ModelError(`the model was trained with featurizer ${saved.featurizerVersion}, this build has ${FEATURIZER_VERSION}: retrain it`);
  }
  await initTensorBackend();
  switch (saved.kind) {
    case 'gp':
      return GaussianProcessSurrogate.restore(schema, saved);
    case 'mpnn-ensemble':
      return DeepEnsembleSurrogate.restore(schema, saved);
    default:
      throw new ModelError(`unknown model kind ${saved.kind}`);
  }
}
