/**
 * Which surrogate a campaign gets, and how a stored one comes back. The switch-over size is the
 * benchmark's answer (bench/models.ts, bench/results/models.md, docs/models.md): up to a few
 * hundred results the Gaussian process on fingerprints is as accurate as the graph-network
 * ensemble or more (Buchwald–Hartwig 2.5–10 %, direct arylation at every low-data size) at a
 * second per fit; around 400–800 they tie; from about a thousand the ensemble is the better model
 * (BH 70 %: ≈ 0.02 R² ahead on every seed, the kind that meets the R² and calibration targets; DA
 * 70 %: ≈ 0.01 R² ahead, miscalibration area 0.10 against 0.17) and the GP's cubic cost starts to
 * bite — on the substances it was trained on. For a candidate with a substance no result contains
 * the GP is still the better judge (Ahneman's out-of-sample additive sets), so above the switch-over
 * size a campaign gets both, routed per candidate (routed.ts).
 */
import { FEATURIZER_VERSION } from '../chem/index.js';
import { initTensorBackend } from './backend.js';
import { DeepEnsembleSurrogate } from './ensemble.js';
import type { SubstanceKernel } from './gp-kernel.js';
import { defaultGpConfig, GaussianProcessSurrogate } from './gp.js';
import { MultiTaskGpSurrogate } from './multitask-gp.js';
import { RankingEnsembleSurrogate } from './ranking-ensemble.js';
import { RoutedSurrogate } from './routed.js';
import type { TransferModel } from './transfer-models.js';
import { ModelError, type ModelSchema, type SavedModel, type Surrogate } from './types.js';

/** Every model kind a stored version may name, with how it comes back: a new kind is one entry. */
export const MODEL_KINDS: Readonly<Record<string, (schema: ModelSchema, saved: SavedModel) => Surrogate>> = {
  gp: (schema, saved) => GaussianProcessSurrogate.restore(schema, saved),
  'mpnn-ensemble': (schema, saved) => DeepEnsembleSurrogate.restore(schema, saved),
  [RoutedSurrogate.KIND]: (schema, saved) => RoutedSurrogate.restore(schema, saved),
  [MultiTaskGpSurrogate.KIND]: (schema, saved) => MultiTaskGpSurrogate.restore(schema, saved),
  [RankingEnsembleSurrogate.KIND]: (schema, saved) => RankingEnsembleSurrogate.restore(schema, saved),
};

/** Training sizes up to this get the GP; larger ones the ensemble, with the GP for novel substances. */
export const GP_MAX_TRAINING_SIZE = 1000;

/** What a campaign may choose about its surrogate (the campaign file's `planner.model`). */
export interface SurrogateSettings {
  /** How the GP compares substances (default morgan). */
  substanceKernel?: SubstanceKernel;
  /** Draws of the GP's hyperparameters predicted with beside the MAP (GpConfig.hyperSamples; default 0). */
  hyperSamples?: number;
  /** How prior data of related tasks is used (docs/transfer.md); default DEFAULT_TRANSFER_MODEL. */
  transfer?: TransferModel;
}

export function defaultSurrogate(schema: ModelSchema, trainingSize: number, settings: SurrogateSettings = {}): Surrogate {
  if (trainingSize > GP_MAX_TRAINING_SIZE) return new RoutedSurrogate(schema);
  return new GaussianProcessSurrogate(schema, defaultGpConfig(settings.substanceKernel, settings.hyperSamples));
}

export async function loadSurrogate(schema: ModelSchema, saved: SavedModel): Promise<Surrogate> {
  if (saved.featurizerVersion !== FEATURIZER_VERSION) {
    throw new ModelError(`the model was trained with featurizer ${saved.featurizerVersion}, this build has ${FEATURIZER_VERSION}: retrain it`);
  }
  await initTensorBackend();
  const restore = MODEL_KINDS[saved.kind];
  if (!restore) throw new ModelError(`unknown model kind ${saved.kind} (this build knows ${Object.keys(MODEL_KINDS).join(', ')})`);
  return restore(schema, saved);
}
