/**
 * ParEGO-style random scalarisation (Knowles 2006, IEEE TEC 10(1):50–66), the baseline for
 * several objectives: each planning round draws a weight vector λ uniformly from the simplex,
 * turns every result into one number with the augmented Chebyshev function, and hands that number
 * to the ordinary single-objective planner.
 *
 *   normalise   f̂ⱼ = (bestⱼ − yⱼ)/(bestⱼ − worstⱼ) over the observed results, so 0 is the best
 *               value seen on target j and 1 the worst, whatever its direction
 *   scalarise   g = maxⱼ λⱼ f̂ⱼ + ρ Σⱼ λⱼ f̂ⱼ   (ρ = 0.05), smaller is better
 *   returned    s = −g, so that the single-objective planner maximises it
 *
 * A target whose observed values are all equal normalises to 0 (it cannot separate results).
 */
import type { Rng } from '../../util/random.js';
import { type Direction, orientValue } from './orientation.js';

export const PAREGO_RHO = 0.05;

/** A weight vector uniform on the (m−1)-simplex: normalised unit exponentials (a flat Dirichlet). */
export function randomSimplexWeights(m: number, rng: Rng): number[] {
  if (!(Number.isInteger(m) && m >= 1)) throw new RangeError(`weights need at least one target, got ${m}`);
  const e = Array.from({ length: m }, () => {
    let u = 0;
    while (u === 0) u = rng();
    return -Math.log(u);
  });
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

export interface ChebyshevScalariser {
  weights: number[];
  /** Oriented best and worst per target over the data it was built from. */
  best: number[];
  worst: number[];
  /** The scalar to maximise for one result in target units; null when a target is missing. */
  scalarise(values: readonly (number | null | undefined)[]): number | null;
}

/**
 * A scalariser from the observed results (rows of target values in target units; missing values
 * as null/undefined/NaN are skipped for the ranges, and make that row's scalar null).
 */
export function chebyshevScalariser(
  observed: readonly (readonly (number | null | undefined)[])[],
  directions: readonly Direction[],
  weights: readonly number[],
  rho = PAREGO_RHO,
): ChebyshevScalariser {
  const m = directions.length;
  if (weights.length !== m) throw new RangeError(`expected ${m} weights, got ${weights.length}`);
  weights.forEach((w, j) => {
    if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`weight ${j} must be ≥ 0, got ${w}`);
  });
  const best = Array.from({ length: m }, () => -Infinity);
  const worst = Array.from({ length: m }, () => Infinity);
  for (const row of observed) {
    for (let j = 0; j < m; j++) {
      const v = row[j];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      const o = orientValue(v, directions[j] as Direction);
      if (o > (best[j] as number)) best[j] = o;
      if (o < (worst[j] as number)) worst[j] = o;
    }
  }
  for (let j = 0; j < m; j++) {
    if (!Number.isFinite(best[j] as number)) throw new RangeError(`target ${j} has no observed value to normalise by`);
  }
  const scalarise = (values: readonly (number | null | undefined)[]): number | null => {
    let maxTerm = -Infinity;
    let sum = 0;
    for (let j = 0; j < m; j++) {
      const v = values[j];
      if (v === null || v === undefined || !Number.isFinite(v)) return null;
      const range = (best[j] as number) - (worst[j] as number);
      const distance = range > 0 ? ((best[j] as number) - orientValue(v, directions[j] as Direction)) / range : 0;
      const term = (weights[j] as number) * distance;
      if (term > maxTerm) maxTerm = term;
      sum += term;
    }
    return -(maxTerm + rho * sum);
  };
  return { weights: weights.slice(), best, worst, scalarise };
}

/** One ParEGO round: fresh random weights, and the scalar of every observed row (null where a target is missing). */
export function parEgoRound(
  observed: readonly (readonly (number | null | undefined)[])[],
  directions: readonly Direction[],
  rng: Rng,
  rho = PAREGO_RHO,
): { scalariser: ChebyshevScalariser; values: (number | null)[] } {
  const scalariser = chebyshevScalariser(observed, directions, randomSimplexWeights(directions.length, rng), rho);
  return { scalariser, values: observed.map((row) => scalariser.scalarise(row)) };
}
