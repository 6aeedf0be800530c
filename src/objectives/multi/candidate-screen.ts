/**
 * Cutting a large search space down to a pool noisy EHVI can afford (its cost grows with the
 * cube of the pool for the Cholesky factors and linearly for the Monte Carlo scoring). Each
 * candidate is scored by the exclusive hypervolume of its optimistic outcome, mean + κ·σ on every
 * target (oriented), beyond the front of the posterior means at the observed points — a cheap,
 * independent-marginal upper-confidence proxy for EHVI. The best `keep` are kept, plus `explore`
 * chosen at random from the rest so that the pool never depends on the proxy alone.
 */
import type { Rng } from '../../util/random.js';
import { shuffled } from '../../util/random.js';
import { exclusiveVolume } from './hypervolume.js';
import { type Direction, orientPoints, orientReference } from './orientation.js';
import { nonDominatedIndicesMaximised } from './pareto.js';

export interface CandidateScreenInput {
  /** Posterior mean per candidate and target, in target units. */
  mean: readonly (readonly number[])[];
  /** Posterior standard deviation per candidate and target. */
  sd: readonly (readonly number[])[];
  /** Posterior means at the observed points (the incumbent front is taken over these). */
  observedMean: readonly (readonly number[])[];
  directions: readonly Direction[];
  /** Reference point in target units. */
  reference: readonly number[];
  keep: number;
  explore: number;
  rng: Rng;
  /** Optimism κ (default 1). */
  kappa?: number;
}

/** Candidate positions (indices into `mean`) to pass on: the best `keep` by the proxy, then `explore` at random. */
export function screenCandidates(input: CandidateScreenInput): number[] {
  const { mean, sd, directions, keep, explore, rng } = input;
  const kappa = input.kappa ?? 1;
  if (sd.length !== mean.length) throw new RangeError(`sd has ${sd.length} rows, mean ${mean.length}`);
  if (!(Number.isInteger(keep) && keep >= 0 && Number.isInteger(explore) && explore >= 0)) {
    throw new RangeError(`keep and explore must be integers ≥ 0, got ${keep} and ${explore}`);
  }
  const reference = orientReference(input.reference, directions);
  const observed = orientPoints(input.observedMean, directions);
  const front = nonDominatedIndicesMaximised(observed, { duplicates: 'keep-first' }).map((i) => observed[i]!);
  const optimistic = orientPoints(mean, directions).map((m, i) =>
    m.map((v, j) => {
      const s = sd[i]![j]!;
      if (!(s >= 0)) throw new RangeError(`sd of candidate ${i} target ${j} must be ≥ 0, got ${s}`);
      return v + kappa * s; // oriented: larger is better, so optimism adds
    }),
  );
  const scores = optimistic.map((y) => exclusiveVolume(y, front, reference));
  const ranked = scores.map((score, i) => ({ score, i })).sort((a, b) => b.score - a.score || a.i - b.i);
  const kept = ranked.slice(0, keep).map((r) => r.i);
  const rest = ranked.slice(keep).map((r) => r.i);
  return [...kept, ...shuffled(rest, rng).slice(0, explore)];
}
