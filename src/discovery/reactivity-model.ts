/**
 * Does a combination react? Bayesian logistic regression with a Gaussian prior on the weights,
 * approximated at the posterior mode by a Gaussian (Laplace). It gives, for each candidate, the
 * probability that it reacts *and* how unsure the model is about it — what active learning spends
 * experiments on.
 *
 * It is computed in its Gaussian-process form (Rasmussen & Williams, *Gaussian Processes for
 * Machine Learning*, algorithms 3.1–3.2, with the linear kernel k(x, x') = σ₀² + σ² x·x' that this
 * prior induces), because a campaign has far fewer results (n ≤ a few hundred) than features (with
 * pair interactions, many hundreds): every step is an n×n solve and a sparse dot product per
 * candidate, never a d×d one. The features carry the chemistry (features.ts).
 */
import { cholesky, solveLower, solveUpperTransposed } from '../models/linalg.js';
import { standardNormalRule } from '../util/gauss-hermite.js';

/** A feature row: the indices of its non-zero columns and their values. */
export interface SparseRow {
  index: Int32Array;
  value: Float64Array;
}

export interface ReactivityModelOptions {
  /** Prior standard deviation of each weight (default 3): smaller shrinks harder towards "don't know". */
  priorSd?: number;
  /** Prior standard deviation of the intercept (default 2). */
  interceptSd?: number;
  /** Newton iterations at most (default 50). */
  maxIterations?: number;
}

export interface ReactivityPrediction {
  /** Predictive probability that the combination reacts, averaged over the posterior. */
  probability: Float64Array;
  /** Posterior standard deviation of that probability. */
  probabilitySd: Float64Array;
  /** Posterior mean of the logit. */
  logitMean: Float64Array;
  /** Posterior standard deviation of the logit: the model's own uncertainty. */
  logitSd: Float64Array;
  /**
   * Expected information gain about the weights from observing the outcome (BALD: entropy of the
   * predictive distribution minus the expected entropy under the posterior), in nats.
   */
  information: Float64Array;
}

/** A fitted posterior over the logits of the training rows. */
export class ReactivityModel {
  private constructor(
    private readonly train: SparseRow[],
    private readonly dimension: number,
    private readonly priorVariance: number,
    private readonly interceptVariance: number,
    /** y − π at the mode: the predictive mean is k*ᵀ(y − π) */
    private readonly residual: Float64Array,
    private readonly sqrtW: Float64Array,
    /** Lower Cholesky factor of B = I + W^½ K W^½ */
    private readonly factor: Float64Array,
  ) {}

  get trainingSize(): number {
    return this.train.length;
  }

  /** Fits the posterior to rows `x` and outcomes `y` (1 reacted, 0 not); works from zero rows (the prior). */
  static fit(x: SparseRow[], y: ArrayLike<number>, dimension: number, options: ReactivityModelOptions = {}): ReactivityModel {
    const priorVariance = (options.priorSd ?? 3) ** 2;
    const interceptVariance = (options.interceptSd ?? 2) ** 2;
    const n = x.length;
    const targets = Float64Array.from({ length: n }, (_, i) => (y[i]! >= 0.5 ? 1 : 0));
    const kernel = new Float64Array(n * n);
    const dense = new Float64Array(dimension);
    for (let i = 0; i < n; i++) {
      scatter(x[i]!, dense);
      for (let j = 0; j <= i; j++) {
        const k = interceptVariance + priorVariance * sparseDot(x[j]!, dense);
        kernel[i * n + j] = k;
        kernel[j * n + i] = k;
      }
      clear(x[i]!, dense);
    }

    // Newton's method on the latent logits f (R&W algorithm 3.1)
    const f = new Float64Array(n);
    const sqrtW = new Float64Array(n);
    const residual = new Float64Array(n);
    let factor: Float64Array = new Float64Array(0);
    let previous = Number.NEGATIVE_INFINITY;
    for (let iteration = 0; iteration < (options.maxIterations ?? 50); iteration++) {
      for (let i = 0; i < n; i++) {
        const p = sigmoid(f[i]!);
        residual[i] = targets[i]! - p;
        sqrtW[i] = Math.sqrt(Math.max(p * (1 - p), 1e-12));
      }
      factor = cholesky(bMatrix(kernel, sqrtW, n), n);
      // b = W f + (y − π);  a = b − W^½ L⁻ᵀ L⁻¹ W^½ K b;  f = K a
      const b = Float64Array.from(f, (fi, i) => sqrtW[i]! ** 2 * fi + residual[i]!);
      const kb = multiply(kernel, b, n);
      const inner = solveUpperTransposed(factor, n, solveLower(factor, n, Float64Array.from(kb, (v, i) => sqrtW[i]! * v)));
      const a = Float64Array.from(b, (bi, i) => bi - sqrtW[i]! * inner[i]!);
      f.set(multiply(kernel, a, n));
      let objective = 0;
      for (let i = 0; i < n; i++) objective += -0.5 * a[i]! * f[i]! + logSigmoid(targets[i] ? f[i]! : -f[i]!);
      if (Math.abs(objective - previous) < 1e-9 * Math.max(1, Math.abs(objective))) break;
      previous = objective;
    }
    // the factor and weights at the mode
    for (let i = 0; i < n; i++) {
      const p = sigmoid(f[i]!);
      residual[i] = targets[i]! - p;
      sqrtW[i] = Math.sqrt(Math.max(p * (1 - p), 1e-12));
    }
    if (n > 0) factor = cholesky(bMatrix(kernel, sqrtW, n), n);
    return new ReactivityModel(x, dimension, priorVariance, interceptVariance, residual, sqrtW, factor);
  }

  /** R&W algorithm 3.2, with the probability and information integrals done by quadrature. */
  predict(rows: SparseRow[]): ReactivityPrediction {
    const n = this.train.length;
    const count = rows.length;
    const out: ReactivityPrediction = {
      probability: new Float64Array(count),
      probabilitySd: new Float64Array(count),
      logitMean: new Float64Array(count),
      logitSd: new Float64Array(count),
      information: new Float64Array(count),
    };
    const dense = new Float64Array(this.dimension);
    const kStar = new Float64Array(n);
    rows.forEach((row, c) => {
      scatter(row, dense);
      for (let i = 0; i < n; i++) kStar[i] = this.interceptVariance + this.priorVariance * sparseDot(this.train[i]!, dense);
      const kSelf = this.interceptVariance + this.priorVariance * sparseDot(row, dense);
      clear(row, dense);
      let mean = 0;
      for (let i = 0; i < n; i++) mean += kStar[i]! * this.residual[i]!;
      let variance = kSelf;
      if (n > 0) {
        const v = solveLower(this.factor, n, Float64Array.from(kStar, (k, i) => this.sqrtW[i]! * k));
        for (let i = 0; i < n; i++) variance -= v[i]! * v[i]!;
      }
      const sd = Math.sqrt(Math.max(variance, 0));
      const { probability, secondMoment, expectedEntropy } = averageOverLogit(mean, sd);
      out.logitMean[c] = mean;
      out.logitSd[c] = sd;
      out.probability[c] = probability;
      out.probabilitySd[c] = Math.sqrt(Math.max(0, secondMoment - probability * probability));
      out.information[c] = Math.max(0, binaryEntropy(probability) - expectedEntropy);
    });
    return out;
  }
}

/** A dense row as a sparse one (zeros dropped). */
export function sparseRow(values: ArrayLike<number>): SparseRow {
  const index: number[] = [];
  const value: number[] = [];
  for (let k = 0; k < values.length; k++) {
    if (values[k] !== 0) {
      index.push(k);
      value.push(values[k]!);
    }
  }
  return { index: Int32Array.from(index), value: Float64Array.from(value) };
}

function scatter(row: SparseRow, dense: Float64Array): void {
  for (let k = 0; k < row.index.length; k++) dense[row.index[k]!] = row.value[k]!;
}

function clear(row: SparseRow, dense: Float64Array): void {
  for (let k = 0; k < row.index.length; k++) dense[row.index[k]!] = 0;
}

function sparseDot(row: SparseRow, dense: Float64Array): number {
  let s = 0;
  for (let k = 0; k < row.index.length; k++) s += row.value[k]! * dense[row.index[k]!]!;
  return s;
}

function bMatrix(kernel: Float64Array, sqrtW: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) b[i * n + j] = sqrtW[i]! * kernel[i * n + j]! * sqrtW[j]! + (i === j ? 1 : 0);
  }
  return b;
}

function multiply(matrix: Float64Array, vector: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += matrix[i * n + j]! * vector[j]!;
    out[i] = s;
  }
  return out;
}

// The logit is Gaussian under the Laplace posterior, so the predictive probability and the
// expected entropy are 1-D Gaussian expectations.
const RULE = standardNormalRule(20);

function averageOverLogit(mean: number, sd: number): { probability: number; secondMoment: number; expectedEntropy: number } {
  let probability = 0;
  let secondMoment = 0;
  let expectedEntropy = 0;
  for (const [z, weight] of RULE) {
    const p = sigmoid(mean + sd * z);
    probability += weight * p;
    secondMoment += weight * p * p;
    expectedEntropy += weight * binaryEntropy(p);
  }
  return { probability, secondMoment, expectedEntropy };
}

export function sigmoid(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

function logSigmoid(t: number): number {
  return t >= 0 ? -Math.log1p(Math.exp(-t)) : t - Math.log1p(Math.exp(t));
}

/** In nats; 0 at p = 0 or 1. */
export function binaryEntropy(p: number): number {
  const q = 1 - p;
  return (p > 0 ? -p * Math.log(p) : 0) + (q > 0 ? -q * Math.log(q) : 0);
}
