/**
 * The forward model for the HTTP side: loaded on first use (RDKit, the tensor backend and a few
 * thousand template queries take a second or two), then shared by every request.
 */
import { existsSync } from 'node:fs';
import { initChem } from '../chem/index.js';
import { initTensorBackend } from '../models/backend.js';
import { SHIPPED_FORWARD_MODEL } from '../models/forward/model-file.js';
import { ForwardPredictor } from '../models/forward/predictor.js';
import { apiError } from './errors.js';

let loading: Promise<ForwardPredictor> | undefined;

export function forwardPredictor(path: string = SHIPPED_FORWARD_MODEL): Promise<ForwardPredictor> {
  loading ??= (async () => {
    if (!existsSync(path)) throw apiError(503, 'no_forward_model', `no forward model at ${path}; train one with \`athanor train-forward\` (docs/forward-prediction.md)`);
    await initChem();
    await initTensorBackend({ log: null });
    return ForwardPredictor.load(path);
  })().catch((error: unknown) => {
    loading = undefined; // a later request may retry
    throw error;
  });
  return loading;
}
