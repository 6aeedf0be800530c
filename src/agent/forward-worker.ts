/**
 * The body of the forward-model thread of discovery campaigns (discovery-forward.ts): loads a
 * forward model once per file and predicts reactant sets in batches. Loaded through
 * forward-worker.mjs, which registers the TypeScript loader.
 */
import { parentPort } from 'node:worker_threads';
import { initChem, SmilesError } from '../chem/index.js';
import type { PredictedProduct } from '../discovery/forward-annotations.js';
import { initTensorBackend } from '../models/backend.js';
import { ForwardPredictor } from '../models/forward/predictor.js';
import { WORKER_READY, type WorkReply } from '../util/worker-pool.js';

export interface ForwardBatchTask {
  /** The model file; undefined: the shipped USPTO-15K model. */
  path?: string;
  reactantSets: string[];
  topK: number;
}

/** Products per reactant set, in order; empty where no template applies or the SMILES is refused. */
export type ForwardBatchResult = PredictedProduct[][];

const port = parentPort;
if (!port) throw new Error('forward-worker.ts runs as a worker thread');

const predictors = new Map<string, ForwardPredictor>();

async function predictorFor(path: string | undefined): Promise<ForwardPredictor> {
  const key = path ?? '';
  let predictor = predictors.get(key);
  if (!predictor) {
    await initChem();
    await initTensorBackend({ log: null });
    predictor = ForwardPredictor.load(path);
    predictors.set(key, predictor);
  }
  return predictor;
}

async function run(task: ForwardBatchTask): Promise<ForwardBatchResult> {
  const predictor = await predictorFor(task.path);
  return task.reactantSets.map((reactants) => {
    try {
      return predictor.predict(reactants, { topK: task.topK }).slice(0, task.topK).map(({ product, probability, template }) => ({ product, probability, template }));
    } catch (error) {
      if (error instanceof SmilesError) return []; // a combination no template covers is "no product"
      throw error;
    }
  });
}

port.on('message', (message: { id: number; task: ForwardBatchTask }) => {
  run(message.task)
    .then((value) => port.postMessage({ id: message.id, ok: true, value } satisfies WorkReply<ForwardBatchResult>))
    .catch((error: unknown) => port.postMessage({ id: message.id, ok: false, failure: { message: (error as Error).message ?? String(error) } } satisfies WorkReply<ForwardBatchResult>));
});

port.postMessage(WORKER_READY);
