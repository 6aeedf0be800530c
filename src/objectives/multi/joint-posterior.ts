/**
 * A joint Gaussian posterior over a pool of points, shaped so that an independent GP per target
 * can supply it directly: the mean of every target at every point, and for each target the
 * covariance of that target across the points (targets are independent of each other, points
 * within a target are not). Samples are drawn with one Cholesky factor per target (models/linalg.ts),
 * or, when the points are independent given the model, from each point's own σ.
 */
import { choleskyWithJitter as factorWithJitter, NotPositiveDefiniteError } from '../../models/linalg.js';
import { type Rng, normal } from '../../util/random.js';
import type { Direction } from './orientation.js';

export interface JointPosterior {
  /** mean[i][j]: posterior mean of target j at point i, in target units. */
  mean: readonly (readonly number[])[];
  /** covariance[j]: the n×n posterior covariance of target j across the n points. */
  covariance?: readonly (readonly (readonly number[])[])[];
  /**
   * sd[i][j]: the posterior standard deviation of target j at point i, when the points are
   * independent given the model (a diagonal covariance): sampled in O(n) instead of factoring n×n.
   * Exactly one of `covariance` and `sd`.
   */
  sd?: readonly (readonly number[])[];
}

/** Samples of every target at every point, oriented so that larger is better. */
export interface PosteriorSamples {
  count: number;
  points: number;
  targets: number;
  /** values[s][i·targets + j]: sample s of target j at point i. */
  values: Float64Array[];
}

export function validatePosterior(posterior: JointPosterior, targets: number): void {
  const n = posterior.mean.length;
  posterior.mean.forEach((row, i) => {
    if (row.length !== targets) throw new RangeError(`posterior mean of point ${i} has ${row.length} targets, expected ${targets}`);
    row.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new RangeError(`posterior mean of point ${i} target ${j} is not a finite number`);
    });
  });
  if ((posterior.covariance === undefined) === (posterior.sd === undefined)) throw new RangeError('a posterior has either a covariance per target or a standard deviation per point, not both or neither');
  if (posterior.sd) {
    if (posterior.sd.length !== n) throw new RangeError(`posterior sd has ${posterior.sd.length} points, expected ${n}`);
    posterior.sd.forEach((row, i) => {
      if (row.length !== targets) throw new RangeError(`posterior sd of point ${i} has ${row.length} targets, expected ${targets}`);
      row.forEach((v, j) => {
        if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`posterior sd of point ${i} target ${j} must be a finite number ≥ 0, got ${v}`);
      });
    });
    return;
  }
  const covariance = posterior.covariance!;
  if (covariance.length !== targets) {
    throw new RangeError(`posterior has ${covariance.length} covariance matrices, expected one per target (${targets})`);
  }
  covariance.forEach((cov, j) => {
    if (cov.length !== n || cov.some((row) => row.length !== n)) throw new RangeError(`covariance of target ${j} must be ${n}×${n}`);
  });
}

/**
 * Lower Cholesky factor (row-major n×n) of a covariance, symmetrised, with jitter added on the
 * diagonal (from 1e-8 of its mean variance, ×10 up to 1e-2) until it factors: GP posteriors at
 * nearby or repeated points are positive semi-definite only up to rounding.
 */
export function choleskyWithJitter(covariance: readonly (readonly number[])[], label: string): Float64Array {
  const n = covariance.length;
  const a = new Float64Array(n * n);
  let meanVariance = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k <= i; k++) {
      const v = 0.5 * ((covariance[i]![k] as number) + (covariance[k]![i] as number));
      a[i * n + k] = v;
      a[k * n + i] = v;
    }
    meanVariance += covariance[i]![i] as number;
  }
  meanVariance = Math.max(meanVariance / Math.max(n, 1), 1e-12);
  try {
    return factorWithJitter(a, n, meanVariance, 1e-2).l;
  } catch (error) {
    if (error instanceof NotPositiveDefiniteError) throw new RangeError(`covariance of ${label} is not positive semi-definite even with jitter`);
    throw error;
  }
}

/** `count` joint samples of the posterior, oriented for maximisation with each target's direction. */
export function drawPosteriorSamples(posterior: JointPosterior, directions: readonly Direction[], count: number, rng: Rng): PosteriorSamples {
  const m = directions.length;
  validatePosterior(posterior, m);
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`sample count must be a positive integer, got ${count}`);
  const n = posterior.mean.length;
  const values = Array.from({ length: count }, () => new Float64Array(n * m));
  const z = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    const sign = directions[j] === 'maximise' ? 1 : -1;
    if (posterior.sd) {
      // independent points: each is its mean plus its own σ times its own normal draw
      for (let s = 0; s < count; s++) {
        const out = values[s]!;
        for (let i = 0; i < n; i++) out[i * m + j] = sign * ((posterior.mean[i]![j] as number) + (posterior.sd[i]![j] as number) * normal(rng));
      }
      continue;
    }
    const factor = n > 0 ? choleskyWithJitter(posterior.covariance![j]!, `target ${j}`) : new Float64Array(0);
    for (let s = 0; s < count; s++) {
      for (let i = 0; i < n; i++) z[i] = normal(rng);
      const out = values[s]!;
      for (let i = 0; i < n; i++) {
        const row = i * n;
        let v = posterior.mean[i]![j] as number;
        for (let k = 0; k <= i; k++) v += (factor[row + k] as number) * (z[k] as number);
        out[i * m + j] = sign * v;
      }
    }
  }
  return { count, points: n, targets: m, values };
}

/** Sample s at point i as a vector (oriented). */
export function samplePoint(samples: PosteriorSamples, s: number, i: number): number[] {
  const m = samples.targets;
  return Array.from(samples.values[s]!.subarray(i * m, i * m + m));
}
