/**
 * Acquisition functions on a predictive distribution (mean, σ per candidate). Values are oriented so
 * that larger is better: a campaign that minimises passes negated means and incumbent.
 */
import { normal, type Rng } from '../util/random.js';
import { normalCdf, normalPdf } from './normal.js';

export type AcquisitionName = 'ei' | 'ucb' | 'pi' | 'thompson' | 'max_sigma' | 'greedy';

export const ACQUISITIONS: readonly AcquisitionName[] = ['ei', 'ucb', 'pi', 'thompson', 'max_sigma', 'greedy'];

export interface AcquisitionSettings {
  name: AcquisitionName;
  /** UCB exploration weight: mean + β σ. */
  beta?: number;
  /** EI/PI margin, in target units: improvements smaller than ξ are not worth an experiment. */
  xi?: number;
}

export interface AcquisitionInput {
  mean: ArrayLike<number>;
  sigma: ArrayLike<number>;
  /** The best value observed so far (oriented); -Infinity when nothing has been observed. */
  incumbent: number;
  rng: Rng;
}

/** Expected improvement over incumbent + ξ: (μ − f* − ξ) Φ(z) + σ φ(z). */
export function expectedImprovement(mean: number, sigma: number, incumbent: number, xi = 0): number {
  const gain = mean - incumbent - xi;
  if (sigma <= 1e-12) return Math.max(0, gain);
  const z = gain / sigma;
  return gain * normalCdf(z) + sigma * normalPdf(z);
}

/** Probability that a result beats incumbent + ξ. */
export function probabilityOfImprovement(mean: number, sigma: number, incumbent: number, xi = 0): number {
  const gain = mean - incumbent - xi;
  if (sigma <= 1e-12) return gain > 0 ? 1 : 0;
  return normalCdf(gain / sigma);
}

export function upperConfidenceBound(mean: number, sigma: number, beta: number): number {
  return mean + beta * sigma;
}

/** Default UCB weight: 2 is the usual compromise for a handful of batches (Srinivas et al. use a schedule growing with log t). */
export const DEFAULT_BETA = 2;

export function scoreCandidates(settings: AcquisitionSettings, input: AcquisitionInput): Float64Array {
  const n = input.mean.length;
  const out = new Float64Array(n);
  const xi = settings.xi ?? 0;
  const beta = settings.beta ?? DEFAULT_BETA;
  const incumbent = Number.isFinite(input.incumbent) ? input.incumbent : Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const mu = input.mean[i] as number;
    const sd = Math.max(0, input.sigma[i] as number);
    switch (settings.name) {
      case 'ei':
        out[i] = Number.isFinite(incumbent) ? expectedImprovement(mu, sd, incumbent, xi) : mu + sd;
        break;
      case 'pi':
        out[i] = Number.isFinite(incumbent) ? probabilityOfImprovement(mu, sd, incumbent, xi) : 1;
        break;
      case 'ucb':
        out[i] = upperConfidenceBound(mu, sd, beta);
        break;
      case 'thompson':
        out[i] = mu + sd * normal(input.rng);
        break;
      case 'max_sigma':
        out[i] = sd;
        break;
      case 'greedy':
        out[i] = mu;
        break;
    }
  }
  return out;
}

export function describeAcquisition(settings: AcquisitionSettings): string {
  switch (settings.name) {
    case 'ei':
      return 'expected improvement';
    case 'pi':
      return 'probability of improvement';
    case 'ucb':
      return `upper confidence bound (β ${settings.beta ?? DEFAULT_BETA})`;
    case 'thompson':
      return 'Thompson sample';
    case 'max_sigma':
      return 'largest uncertainty';
    case 'greedy':
      return 'highest predicted mean';
  }
}
