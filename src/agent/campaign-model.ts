/**
 * The campaign's surrogate as the agent keeps it: loaded from the newest model version at start,
 * retrained (warm-started) in the retraining step whenever new results exist, each fit recorded as
 * a model version with its metrics, and offered to the planner as a predictive distribution.
 */
import type { CampaignSpec } from '../campaign/index.js';
import { Measurements } from '../measurements/measurements.js';
import { trainingTableWithPrior } from '../measurements/prior.js';
import { Objective } from '../objectives/objective.js';
import { appendEvent, latestEventPayloads, listObservations, listUsablePriorResults, loadLatestModelVersion, saveModelVersion, type Db } from '../db/index.js';
import { FitAbortedError, GaussianProcessSurrogate, loadSurrogate, MultiTaskGpSurrogate, ModelError, RankingEnsembleSurrogate, reactionInputOf, reactionInputOfPoint, schemaFromSpace, type ModelSchema, type ReactionInput, type SavedModel, type Surrogate } from '../models/index.js';
import type { Posterior } from '../models/types.js';
import type { ModelView } from '../planner/recommender.js';
import { turnTaker } from '../util/turns.js';
import type { SearchSpace } from '../planner/space.js';
import type { CampaignModel } from './campaign-runtime.js';
import { decideRetraining, DEFAULT_RETRAINING_POLICY, retrainingPolicyFor, trainingSetFingerprint, type RetrainingPolicy, type RetrainTrigger } from './retraining-policy.js';
import { MainThreadTrainer, type SurrogateTrainer } from './surrogate-training.js';

/** Candidates predicted between two turns of the event loop (about 35 ms of a GP's work on 2 busy cores). */
const PREDICT_CHUNK = 256;

/**
 * A surrogate's predictions for many inputs (a planning pass over a whole space, thousands of
 * candidates), a chunk at a time with the event loop handed back between chunks, so that the
 * service keeps answering while a campaign plans. Each input's prediction does not depend on the
 * others in its call, so the result is the same as one call (checked: 3,955 Buchwald–Hartwig
 * candidates, bit for bit).
 */
async function predictInTurns(surrogate: Surrogate, inputs: ReactionInput[]): Promise<Record<string, Posterior>> {
  if (inputs.length <= PREDICT_CHUNK) return surrogate.predict(inputs);
  const pause = turnTaker();
  const parts: Record<string, Posterior>[] = [];
  for (let start = 0; start < inputs.length; start += PREDICT_CHUNK) {
    parts.push(await surrogate.predict(inputs.slice(start, start + PREDICT_CHUNK)));
    await pause();
  }
  const joined = (pick: (p: Posterior) => Float64Array, target: string) => {
    const out = new Float64Array(inputs.length);
    let at = 0;
    for (const part of parts) {
      const values = pick(part[target]!);
      out.set(values, at);
      at += values.length;
    }
    return out;
  };
  return Object.fromEntries(
    Object.keys(parts[0]!).map((target) => [
      target,
      { mean: joined((p) => p.mean, target), sigma: joined((p) => p.sigma, target), epistemic: joined((p) => p.epistemic, target), aleatoric: joined((p) => p.aleatoric, target) },
    ]),
  );
}

/** Adapts a trained surrogate to the planner's view of one target. */
export function modelView(space: SearchSpace, surrogate: Surrogate, target: string, version: number, trainingSize?: number): ModelView {
  return {
    version,
    kind: surrogate.kind,
    ...(trainingSize !== undefined ? { trainingSize } : {}),
    predict: async (candidates) => {
      const posterior = (await predictInTurns(surrogate, candidates.map((c) => reactionInputOf(space, c))))[target];
      if (!posterior) throw new Error(`the model predicts no ${target}`);
      return { mean: posterior.mean, sigma: posterior.sigma };
    },
    predictPoints: async (points) => {
      const posterior = (await predictInTurns(surrogate, points.map((p) => reactionInputOfPoint(space, p))))[target];
      if (!posterior) throw new Error(`the model predicts no ${target}`);
      return { mean: posterior.mean, sigma: posterior.sigma };
    },
    ...((surrogate instanceof MultiTaskGpSurrogate || surrogate instanceof RankingEnsembleSurrogate) && surrogate.sourceAgreement !== undefined ? { sourceAgreement: surrogate.sourceAgreement } : {}),
    ...(surrogate instanceof GaussianProcessSurrogate
      ? { believer: (candidates: number[]) => surrogate.believer(candidates.map((c) => reactionInputOf(space, c)), target) }
      : {}),
    predictTargets: async (candidates) => {
      const posteriors = await predictInTurns(surrogate, candidates.map((c) => reactionInputOf(space, c)));
      return Object.fromEntries(Object.entries(posteriors).map(([name, p]) => [name, { mean: p.mean, sigma: p.sigma }]));
    },
  };
}

export interface TrainedVersion {
  version: number;
  mode: 'warm' | 'full';
  trigger: RetrainTrigger;
  /** Wall time of the fit as the agent saw it (queueing for a worker included). */
  seconds: number;
  where: SurrogateTrainer['where'];
  trainingSize: number;
}

export interface CampaignModelOptions {
  /** The service's default policy; a campaign's own `planner.retraining` settings override it. */
  policy?: RetrainingPolicy;
  /** Where fits run (default: this thread). */
  trainer?: SurrogateTrainer;
  onTrained?: (version: TrainedVersion) => void;
  onFailed?: (error: Error) => void;
}

interface CurrentVersion {
  surrogate: Surrogate;
  saved: SavedModel;
  version: number;
  trainingSize: number;
  /** The training set's fingerprint (absent for versions recorded before fingerprints were). */
  fingerprint?: string;
}

export class SurrogateCampaignModel implements CampaignModel {
  private current?: CurrentVersion;
  private readonly schema: ModelSchema;
  private readonly target: string;
  private readonly objective: Objective;
  private readonly targets: string[];
  private readonly trainer: SurrogateTrainer;
  private warmSinceFull = 0;
  /** Fits run one at a time per campaign: the machine's and the timer's queue behind each other. */
  private training: Promise<void> = Promise.resolve();
  /** The next fit, queued behind the running one: later requests join it (it reads the data when it starts). */
  private next?: Promise<void>;
  private timer?: NodeJS.Timeout;
  /** Aborted by close(): fits still waiting for a worker are dropped. */
  private readonly lifetime = new AbortController();
  /** Set when the last retrain left results out of the model: the policy's reason, or a fit that outlasted the wait. */
  private behind?: string;

  constructor(
    private readonly db: Db,
    private readonly campaignId: string,
    private readonly spec: CampaignSpec,
    private readonly space: SearchSpace,
    private readonly options: CampaignModelOptions = {},
  ) {
    this.target = spec.objective.target;
    this.objective = Objective.of(spec);
    // one GP per modelled target (the surrogate fits each independently, skipping rows without it)
    this.targets = this.objective.modelledTargets;
    this.schema = schemaFromSpace(space, this.targets, targetBounds(spec));
    this.trainer = options.trainer ?? new MainThreadTrainer();
  }

  /** Read at every decision: an operator may change the campaign's planner settings mid-campaign. */
  get policy(): RetrainingPolicy {
    return retrainingPolicyFor(this.spec.planner, this.options.policy ?? DEFAULT_RETRAINING_POLICY);
  }

  /** Picks up the newest saved version, so a restart does not retrain what it already had. */
  async load(): Promise<void> {
    const saved = await loadLatestModelVersion(this.db, this.campaignId);
    if (!saved) return;
    // How many warm starts since the last full retrain, and what the newest was trained on.
    const history = await latestEventPayloads(this.db, this.campaignId, 'model.trained', Math.max(1, this.policy.fullEvery));
    const newest = history.find((p) => p.version === saved.version);
    const warm = history.findIndex((p) => p.mode !== 'warm');
    this.warmSinceFull = warm < 0 ? history.length : warm;
    let surrogate: Surrogate;
    try {
      surrogate = await loadSurrogate(this.schema, saved);
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      // A version this build cannot use (saved by an older Athanor with another featurizer or
      // another order of the space's parameters): the stored results are the truth, so the
      // campaign goes on without it and the next retrain fits a new version on them from scratch.
      const message = `campaign ${this.campaignId}: model version ${saved.version} cannot be used (${error.message}); a new one is trained from the stored results`;
      process.emitWarning(message, { code: 'ATHANOR_MODEL_UNUSABLE' });
      await appendEvent(this.db, { campaignId: this.campaignId, type: 'model.unusable', actor: 'agent', payload: { version: saved.version, reason: error.message } });
      return;
    }
    this.current = {
      surrogate,
      saved,
      version: saved.version,
      trainingSize: saved.trainingSize,
      ...(typeof newest?.trainingSet === 'string' ? { fingerprint: newest.trainingSet } : {}),
    };
  }

  view(): ModelView | undefined {
    return this.current ? modelView(this.space, this.current.surrogate, this.target, this.current.version, this.current.trainingSize) : undefined;
  }

  /** Why the newest version may not cover every stored result (the last retrain's), if it may not. */
  get staleness(): string | undefined {
    return this.behind;
  }

  /**
   * The machine's retraining step: trains when the policy says the new results call for it, and
   * waits for the fit at most the policy's `waitSeconds` — a slow fit (a busy worker, a large
   * full retrain) finishes in the background, and planning goes on with the newest finished
   * version meanwhile. `signal` (the machine left the step) ends the wait, not the fit.
   */
  async retrain(signal?: AbortSignal): Promise<void> {
    this.startTimer(); // an operator may have given the campaign a timer since
    const fit = this.enqueue('results');
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.policy.waitSeconds * 1000);
      onAbort = () => resolve();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const finished = await Promise.race([fit.then(() => true), gaveUp.then(() => false)]);
    clearTimeout(timer);
    if (!finished) this.behind = signal?.aborted ? 'planning stopped waiting for the fit' : `the fit on the new results took longer than wait_seconds (${this.policy.waitSeconds} s)`;
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }

  /** Retrains in the background on the policy's timer (if it has one) until close(). */
  startTimer(): void {
    if (this.closed || this.timer) return;
    const seconds = this.policy.everySeconds;
    if (seconds === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.enqueue('timer').finally(() => this.startTimer());
    }, seconds * 1000);
    this.timer.unref();
  }

  private get closed(): boolean {
    return this.lifetime.signal.aborted;
  }

  /** No more fits start, and none that finishes is recorded: the campaign left this process. */
  close(): void {
    this.lifetime.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enqueue(trigger: RetrainTrigger): Promise<void> {
    if (!this.next) {
      const next = this.training.then(() => {
        this.next = undefined;
        return this.trainOnce(trigger);
      });
      this.next = next;
      this.training = next;
    }
    return this.next;
  }

  /** Never rejects: a failed fit is recorded and the campaign goes on. */
  private async trainOnce(trigger: RetrainTrigger): Promise<void> {
    if (this.closed) return;
    try {
      await this.fitAndRecord(trigger);
    } catch (error) {
      if (error instanceof FitAbortedError || this.closed) return;
      // A failed fit is not a failed campaign: the planner keeps the newest finished version.
      const e = error instanceof Error ? error : new Error(String(error));
      await appendEvent(this.db, { campaignId: this.campaignId, type: 'model.training-failed', actor: 'agent', payload: { trigger, error: e.message } }).catch(() => 0);
      this.options.onFailed?.(e);
    }
  }

  private async fitAndRecord(trigger: RetrainTrigger): Promise<void> {
    const own = Measurements.from(await listObservations(this.db, this.campaignId));
    // prior data (docs/transfer.md): same-task rows join the set, related ones come tagged with their source
    const { candidates, values, seqs, tasks } = trainingTableWithPrior(own, await listUsablePriorResults(this.db, this.campaignId), this.space, this.targets, this.objective);
    const inputs: ReactionInput[] = candidates.map((candidate) => reactionInputOf(this.space, candidate));
    const fingerprint = trainingSetFingerprint(seqs);
    const current = this.current;
    const decision = decideRetraining(
      this.policy,
      {
        available: inputs.length,
        fingerprint,
        warmSinceFull: this.warmSinceFull,
        ...(current ? { current: { size: current.trainingSize, ...(current.fingerprint ? { fingerprint: current.fingerprint } : {}) } } : {}),
      },
      trigger,
    );
    if (!decision.train) {
      // "unchanged" means the model has every result; any other reason leaves some out
      this.behind = current && (current.fingerprint === fingerprint || (!current.fingerprint && current.trainingSize === inputs.length)) ? undefined : decision.why;
      return;
    }
    const started = performance.now();
    const fitted = await this.trainer.fit(
      {
        schema: this.schema,
        data: { inputs, targets: values, ...(tasks ? { tasks } : {}) },
        seed: this.spec.seed,
        ...(this.spec.planner.model ? { settings: { substanceKernel: this.spec.planner.model.substance_kernel, hyperSamples: this.spec.planner.model.hyper_samples, transfer: this.spec.planner.model.transfer } } : {}),
        ...(decision.mode === 'warm' && current ? { warmStart: current.saved } : {}),
      },
      this.lifetime.signal,
    );
    if (this.closed) return;
    const surrogate = await loadSurrogate(this.schema, fitted.saved);
    const seconds = (performance.now() - started) / 1000;
    const mode = fitted.warmStarted ? 'warm' : 'full';
    const { saved, report } = fitted;
    const version = await saveModelVersion(this.db, this.campaignId, saved);
    await appendEvent(this.db, {
      campaignId: this.campaignId,
      type: 'model.trained',
      actor: 'agent',
      payload: {
        version,
        kind: saved.kind,
        backend: saved.backend,
        trainingSize: saved.trainingSize,
        seconds: report.seconds,
        metrics: report.metrics,
        mode,
        trigger,
        why: decision.why,
        where: this.trainer.where,
        trainingSet: fingerprint,
      },
    });
    this.current = { surrogate, saved, version, trainingSize: inputs.length, fingerprint };
    this.behind = undefined;
    this.warmSinceFull = mode === 'warm' ? this.warmSinceFull + 1 : 0;
    this.options.onTrained?.({ version, mode, trigger, seconds, where: this.trainer.where, trainingSize: inputs.length });
  }
}

/** Each modelled target's bounds from the campaign file (predictions are held inside them). */
function targetBounds(spec: CampaignSpec): Record<string, [number, number]> | undefined {
  const out: Record<string, [number, number]> = {};
  const { objective } = spec;
  if (objective.bounds) out[objective.target] = [objective.bounds[0], objective.bounds[1]];
  for (const t of objective.pareto ?? []) if (t.bounds) out[t.target] = [t.bounds[0], t.bounds[1]];
  return Object.keys(out).length > 0 ? out : undefined;
}
