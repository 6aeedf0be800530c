/**
 * Model access backed by the model versions the agent stores: the newest version of a campaign is
 * restored once (loadSurrogate) and kept until a newer one appears. Works for running and finished
 * campaigns alike, in this process or another. src/models (and so tfjs) is loaded on first use
 * only, so a service whose campaigns have no model never pays for it.
 */
import type { CampaignSpec } from '../campaign/index.js';
import { listModelVersions, loadLatestModelVersion, type CampaignRow, type Db } from '../db/index.js';
import type { SearchSpace } from '../planner/space.js';
import type { AtomAttribution, LoadedModel, ModelAccess } from './model-access.js';

/** The targets a campaign's models are trained on; must match what the agent trains, or restoring fails. */
export type TargetsOf = (spec: CampaignSpec) => string[];

const objectiveOnly: TargetsOf = (spec) => [spec.objective.target];

export function storedModels(options: { targetsOf?: TargetsOf } = {}): ModelAccess {
  const targetsOf = options.targetsOf ?? objectiveOnly;
  const loaded = new Map<string, { version: number; model: Promise<LoadedModel> }>();

  async function restore(db: Db, campaign: CampaignRow, space: SearchSpace): Promise<LoadedModel> {
    const models = await import('../models/index.js');
    const saved = await loadLatestModelVersion(db, campaign.id);
    if (!saved) throw new Error('the model version disappeared');
    const spec = campaign.spec as unknown as CampaignSpec;
    const target = spec.objective.target;
    const surrogate = await models.loadSurrogate(models.schemaFromSpace(space, targetsOf(spec)), saved);
    const inputsOf = (candidates: number[]) => candidates.map((c) => models.reactionInputOf(space, c));
    // The page asks whether a candidate can be explained, then its drawings ask again per role.
    const attributed = new Map<number, Promise<AtomAttribution[] | undefined>>();
    return {
      version: saved.version,
      kind: saved.kind,
      trainingSize: saved.trainingSize,
      metrics: saved.metrics,
      async predict(candidates) {
        if (candidates.length === 0) return { mean: new Float64Array(0), sigma: new Float64Array(0) };
        const posterior = (await surrogate.predict(inputsOf(candidates)))[target];
        if (!posterior) throw new Error(`the model does not predict ${target}`);
        return posterior;
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
