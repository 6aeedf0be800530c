/**
 * The forward model for the HTTP side: loaded on first use (RDKit, the tensor backend and a few
 * thousand template queries take a second or two), then shared by every request.
 */
import { initChem } from '../chem/index.js';
import { initTensorBackend } from '../models/backend.js';
import { ForwardModelMissingError, SHIPPED_FORWARD_MODEL } from '../models/forward/model-file.js';
import { ForwardPredictor } from '../models/forward/predictor.js';
import { apiError } from './errors.js';

let loading: Promise<ForwardPredictor> | undefined;

export function forwardPredictor(path: string = SHIPPED_FORWARD_MODEL): Promise<ForwardPredictor> {
  loading ??= (async () => {
    await initChem();
    await initTensorBackend({ log: null });
    return ForwardPredictor.load(path);
  })().catch((error: unknown) => {
    loading = undefined; // a later request may retry
    if (error instanceof ForwardModelMissingError) throw apiError(503, 'no_forward_model', error.message);
    throw error;
  });
  return loading;
}
