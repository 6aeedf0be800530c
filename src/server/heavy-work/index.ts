/**
 * CPU-heavy request work off the event loop: forward prediction, chain search and campaign-file
 * checks run on a small pool of worker threads (src/util/worker-pool.ts) with a memory ceiling and
 * a time limit each, so that /api/health and every other request keep answering while they run.
 * What the work refuses comes back as the API's 4xx; a full queue, a job over its time or its
 * memory as 503 with Retry-After. Settings: docs/operations.md.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { CheckedCampaign, NewCampaignRequest } from '../../agent/operator-actions.js';
import { DEFAULT_MAX_CANDIDATES } from '../../campaign/space-size.js';
import type { ChainSearchResult } from '../../discovery/chains.js';
import type { ForwardPrediction } from '../../models/forward/predictor.js';
import type { SecondOpinion } from '../../mechanism/second-opinion.js';
import type { MechanismView } from '../../mechanism/prediction-view.js';
import type { CampaignSuggestions, SuggestionRequest } from '../../generative/campaign-suggestions.js';
import type { LibraryScreenResult } from '../../screening/library-screen.js';
import { WorkerPool, WorkFailedError, WorkRefusedError } from '../../util/worker-pool.js';
import { apiError } from '../errors.js';
import type { HeavyResult, HeavyTask, SuggestionSources, TaskFailure } from './tasks.js';
import type { TaskFault } from './worker.js';

export { MAX_CHAIN_INVENTORY, MAX_CHAIN_REAGENT_HEAVY_ATOMS, MAX_PREDICTION_HEAVY_ATOMS } from './tasks.js';

export interface HeavyWorkSettings {
  /** Worker threads (started when first needed). */
  threads: number;
  /** A request's time limit on its worker, and the longest it waits for one (ms). */
  timeoutMs: number;
  /** V8 heap ceiling of each worker (MB). */
  memoryMb: number;
  /** Requests that may wait for a free worker; more are answered 503 at once. */
  maxQueued: number;
  /** The largest grid a campaign file may describe. */
  maxCandidates: number;
}

export const DEFAULT_HEAVY_WORK: HeavyWorkSettings = {
  threads: 2,
  timeoutMs: 30_000,
  memoryMb: 1024,
  maxQueued: 16,
  maxCandidates: DEFAULT_MAX_CANDIDATES,
};

export class HeavyWorkSettingsError extends Error {}

/** A whole-number setting from the environment (undefined when unset); anything else is refused naming the variable. */
export function wholeNumberFromEnv(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || !/^\d+$/.test(text.trim())) throw new HeavyWorkSettingsError(`${name} must be an integer ≥ ${min}, got "${text}"`);
  return value;
}

/** ATHANOR_WORK_THREADS, ATHANOR_WORK_TIMEOUT_MS, ATHANOR_WORK_MEMORY_MB, ATHANOR_WORK_QUEUE, ATHANOR_MAX_CANDIDATES. */
export function heavyWorkSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): HeavyWorkSettings {
  return {
    threads: wholeNumberFromEnv(env, 'ATHANOR_WORK_THREADS', 1) ?? DEFAULT_HEAVY_WORK.threads,
    timeoutMs: wholeNumberFromEnv(env, 'ATHANOR_WORK_TIMEOUT_MS', 100) ?? DEFAULT_HEAVY_WORK.timeoutMs,
    memoryMb: wholeNumberFromEnv(env, 'ATHANOR_WORK_MEMORY_MB', 64) ?? DEFAULT_HEAVY_WORK.memoryMb,
    maxQueued: wholeNumberFromEnv(env, 'ATHANOR_WORK_QUEUE', 0) ?? DEFAULT_HEAVY_WORK.maxQueued,
    maxCandidates: wholeNumberFromEnv(env, 'ATHANOR_MAX_CANDIDATES', 1) ?? DEFAULT_HEAVY_WORK.maxCandidates,
  };
}

/** The API's error code for each way a worker pool refuses or stops a job. */
export const REFUSAL_CODES: Record<WorkRefusedError['reason'], string> = {
  busy: 'busy',
  timeout: 'over_time',
  memory: 'over_memory',
  crashed: 'worker_failed',
  closed: 'shutting_down',
  cancelled: 'cancelled',
};

export class HeavyWork {
  private readonly pool: WorkerPool<HeavyTask, HeavyResult>;

  constructor(readonly settings: HeavyWorkSettings = DEFAULT_HEAVY_WORK) {
    this.pool = new WorkerPool({
      url: new URL('./worker.mjs', import.meta.url),
      size: settings.threads,
      maxQueued: settings.maxQueued,
      timeoutMs: settings.timeoutMs,
      memoryMb: settings.memoryMb,
      name: 'heavy-work',
    });
  }

  /** `secondOpinion`: each product with the mechanisms' support, in the forward model's order (mechanism/second-opinion.ts). */
  predict(reactants: string, top: number, secondOpinion = false): Promise<(ForwardPrediction & Partial<SecondOpinion>)[]> {
    return this.run({ kind: 'predict', reactants, top, ...(secondOpinion ? { secondOpinion } : {}) }, 'prediction') as Promise<(ForwardPrediction & Partial<SecondOpinion>)[]>;
  }

  chains(query: { inventory: string[]; target?: string; steps: number; top: number }): Promise<ChainSearchResult> {
    return this.run({ kind: 'chains', ...query }, 'chain search') as Promise<ChainSearchResult>;
  }

  /** The `top` mechanisms of reactants, the first `pictures` of them drawn step by step. */
  mechanism(reactants: string, top: number, pictures: number): Promise<MechanismView> {
    return this.run({ kind: 'mechanism', reactants, top, pictures }, 'mechanism search') as Promise<MechanismView>;
  }

  /** Validates a campaign file (the service's candidate limit applies) and describes its substances. */
  checkCampaign(request: NewCampaignRequest): Promise<CheckedCampaign> {
    return this.run({ kind: 'campaign', request: { maxCandidates: this.settings.maxCandidates, ...request } }, 'campaign check') as Promise<CheckedCampaign>;
  }

  /** New substances for a campaign's role (generative/campaign-suggestions.ts). */
  suggestSubstances(sources: SuggestionSources, request: SuggestionRequest): Promise<CampaignSuggestions> {
    return this.run({ kind: 'suggest', sources, request }, 'substance suggestion') as Promise<CampaignSuggestions>;
  }

  /** A library sent with a request, screened in a role of a campaign (screening/library-screen.ts). */
  screenLibrary(task: Omit<Extract<HeavyTask, { kind: 'screen' }>, 'kind'>): Promise<LibraryScreenResult> {
    return this.run({ kind: 'screen', ...task }, 'library screen') as Promise<LibraryScreenResult>;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async run(task: HeavyTask, what: string): Promise<HeavyResult> {
    try {
      return await this.pool.run(task);
    } catch (error) {
      if (error instanceof WorkRefusedError) {
        const message = error.message.replace('heavy-work', what);
        const refusal = apiError(503, REFUSAL_CODES[error.reason], message);
        refusal.getResponse().headers.set('retry-after', String(error.retryAfterSeconds));
        throw refusal;
      }
      if (error instanceof WorkFailedError) {
        const failure = error.failure as TaskFailure | TaskFault;
        if ('fault' in failure) throw Object.assign(new Error(`${what} failed: ${failure.fault.message}`), { name: failure.fault.name });
        throw apiError(failure.status as ContentfulStatusCode, failure.code, failure.message, failure.field, failure.issues);
      }
      throw error;
    }
  }
}

let shared: HeavyWork | undefined;

/** One pool for the process (apps made without their own share it), with the settings from the environment. */
export function sharedHeavyWork(): HeavyWork {
  shared ??= new HeavyWork(heavyWorkSettingsFromEnv());
  return shared;
}
