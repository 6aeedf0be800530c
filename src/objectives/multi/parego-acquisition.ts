/**
 * ParEGO as a batch acquisition over the same per-target posterior EHVI uses (the random
 * scalarisation alternative to EHVI; BoTorch's qParEGO does the same): for each slot of the batch,
 * draw fresh simplex weights λ, build the augmented Chebyshev scalariser of ./parego.ts normalised
 * over the posterior means at the observed points (noise-aware: a lucky reading does not stretch the
 * range), and pick the candidate with the largest Monte Carlo expected improvement of the scalar
 * over the best observed point's scalar. Different λ per slot spread the batch along the front.
 *
 * Samples are independent per target and candidate (the surrogate gives a mean and σ per
 * candidate); one set of standard normal draws is reused across candidates and slots (common random
 * numbers), so differences between candidates are not Monte Carlo noise.
 */
import { normal, type Rng } from '../../util/random.js';
import type { Direction } from './orientation.js';
import { chebyshevScalariser, PAREGO_RHO, randomSimplexWeights } from './parego.js';

export interface ParegoBatchInput {
  /** Posterior mean per observed point and target, in target units. */
  observedMean: readonly (readonly number[])[];
  /** Posterior mean and σ per candidate and target, in target units. */
  candidateMean: readonly (readonly number[])[];
  candidateSd: readonly (readonly number[])[];
  directions: readonly Direction[];
  batchSize: number;
  rng: Rng;
  /** Monte Carlo samples per candidate (default 128). */
  samples?: number;
  /** Multiplier per candidate (probability of feasibility, 1/cost^α); default 1. */
  candidateWeights?: readonly number[];
  rho?: number;
}

export interface ParegoBatch {
  /** Indices into the candidates, in the order chosen. */
  chosen: number[];
  /** Each chosen candidate's weighted expected improvement of its slot's scalar. */
  values: number[];
  /** The weights λ each slot was chosen with. */
  weights: number[][];
}

export function selectBatchByParego(input: ParegoBatchInput): ParegoBatch {
  const { observedMean, candidateMean, candidateSd, directions, rng } = input;
  const m = directions.length;
  const n = candidateMean.length;
  const samples = input.samples ?? 128;
  if (observedMean.length === 0) throw new RangeError('ParEGO needs at least one observed point to normalise by');
  if (candidateSd.length !== n) throw new RangeError(`expected ${n} rows of σ, got ${candidateSd.length}`);
  const z = Array.from({ length: samples * m }, () => normal(rng));
  const chosen: number[] = [];
  const values: number[] = [];
  const slotWeights: number[][] = [];
  const taken = new Set<number>();
  const draw = new Array<number>(m);
  for (let slot = 0; slot < Math.min(input.batchSize, n); slot++) {
    const lambda = randomSimplexWeights(m, rng);
    const scalariser = chebyshevScalariser(observedMean, directions, lambda, input.rho ?? PAREGO_RHO);
    let incumbent = -Infinity;
    for (const row of observedMean) incumbent = Math.max(incumbent, scalariser.scalarise(row) ?? -Infinity);
    let bestIndex = -1;
    let bestValue = -Infinity;
    for (let c = 0; c < n; c++) {
      if (taken.has(c)) continue;
      const mean = candidateMean[c]!;
      const sd = candidateSd[c]!;
      let sum = 0;
      for (let s = 0; s < samples; s++) {
        for (let j = 0; j < m; j++) draw[j] = mean[j]! + sd[j]! * z[s * m + j]!;
        const scalar = scalariser.scalarise(draw);
        if (scalar !== null && scalar > incumbent) sum += scalar - incumbent;
      }
      const value = (sum / samples) * (input.candidateWeights?.[c] ?? 1);
      if (value > bestValue) {
        bestValue = value;
        bestIndex = c;
      }
    }
    if (bestIndex < 0) break;
    taken.add(bestIndex);
    chosen.push(bestIndex);
    values.push(bestValue);
    slotWeights.push(lambda);
  }
  return { chosen, values, weights: slotWeights };
}
