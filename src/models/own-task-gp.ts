/**
 * The campaign's own Gaussian process inside a transfer model: the default GP (warping, priors and
 * all) on the campaign's own rows alone, the model a cold campaign would have. The multi-task GP
 * falls back to it when its sources fail their check; the ranking-weighted ensemble weighs it
 * against the sources.
 */
import type { SubstanceKernel } from './gp-kernel.js';
import { defaultGpConfig, GaussianProcessSurrogate } from './gp.js';
import type { TensorData } from './serialization.js';
import type { FitOptions, ModelSchema, SavedModel, TrainingData } from './types.js';

/** The tensor a transfer model's stored version keeps its own-task GP in. */
const OWN_GP_TENSOR = 'own-gp';

export async function fitOwnTaskGp(schema: ModelSchema, substanceKernel: SubstanceKernel | undefined, data: TrainingData, own: readonly number[], options: FitOptions): Promise<GaussianProcessSurrogate> {
  const model = new GaussianProcessSurrogate(schema, defaultGpConfig(substanceKernel));
  const targets = Object.fromEntries(schema.targets.map((t) => [t, own.map((i) => data.targets[t]![i]!)]));
  await model.fit({ inputs: own.map((i) => data.inputs[i]!), targets }, options);
  return model;
}

/** Stores the own-task GP (if any) among a transfer model's tensors. */
export async function saveOwnTaskGp(tensors: Map<string, TensorData>, model: GaussianProcessSurrogate | undefined): Promise<void> {
  if (model) tensors.set(OWN_GP_TENSOR, (await model.save()).weights);
}

/** The own-task GP a transfer model's stored version holds, if it holds one. */
export function restoreOwnTaskGp(schema: ModelSchema, saved: SavedModel, tensors: Map<string, TensorData>): GaussianProcessSurrogate | undefined {
  const weights = tensors.get(OWN_GP_TENSOR);
  return weights instanceof Uint8Array ? GaussianProcessSurrogate.restore(schema, { ...saved, kind: 'gp', weights }) : undefined;
}
