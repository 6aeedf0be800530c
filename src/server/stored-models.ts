/**
 * Model access backed by the model versions the agent stores: the newest version of a campaign is
 * restored once (loadSurrogate) and kept until a newer one appears. Works for running and finished
 * campaigns alike, in this process or another. src/models (and so tfjs) is loaded on first use
 * only, so a service whose campaigns have no model never pays for it.
 */
import type { CampaignSpec } from '../campaign/index.js';
import { listModelVersions, loadLatestModelVersion, type CampaignRow, type Db, type StoredModel } from '../db/index.js';

/** A stored model and its version number. */
export type StoredModelVersion = StoredModel & { version: number };
import type { SearchSpace } from '../planner/space.js';
import type { AtomAttribution, LoadedModel, ModelAccess } from './model-access.js';

/** The targets a campaign's models are trained on; must match what the agent trains, or restoring fails. */
export type TargetsOf = (spec: CampaignSpec) => string[];

const objectiveOnly: TargetsOf = (spec) => [spec.objective.target];

export function storedModels(options: { targetsOf?: TargetsOf } = {}): ModelAccess {
  const targetsOf = options.targetsOf ?? objectiveOnly;
  const loaded = new Map<string, { version: number; model: Promise<LoadedModel> }>();

  async function restore(db: Db, campaign: CampaignRow, space: SearchSpace): Promise<LoadedModel> {
    const saved = await loadLatestModelVersion(db, campaign.id);
    if (!saved) throw new Error('the model version disappeared');
    const spec = campaign.spec as unknown as CampaignSpec;
    return loadedModelOf(saved, spec, space, targetsOf(spec));
  }

  return {
    available: true,
    async latest(db, campaign, space) {
      const [newest] = await listModelVersions(db, campaign.id);
      if (!newest) return undefined;
      const cached = loaded.get(campaign.id);
      if (cached && cached.version >= newest.version) return cached.model;
      const model = restore(db, campaign, space);
      loaded.set(campaign.id, { version: newest.version, model });
      model.catch(() => loaded.delete(campaign.id));
      return model;
    },
  };
}

/** A stored model version as a LoadedModel, restored for the campaign file (`spec`) and space it was trained for. */
export async function loadedModelOf(saved: StoredModelVersion, spec: CampaignSpec, space: SearchSpace, targets: string[]): Promise<LoadedModel> {
  const models = await import('../models/index.js');
  const { choiceFactor } = await import('../models/schema.js');
  const target = spec.objective.target;
  // the objective's bounds as the agent trains with them: predictions are held inside (a yield is never below 0 %)
  const bounds = spec.objective.bounds;
  const surrogate = await models.loadSurrogate(models.schemaFromSpace(space, targets, bounds ? { [target]: [bounds[0], bounds[1]] } : undefined), saved);
  const inputsOf = (candidates: number[]) => candidates.map((c) => models.reactionInputOf(space, c));
  // The page asks whether a candidate can be explained, then its drawings ask again per role.
  const attributed = new Map<number, Promise<AtomAttribution[] | undefined>>();
  return {
    version: saved.version,
    kind: saved.kind,
    trainingSize: saved.trainingSize,
    metrics: saved.metrics,
    ...(surrogate instanceof models.GaussianProcessSurrogate ? { fingerprints: surrogate.substanceFingerprints } : {}),
    async predict(candidates) {
      if (candidates.length === 0) return { mean: new Float64Array(0), sigma: new Float64Array(0) };
      const posterior = (await surrogate.predict(inputsOf(candidates)))[target];
      if (!posterior) throw new Error(`the model does not predict ${target}`);
      return posterior;
    },
    async predictInputs(inputs) {
      if (inputs.length === 0) return { mean: new Float64Array(0), sigma: new Float64Array(0) };
      const posterior = (await surrogate.predict(inputs))[target];
      if (!posterior) throw new Error(`the model does not predict ${target}`);
      return posterior;
    },
    async predictPoints(points) {
      if (points.length === 0) return { mean: new Float64Array(0), sigma: new Float64Array(0) };
      const posterior = (await surrogate.predict(points.map((point) => models.reactionInputOfPoint(space, point))))[target];
      if (!posterior) throw new Error(`the model does not predict ${target}`);
      return posterior;
    },
    async predictMixed(rows) {
      const inputs = rows.map((row) => {
        const sources = row.map((candidate) => models.reactionInputOf(space, candidate));
        const input: { substances: Record<string, string>; conditions: Record<string, string | number> } = { substances: {}, conditions: {} };
        space.parameters.forEach((p, j) => {
          const from = sources[j]!;
          if (p.kind === 'substance') {
            input.substances[p.name] = from.substances[p.name] ?? '';
            const twin = from.conditions[choiceFactor(p.name)];
            if (twin !== undefined) input.conditions[choiceFactor(p.name)] = twin;
          } else if (from.conditions[p.name] !== undefined) input.conditions[p.name] = from.conditions[p.name]!;
        });
        return input;
      });
      const posterior = (await surrogate.predict(inputs))[target];
      if (!posterior) throw new Error(`the model does not predict ${target}`);
      return posterior.mean;
    },
    async heldOut(observed) {
      if (!(surrogate instanceof models.GaussianProcessSurrogate)) return undefined;
      const loo = surrogate.heldOut(target);
      // a result measured twice is two training rows with one key: matched in order
      const byKey = new Map<string, number[]>();
      observed.forEach((candidate, index) => {
        const key = surrogate.inputKey(models.reactionInputOf(space, candidate));
        byKey.set(key, [...(byKey.get(key) ?? []), index]);
      });
      return loo.keys.map((key, i) => ({ index: byKey.get(key)?.shift(), observed: loo.observed[i]!, mean: loo.mean[i]!, sigma: loo.sigma[i]! }));
    },
    async similarities(candidate, observed) {
      if (!(surrogate instanceof models.GaussianProcessSurrogate)) return undefined;
      const { keys, similarity } = surrogate.similarities(models.reactionInputOf(space, candidate), target);
      const byKey = new Map(keys.map((k, i) => [k, similarity[i]!]));
      // a result newer than the model is not among its training rows: no similarity to show
      return observed.map((c) => byKey.get(surrogate.inputKey(models.reactionInputOf(space, c))));
    },
    attributions(candidate) {
      let found = attributed.get(candidate);
      if (!found) {
        found = models
          .atomAttributions(surrogate, models.reactionInputOf(space, candidate), target)
          .then((byRole) => Object.entries(byRole).map(([role, a]): AtomAttribution => ({ role, smiles: a.smiles, weights: a.atoms })))
          .catch((error: unknown) => {
            if (error instanceof models.ModelError) return undefined; // this kind has no atoms to point at
            throw error;
          });
        attributed.set(candidate, found);
      }
      return found;
    },
  };
}
