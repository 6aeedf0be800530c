/**
 * The stored form shared by the Gaussian-process models that save a header and tensors (the
 * transfer models): one place that writes the SavedModel and that checks, on the way back, that a
 * saved version is of the expected kind and was fitted on this search space.
 */
import { FEATURIZER_VERSION } from '../chem/index.js';
import { schemaKey } from './schema.js';
import { decodeContainer, encodeContainer, type Container, type TensorData } from './serialization.js';
import { ModelError, type ModelSchema, type SavedModel } from './types.js';

export function savedGpModel(kind: string, trainingSize: number, metrics: Record<string, number>, header: unknown, tensors: Map<string, TensorData>): SavedModel {
  return { kind, featurizerVersion: FEATURIZER_VERSION, backend: 'cpu', trainingSize, metrics: { ...metrics }, weights: encodeContainer(header, tensors) };
}

/** The header and tensors of a saved version, refused when it is another kind (`what` names the expected one) or another space. */
export function openSavedGp<H extends { kind: string; schemaKey: string }>(schema: ModelSchema, saved: SavedModel, kind: string, what: string): Container<H> {
  const container = decodeContainer<H>(saved.weights);
  if (container.header.kind !== kind) throw new ModelError(`not ${what}: ${container.header.kind}`);
  if (container.header.schemaKey !== schemaKey(schema)) throw new ModelError('the saved model was trained on a different search space or targets');
  return container;
}
