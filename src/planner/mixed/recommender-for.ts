/** The planner of a searched space (continuous parameters or enumerate: false), from the campaign's settings. */
import type { CampaignSpec } from '../../campaign/index.js';
import { MixedRecommender } from './mixed-recommender.js';

export function mixedRecommenderFor(spec: CampaignSpec): MixedRecommender {
  const planner = spec.planner;
  return new MixedRecommender({
    acquisition: { name: planner.acquisition, xi: planner.xi, ...(planner.beta !== undefined ? { beta: planner.beta } : {}) },
    initialResults: planner.initial_results ?? spec.budget.batch,
    penaltyLength: planner.penalty_length,
    // the model-free strategies are the space-filling design throughout
    mode: planner.strategy === 'bayesian' ? 'model' : 'design',
  });
}
