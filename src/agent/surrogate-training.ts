/**
 * One surrogate fit as plain data in and plain data out — schema, inputs, targets, seed and the
 * warm-start version as a SavedModel; back comes the new SavedModel and its report — so that it
 * can run in a worker thread as well as here. Trainers decide where it runs.
 */
import { initChem } from '../chem/index.js';
import { DEFAULT_MULTITASK_CONFIG, DEFAULT_RANKING_ENSEMBLE_CONFIG, DEFAULT_TRANSFER_MODEL, defaultSurrogate, loadSurrogate, MultiTaskGpSurrogate, RankingEnsembleSurrogate, type FitReport, type ModelSchema, type SavedModel, type Surrogate, type SurrogateSettings, type TrainingData } from '../models/index.js';

export interface FitRequest {
  schema: ModelSchema;
  data: TrainingData;
  seed: number;
  /** The version to start from (warm start); absent for a full retrain. */
  warmStart?: SavedModel;
  /** The campaign's choices about its surrogate (planner.model). */
  settings?: SurrogateSettings;
}

export interface FitResult {
  saved: SavedModel;
  report: FitReport;
  /** False when a warm start was asked but the new model is of another kind (the size crossed a switch-over). */
  warmStarted: boolean;
}

/** Where fits run: a pool of worker threads in the service, this thread elsewhere. */
export interface SurrogateTrainer {
  readonly where: 'worker' | 'main';
  /** Fits waiting to start (a worker pool's queue). */
  readonly queued?: number;
  fit(request: FitRequest, signal?: AbortSignal): Promise<FitResult>;
  close(): Promise<void>;
}

export async function fitSurrogate(request: FitRequest, signal?: AbortSignal): Promise<FitResult> {
  await initChem();
  // rows of related tasks (prior data, docs/transfer.md) call for the multi-task GP
  const related = request.data.tasks?.some((t) => t !== '') === true;
  const surrogate = related
    ? transferSurrogate(request.schema, request.settings ?? {})
    : defaultSurrogate(request.schema, request.data.inputs.length, request.settings);
  const warm = request.warmStart?.kind === surrogate.kind ? await loadSurrogate(request.schema, request.warmStart) : undefined;
  const report = await surrogate.fit(request.data, { seed: request.seed, ...(warm ? { warmStart: warm } : {}), ...(signal ? { signal } : {}) });
  return { saved: await surrogate.save(), report, warmStarted: warm !== undefined };
}

function transferSurrogate(schema: ModelSchema, settings: SurrogateSettings): Surrogate {
  const kernel = settings.substanceKernel ? { substanceKernel: settings.substanceKernel } : {};
  return (settings.transfer ?? DEFAULT_TRANSFER_MODEL) === 'multitask'
    ? new MultiTaskGpSurrogate(schema, { ...DEFAULT_MULTITASK_CONFIG, ...kernel })
    : new RankingEnsembleSurrogate(schema, { ...DEFAULT_RANKING_ENSEMBLE_CONFIG, ...kernel });
}

/** Fits on the calling thread: for `athanor run`, tests, and the benchmark's comparison. */
export class MainThreadTrainer implements SurrogateTrainer {
  readonly where = 'main' as const;
  fit(request: FitRequest, signal?: AbortSignal): Promise<FitResult> {
    return fitSurrogate(request, signal);
  }
  async close(): Promise<void> {}
}
