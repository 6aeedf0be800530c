/**
 * The forward model a discovery campaign annotates its space with: read from the campaign's
 * `planner.discovery.forward_model` (or the shipped USPTO-15K model) once per file and process, and
 * handed to the planner as a plain function, so the planner itself never touches files.
 */
import { confinedSpecPath, type CampaignSpec } from '../campaign/index.js';
import type { ForwardOracle } from '../discovery/forward-annotations.js';

const loaded = new Map<string, Promise<ForwardOracle>>();

/** undefined when the campaign asks for no forward model (`forward_model: false`). */
export function forwardLoaderFor(spec: CampaignSpec): (() => Promise<ForwardOracle>) | undefined {
  const setting = spec.planner.discovery?.forward_model;
  if (setting === false) return undefined;
  return async () => {
    // confined each time it is asked for, before the cache: a link swapped in since is refused
    const path = setting === undefined ? undefined : await confinedSpecPath(spec, ['planner', 'discovery', 'forward_model'], setting);
    const key = path ?? '(shipped)';
    let oracle = loaded.get(key);
    if (!oracle) {
      oracle = load(path);
      loaded.set(key, oracle);
      oracle.catch(() => loaded.delete(key)); // a failed load is retried by the next campaign
    }
    return oracle;
  };
}

async function load(path: string | undefined): Promise<ForwardOracle> {
  const [{ initTensorBackend }, { ForwardPredictor }] = await Promise.all([import('../models/backend.js'), import('../models/forward/predictor.js')]);
  await initTensorBackend({ log: null });
  let predictor: ReturnType<typeof ForwardPredictor.load>;
  try {
    predictor = ForwardPredictor.load(path);
  } catch (error) {
    throw new Error(
      `cannot load the forward model ${path ?? '(the shipped one)'}: ${(error as Error).message}; ` +
        'name another with planner.discovery.forward_model, or set it to false to plan without one',
    );
  }
  return (reactants) => predictor.predict(reactants, { topK: 3 });
}
