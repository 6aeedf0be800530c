/**
 * The forward model a discovery campaign annotates its space with: read from the campaign's
 * `planner.discovery.forward_model` (or the shipped USPTO-15K model) and run on a worker thread,
 * handed to the planner as a plain function, so the planner itself never touches files.
 *
 * A thread, because loading the model and predicting a space's reactant sets holds a thread for
 * seconds (150 ms to load, 10–100 ms per prediction here): on the service's event loop that would
 * stall every request (issue 15). One thread for the process, models cached in it per file.
 */
import { confinedSpecPath, type CampaignSpec } from '../campaign/index.js';
import type { ForwardBatchOracle } from '../discovery/forward-annotations.js';
import { WorkerPool, WorkFailedError } from '../util/worker-pool.js';
import type { ForwardBatchResult, ForwardBatchTask } from './forward-worker.js';

/** Reactant sets per job: each job's time limit then bounds a few seconds of predictions, not a whole space. */
const SETS_PER_JOB = 32;

let pool: WorkerPool<ForwardBatchTask, ForwardBatchResult> | undefined;

function forwardPool(): WorkerPool<ForwardBatchTask, ForwardBatchResult> {
  pool ??= new WorkerPool({
    url: new URL('./forward-worker.mjs', import.meta.url),
    size: 1,
    // every discovery campaign of the process may queue its space at once
    maxQueued: 4096,
    // a first job loads the model (seconds on a busy machine) before its 32 predictions
    timeoutMs: 300_000,
    memoryMb: 2048,
    name: 'forward model',
  });
  return pool;
}

/** undefined when the campaign asks for no forward model (`forward_model: false`). */
export function forwardLoaderFor(spec: CampaignSpec): (() => Promise<ForwardBatchOracle>) | undefined {
  const setting = spec.planner.discovery?.forward_model;
  if (setting === false) return undefined;
  return async () => {
    // confined each time it is asked for: a link swapped in since is refused
    const path = setting === undefined ? undefined : await confinedSpecPath(spec, ['planner', 'discovery', 'forward_model'], setting);
    return (reactantSets, topK) => predictOnThread(path, reactantSets, topK);
  };
}

async function predictOnThread(path: string | undefined, reactantSets: readonly string[], topK: number): Promise<ForwardBatchResult> {
  const jobs: Promise<ForwardBatchResult>[] = [];
  for (let i = 0; i < reactantSets.length; i += SETS_PER_JOB) {
    jobs.push(forwardPool().run({ ...(path !== undefined ? { path } : {}), reactantSets: reactantSets.slice(i, i + SETS_PER_JOB), topK }));
  }
  try {
    return (await Promise.all(jobs)).flat();
  } catch (error) {
    const reason = error instanceof WorkFailedError ? (error.failure as { message: string }).message : (error as Error).message;
    throw new Error(
      `cannot use the forward model ${path ?? '(the shipped one)'}: ${reason}; ` +
        'name another with planner.discovery.forward_model, or set it to false to plan without one',
    );
  }
}
