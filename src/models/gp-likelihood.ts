/**
 * Log marginal likelihood of the reaction GP and its gradient in the log hyperparameters, plus a
 * weak log-normal prior on each (MAP estimation keeps fits with ten points from collapsing onto
 * zero noise or infinite length scales). Targets are standardised, so the priors are unit-free.
 */
import {
  crossCovariance,
  hyperToVector,
  kernelTables,
  pairCount,
  vectorToHyper,
  type CodedInputs,
  type Factor,
  type KernelHyper,
} from './gp-kernel.js';
import { minimizeLbfgs } from './lbfgs.js';
import { FitAbortedError } from './types.js';
import { choleskyWithJitter, inverseFromInverseFactor, invertLower, logDetFromCholesky, NotPositiveDefiniteError, solveLower, solveUpperTransposed } from './linalg.js';

export interface Prior {
  mean: number;
  sd: number;
}

/**
 * Log-normal priors by kind of hyperparameter (means and sds of the log values), the same for
 * every factor of a kind, so that priors learned on some campaigns apply to another's factors.
 */
export interface HyperPriors {
  roleLength: Prior;
  numericLength: Prior;
  categoricalLength: Prior;
  productVariance: Prior;
  factorVariance: Prior;
  noise: Prior;
  /** the two-way interaction term's variance, when the kernel has one (absent in older priors: weak) */
  pairVariance?: Prior;
}

/**
 * Weak, hand-set priors. Roles/categorical: d ∈ [0, 1], a length scale near 0.5 means
 * "Tanimoto 0.5 is far"; numeric: Δx² / 2 with x ∈ [-1, 1], ℓ near 1 spans the range.
 */
export const WEAK_PRIORS: HyperPriors = {
  roleLength: { mean: Math.log(0.5), sd: 1.5 },
  numericLength: { mean: Math.log(1), sd: 1.5 },
  categoricalLength: { mean: Math.log(0.5), sd: 1.5 },
  productVariance: { mean: Math.log(0.7), sd: 1.5 },
  factorVariance: { mean: Math.log(0.1), sd: 2 },
  noise: { mean: Math.log(0.05), sd: 2 },
};

const WEAK_PAIR_PRIOR: Prior = { mean: Math.log(0.3), sd: 1.5 };

/**
 * Priors in the order of hyperToVector: length scales, product variance, factor variances, noise,
 * and the two-way term's variance when `pairs` (and there are at least two factors).
 */
export function defaultPriors(factors: Factor[], priors: HyperPriors = WEAK_PRIORS, pairs = false): Prior[] {
  const length = (f: Factor) => (f.kind === 'numeric' ? priors.numericLength : f.kind === 'role' ? priors.roleLength : priors.categoricalLength);
  const pair = pairs && factors.length >= 2 ? [priors.pairVariance ?? WEAK_PAIR_PRIOR] : [];
  return [...factors.map(length), priors.productVariance, ...factors.map(() => priors.factorVariance), priors.noise, ...pair];
}

export function defaultHyper(factors: Factor[], priors: HyperPriors = WEAK_PRIORS, pairs = false): KernelHyper {
  return vectorToHyper(
    defaultPriors(factors, priors, pairs).map((p) => p.mean),
    factors.length,
  );
}

/**
 * −(log marginal likelihood + log prior) / n and its gradient. `distances` are the factor distance
 * tables of the training inputs against themselves.
 */
export function negativeLogPosterior(
  factors: Factor[],
  inputs: CodedInputs,
  distances: Float64Array[],
  y: Float64Array,
  priors: Prior[],
  theta: Float64Array,
): { value: number; gradient: Float64Array } {
  const n = inputs.n;
  const F = factors.length;
  const h = vectorToHyper(theta, F);
  const tables = kernelTables(factors, distances, h);
  const k = crossCovariance(inputs, inputs, tables, h);
  const noise = Math.exp(h.logNoise);
  for (let i = 0; i < n; i++) k[i * n + i] = k[i * n + i]! + noise;
  let factor: { l: Float64Array };
  try {
    factor = choleskyWithJitter(k, n, 1);
  } catch (error) {
    if (error instanceof NotPositiveDefiniteError) return { value: Number.POSITIVE_INFINITY, gradient: new Float64Array(theta.length) };
    throw error;
  }
  const { l } = factor;
  const alpha = solveUpperTransposed(l, n, solveLower(l, n, y));
  const logMl = -0.5 * y.reduce((s, v, i) => s + v * alpha[i]!, 0) - 0.5 * logDetFromCholesky(l, n) - 0.5 * n * Math.log(2 * Math.PI);
  const kinv = inverseFromInverseFactor(invertLower(l, n), n);

  // d logML / dθ = ½ Σ_ij (αα^T − K⁻¹)_ij · dK_ij/dθ
  const grad = new Float64Array(theta.length);
  const productVariance = Math.exp(h.logProductVariance);
  const factorVariance = h.logFactorVariance.map(Math.exp);
  const scale = factors.map((f, i) => f.power * Math.exp(-f.power * h.logLength[i]!));
  const pairs = pairCount(h, F);
  const pairWeight = pairs > 0 ? Math.exp(h.logPairVariance!) / pairs : 0;
  const widths = inputs.values.map((v) => v.length);
  const kf = new Float64Array(F);
  const df = new Float64Array(F);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const w = (alpha[i]! * alpha[j]! - kinv[i * n + j]!) * (i === j ? 0.5 : 1);
      let product = productVariance;
      let plain = 0;
      let squares = 0;
      for (let f = 0; f < F; f++) {
        const cell = inputs.codes[f]![i]! * widths[f]! + inputs.codes[f]![j]!;
        kf[f] = tables[f]![cell]!;
        df[f] = distances[f]![cell]! * scale[f]!;
        product *= kf[f]!;
        plain += kf[f]!;
        squares += kf[f]! * kf[f]!;
      }
      for (let f = 0; f < F; f++) {
        // dk_f/dlogℓ_f = k_f · p·d/ℓ^p; the two-way term's d(Σ_{g<h} k_g k_h)/dk_f = Σ_g k_g − k_f
        grad[f] = grad[f]! + w * (product + factorVariance[f]! * kf[f]! + pairWeight * (plain - kf[f]!) * kf[f]!) * df[f]!;
        grad[F + 1 + f] = grad[F + 1 + f]! + w * factorVariance[f]! * kf[f]!;
      }
      grad[F] = grad[F]! + w * product;
      if (pairs > 0) grad[2 * F + 2] = grad[2 * F + 2]! + (w * pairWeight * (plain * plain - squares)) / 2;
    }
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += alpha[i]! * alpha[i]! - kinv[i * n + i]!;
  grad[2 * F + 1] = 0.5 * noise * trace;

  let logPrior = 0;
  priors.forEach((p, i) => {
    const z = (theta[i]! - p.mean) / p.sd;
    logPrior -= 0.5 * z * z;
    grad[i] = grad[i]! - (theta[i]! - p.mean) / (p.sd * p.sd);
  });
  return { value: -(logMl + logPrior) / n, gradient: grad.map((g) => -g / n) };
}

export { hyperToVector };

/** One group of rows a kernel is fitted on: coded inputs, their distance tables, standardised values. */
export interface KernelRows {
  coded: CodedInputs;
  distances: Float64Array[];
  y: Float64Array;
}

/**
 * The reaction kernel's hyperparameters by MAP (weak priors, L-BFGS from the default start) on
 * standardised values. With several groups (the rows of several tasks) they share the kernel but
 * not the function: the likelihood is the sum of each group's, the prior counted once, so that the
 * tasks' disagreement with one another is not taken for noise.
 */
export function fitKernelByMap(factors: Factor[], groups: KernelRows[], iterations: number, signal?: AbortSignal): KernelHyper {
  const start = defaultHyper(factors);
  const total = groups.reduce((s, g) => s + g.coded.n, 0);
  const fitted = groups.filter((g) => g.coded.n >= 2);
  if (fitted.length === 0) return start;
  const priors = defaultPriors(factors);
  const { x } = minimizeLbfgs(
    (theta) => {
      if (signal?.aborted) throw new FitAbortedError();
      if (fitted.length === 1) return negativeLogPosterior(factors, fitted[0]!.coded, fitted[0]!.distances, fitted[0]!.y, priors, theta);
      // Σ −log p(y_g | θ) − log p(θ), per row
      let value = 0;
      const gradient = new Float64Array(theta.length);
      for (const g of fitted) {
        const part = negativeLogPosterior(factors, g.coded, g.distances, g.y, [], theta);
        value += part.value * g.coded.n;
        part.gradient.forEach((d, i) => (gradient[i] = gradient[i]! + d * g.coded.n));
      }
      priors.forEach((p, i) => {
        const z = (theta[i]! - p.mean) / p.sd;
        value += 0.5 * z * z;
        gradient[i] = gradient[i]! + (theta[i]! - p.mean) / (p.sd * p.sd);
      });
      return { value: value / total, gradient: gradient.map((d) => d / total) };
    },
    hyperToVector(start),
    { maxIterations: iterations, lower: -12, upper: 8 },
  );
  return vectorToHyper(x, factors.length);
}

/** Mean and sample sd (1 when there is no spread), the standardisation of one task's values. */
export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  if (values.length === 0) return { mean: 0, sd: 1 };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  const sd = Math.sqrt(variance);
  return { mean, sd: sd > 1e-9 ? sd : 1 };
}
