/**
 * The body of a heavy-work thread: runs one task at a time (tasks.ts) and posts back its value,
 * its refusal (a TaskFailure) or, for a fault, the error's name and message. Loaded through
 * worker.mjs, which registers the TypeScript loader.
 */
import { parentPort } from 'node:worker_threads';
import { WORKER_READY, type WorkProgress, type WorkReply } from '../../util/worker-pool.js';
import { failureOf, runTask, type HeavyResult, type HeavyTask } from './tasks.js';

const port = parentPort;
if (!port) throw new Error('heavy-work/worker.ts runs as a worker thread');

/** A fault rather than a refusal: the main thread logs it and answers 500. */
export interface TaskFault {
  fault: { name: string; message: string };
}

port.on('message', (message: { id: number; task: HeavyTask }) => {
  runTask(message.task, (progress) => port.postMessage({ id: message.id, progress } satisfies WorkProgress))
    .then((value) => port.postMessage({ id: message.id, ok: true, value } satisfies WorkReply<HeavyResult>))
    .catch((error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      const failure = failureOf(error, message.task) ?? ({ fault: { name: e.name, message: e.message } } satisfies TaskFault);
      port.postMessage({ id: message.id, ok: false, failure } satisfies WorkReply<HeavyResult>);
    });
});

// the imports above are loaded: from now on a job's time limit runs
port.postMessage(WORKER_READY);
