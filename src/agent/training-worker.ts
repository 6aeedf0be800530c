/**
 * The body of a training worker thread: fits one surrogate at a time from plain data and posts
 * the saved model back. Loaded through training-worker.mjs, which registers the TypeScript loader
 * (worker threads do not inherit the main thread's).
 */
import { parentPort } from 'node:worker_threads';
import { initChem } from '../chem/index.js';
import { initTensorBackend } from '../models/index.js';
import { fitSurrogate, type FitRequest } from './surrogate-training.js';

export interface TrainingJobMessage {
  id: number;
  request: FitRequest;
}

export type TrainingReply = { id: number; ok: true; result: Awaited<ReturnType<typeof fitSurrogate>> } | { id: number; ok: false; error: { name: string; message: string } };

const port = parentPort;
if (!port) throw new Error('training-worker.ts runs as a worker thread');

// Load RDKit and the tensor backend at once, while the pool waits for its first job.
const ready = Promise.all([initChem(), initTensorBackend()]);
ready.catch(() => undefined); // a failure shows in the first job

port.on('message', (message: TrainingJobMessage) => {
  ready
    .then(() => fitSurrogate(message.request))
    .then((result) => {
      const reply: TrainingReply = { id: message.id, ok: true, result };
      port.postMessage(reply); // copied, not transferred: the weights may be a view into a pooled buffer
    })
    .catch((error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      const reply: TrainingReply = { id: message.id, ok: false, error: { name: e.name, message: e.message } };
      port.postMessage(reply);
    });
});
