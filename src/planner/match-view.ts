/**
 * The planner's view of a model for a match objective (`objective.match` ± `tolerance`): the
 * surrogate learns the measured target itself (smooth, in target units), and planning maximises
 * c = −|y − match|. For y ~ N(μ, σ²) the distance |y − match| follows a folded normal, so c is
 * handed to the acquisition as a Gaussian with the folded normal's mean and variance (moment
 * matching; exact in the mean, and the variance keeps "uncertain" candidates worth a look):
 *
 *   δ = μ − match,  E|y − m| = σ √(2/π) exp(−δ²/2σ²) + δ (1 − 2 Φ(−δ/σ)),
 *   Var|y − m| = δ² + σ² − (E|y − m|)².
 *
 * Observations reach the planner already as −|y − match| (Objective.orient), so the incumbent and
 * the predictions are on one scale.
 */
import { normalCdf } from './normal.js';
import type { ModelView } from './recommender.js';

/** Mean and standard deviation of −|y − match| for y ~ N(mean, sd²). */
export function negatedDistanceMoments(mean: number, sd: number, match: number): { mean: number; sd: number } {
  const delta = mean - match;
  if (!(sd > 0)) return { mean: -Math.abs(delta), sd: 0 };
  const expected = sd * Math.sqrt(2 / Math.PI) * Math.exp(-(delta * delta) / (2 * sd * sd)) + delta * (1 - 2 * normalCdf(-delta / sd));
  const variance = Math.max(0, delta * delta + sd * sd - expected * expected);
  return { mean: -expected, sd: Math.sqrt(variance) };
}

/** The model as the planner sees it for a match objective: predictions of −|y − match|. */
export function matchView(model: ModelView, match: number): ModelView {
  return {
    version: model.version,
    kind: model.kind,
    ...(model.trainingSize !== undefined ? { trainingSize: model.trainingSize } : {}),
    async predict(candidates) {
      const p = await model.predict(candidates);
      const mean = new Float64Array(candidates.length);
      const sigma = new Float64Array(candidates.length);
      const epistemic = p.epistemic ? new Float64Array(candidates.length) : undefined;
      for (let i = 0; i < candidates.length; i++) {
        const m = negatedDistanceMoments(p.mean[i]!, p.sigma[i]!, match);
        mean[i] = m.mean;
        sigma[i] = m.sd;
        if (epistemic) epistemic[i] = negatedDistanceMoments(p.mean[i]!, p.epistemic![i]!, match).sd;
      }
      return { mean, sigma, ...(epistemic ? { epistemic } : {}) };
    },
  };
}
