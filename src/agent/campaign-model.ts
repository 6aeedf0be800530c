/**
 * The campaign's surrogate as the agent keeps it: loaded from the newest model version at start,
 * retrained (warm-started) in the retraining step whenever new results exist, each fit recorded as
 * a model version with its metrics, and offered to the planner as a predictive distribution.
 */
import type { CampaignSpec } from '../campaign/index.js';
import { appendEvent, listObservations, loadLatestModelVersion, saveModelVersion, type Db } from '../db/index.js';
import { defaultSurrogate, loadSurrogate, reactionInputOf, schemaFromSpace, type ModelSchema, type ReactionInput, type Surrogate } from '../models/index.js';
import type { ModelView } from '../planner/recommender.js';
import type { SearchSpace } from '../planner/space.js';
import type { CampaignModel } from './campaign-runtime.js';

/** Adapts a trained surrogate to the planner's view of one target. */
export function modelView(space: SearchSpace, surrogate: Surrogate, target: string, version: number): ModelView {
  return {
    version,
    kind: surrogate.kind,
    predict: async (candidates) => {
      const posterior = (await surrogate.predict(candidates.map((c) => reactionInputOf(space, c))))[target];
      if (!posterior) throw new Error(`the model predicts no ${target}`);
      return { mean: posterior.mean, sigma: posterior.sigma };
    },
  };
}

export class SurrogateCampaignModel implements CampaignModel {
  private current?: { surrogate: Surrogate; version: number; trainingSize: number };
  private readonly schema: ModelSchema;
  private readonly target: string;

  constructor(
    private readonly db: Db,
    private readonly campaignId: string,
    private readonly spec: CampaignSpec,
    private readonly space: SearchSpace,
  ) {
    this.target = spec.objective.target;
    this.schema = schemaFromSpace(space, [this.target]);
  }

  /** Picks up the newest saved version, so a restart does not retrain what it already had. */
  async load(): Promise<void> {
    const saved = await loadLatestModelVersion(this.db, this.campaignId);
    if (!saved) return;
    this.current = { surrogate: await loadSurrogate(this.schema, saved), version: saved.version, trainingSize: saved.trainingSize };
  }

  view(): ModelView | undefined {
    return this.current ? modelView(this.space, this.current.surrogate, this.target, this.current.version) : undefined;
  }

  async retrain(signal?: AbortSignal): Promise<void> {
    const inputs: ReactionInput[] = [];
    const values: number[] = [];
    for (const o of await listObservations(this.db, this.campaignId)) {
      const index = this.space.indexOfKey(o.candidateKey);
      const value = o.values[this.target];
      if (index === undefined || value === undefined) continue;
      inputs.push(reactionInputOf(this.space, index));
      values.push(value);
    }
    // Two results are the least a model can learn a trend from; and nothing new, nothing to learn.
    if (inputs.length < 2 || inputs.length === this.current?.trainingSize) return;
    const surrogate = defaultSurrogate(this.schema, inputs.length);
    const report = await surrogate.fit(
      { inputs, targets: { [this.target]: values } },
      { seed: this.spec.seed, ...(this.current ? { warmStart: this.current.surrogate } : {}), ...(signal ? { signal } : {}) },
    );
    if (signal?.aborted) return;
    const saved = await surrogate.save();
    const version = await saveModelVersion(this.db, this.campaignId, saved);
    await appendEvent(this.db, {
      campaignId: this.campaignId,
      type: 'model.trained',
      actor: 'agent',
      payload: { version, kind: saved.kind, backend: saved.backend, trainingSize: saved.trainingSize, seconds: report.seconds, metrics: report.metrics },
    });
    this.current = { surrogate, version, trainingSize: inputs.length };
  }
}
