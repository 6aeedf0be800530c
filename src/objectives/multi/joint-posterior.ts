/**
 * A joint Gaussian posterior over a pool of points, shaped so that an independent GP per target
 * can supply it directly: the mean of every target at every point, and for each target the
 * covariance of that target across the points (targets are independent of each other, points
 * within a target are not). Samples are drawn with one Cholesky factor per target (ml-matrix).
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { type Rng, normal } from '../../util/random.js';
import type { Direction } from './orientation.js';

export interface JointPosterior {
  /** mean[i][j]: posterior mean of target j at point i, in target units. */
  mean: readonly (readonly number[])[];
  /** covariance[j]: the n×n posterior covariance of target j across the n points. */
  covariance: readonly (readonly (readonly number[])[])[];
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
  if (posterior.covariance.length !== targets) {
    throw new RangeError(`posterior has ${posterior.covariance.length} covariance matrices, expected one per target (${targets})`);
  }
  posterior.covariance.forEach((cov, j) => {
    if (cov.length !== n || cov.some((row) => row.length !== n)) throw new RangeError(`covariance of target ${j} must be ${n}×${n}`);
  });
}

/**
 * Lower Cholesky factor of a covariance, symmetrised, with jitter added on the diagonal (from
 * 1e-8 of its mean variance, ×10 up to 1e-2) until it factors: GP posteriors at nearby or repeated
 * points are positive semi-definite only up to rounding.
 */
export function choleskyWithJitter(covariance: readonly (readonly number[])[], label: string): Matrix {
  const n = covariance.length;
  const a = new Matrix(n, n);
  let meanVariance = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k <= i; k++) {
      const v = 0.5 * ((covariance[i]![k] as number) + (covariance[k]![i] as number));
      a.set(i, k, v);
      a.set(k, i, v);
    }
    meanVariance += covariance[i]![i] as number;
  }
  meanVariance = Math.max(meanVariance / Math.max(n, 1), 1e-12);
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-8 : jitter * 10) {
    if (jitter > 1e-2) throw new RangeError(`covariance of ${label} is not positive semi-definite even with jitter`);
    const m = jitter === 0 ? a : a.clone();
    if (jitter > 0) for (let i = 0; i < n; i++) m.set(i, i, m.get(i, i) + jitter * meanVariance);
    const decomposition = new CholeskyDecomposition(m);
    if (decomposition.isPositiveDefinite()) return decomposition.lowerTriangularMatrix;
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
    const factor = n > 0 ? choleskyWithJitter(posterior.covariance[j]!, `target ${j}`) : new Matrix(0, 0);
    const rows = factor.to2DArray();
    const sign = directions[j] === 'maximise' ? 1 : -1;
    for (let s = 0; s < count; s++) {
      for (let i = 0; i < n; i++) z[i] = normal(rng);
      const out = values[s]!;
      for (let i = 0; i < n; i++) {
        const row = rows[i]!;
        let v = posterior.mean[i]![j] as number;
        for (let k = 0; k <= i; k++) v += (row[k] as number) * (z[k] as number);
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
