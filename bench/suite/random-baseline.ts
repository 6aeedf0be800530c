/**
 * What random search (drawing candidates without replacement) expects, computed exactly rather
 * than by sampling. Written by hand: these are two textbook order-statistic formulas for sampling
 * without replacement, which no library we use provides.
 *
 * - Draws to the first of K good candidates among N: (N + 1) / (K + 1).
 * - Best of n draws: with the N values sorted worst to best, v(1) … v(N), the best of n draws is
 *   at most v(i) with probability C(i, n) / C(N, n) (all n draws among the i worst), which gives
 *   its mean and its quantiles at every n.
 */
import type { Landscape } from './tasks.js';

export function expectedDrawsToTop1(landscape: Landscape): number {
  // Unmeasured candidates (the lab fails on them) are draws too, never good ones.
  return (landscape.values.length + 1) / (landscape.top1Count + 1);
}

export interface RandomCurve {
  /** Expected best value after 1, 2, … budget draws. */
  mean: number[];
  q25: number[];
  median: number[];
  q75: number[];
}

/** Exact distribution of random search's best-so-far value after each of `budget` draws. */
export function randomBestSoFar(landscape: Landscape, budget: number): RandomCurve {
  const sign = landscape.direction === 'maximize' ? 1 : -1;
  // An experiment without an answer improves nothing: it counts as the worst value.
  const sorted = [...landscape.values].map((v) => (Number.isNaN(v) ? landscape.worst : v)).sort((a, b) => sign * (a - b));
  const N = sorted.length;
  const curve: RandomCurve = { mean: [], q25: [], median: [], q75: [] };
  // cdf[i] = P(best of n draws ≤ sorted[i-1]) = C(i, n) / C(N, n), built from i = N downwards:
  // C(i-1, n) / C(i, n) = (i - n) / i.
  const cdf = new Float64Array(N + 1);
  for (let n = 1; n <= Math.min(budget, N); n++) {
    cdf[N] = 1;
    for (let i = N; i >= 1; i--) cdf[i - 1] = i - 1 < n ? 0 : (cdf[i] as number) * ((i - n) / i);
    let mean = 0;
    for (let i = 1; i <= N; i++) mean += (sorted[i - 1] as number) * ((cdf[i] as number) - (cdf[i - 1] as number));
    const quantile = (q: number) => {
      let i = 1;
      while (i < N && (cdf[i] as number) < q) i++;
      return sorted[i - 1] as number;
    };
    curve.mean.push(mean);
    curve.q25.push(quantile(0.25));
    curve.median.push(quantile(0.5));
    curve.q75.push(quantile(0.75));
  }
  // More draws than candidates: the whole space has been tried.
  while (curve.mean.length < budget) {
    for (const k of ['mean', 'q25', 'median', 'q75'] as const) curve[k].push(sorted[N - 1] as number);
  }
  return curve;
}
