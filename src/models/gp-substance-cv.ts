/**
 * A hyperparameter objective for a GP whose job is to predict substances it has not seen: the
 * predictive density of every substance's results when that substance is left out of the
 * training data (leave-one-substance-out cross-validation, per role), instead of the marginal
 * likelihood. The marginal likelihood rewards a kernel that interpolates between results of the
 * substances it has; this one rewards the kernel that would have predicted each of them before its
 * first result — the question the routed model's GP answers (routed.ts).
 *
 * Closed form, no refits: for a block B of training rows, the GP fitted on the other rows predicts
 * y_B with residual r_B = A⁻¹α_B and covariance A⁻¹, where A = [K⁻¹]_BB and α = K⁻¹y
 * (the block version of the leave-one-out identities; Sundararajan & Keerthi 2001). The gradient
 * follows from dK⁻¹ = −K⁻¹dK K⁻¹ and dα = −K⁻¹dK α:
 *   d(−log p_B) = tr(dK · X),  X = −½(α wᵀ + w αᵀ) + ½ K⁻¹ P K⁻¹,  w = K⁻¹ Σ_B r_B,
 *   P = Σ_B (r_B r_Bᵀ + A_B⁻¹)   (each term placed on its block's rows and columns).
 */
import type { CodedInputs, Factor } from './gp-kernel.js';
import { factoriseKernel, INFEASIBLE, kernelGradient, withLogPrior, type Prior } from './gp-likelihood.js';
import { choleskyWithJitter, inverseFromInverseFactor, invertLower, logDetFromCholesky, solveLower, solveUpperTransposed } from './linalg.js';

/** Row blocks: per role with at least two substances, the rows of each substance. */
export function substanceBlocks(factors: Factor[], inputs: CodedInputs): number[][] {
  const blocks: number[][] = [];
  factors.forEach((factor, f) => {
    if (factor.kind !== 'role') return;
    const values = inputs.values[f]!;
    const present = values.filter((v) => v !== '');
    if (present.length < 2) return;
    const rows = values.map(() => [] as number[]);
    inputs.codes[f]!.forEach((code, i) => rows[code]!.push(i));
    values.forEach((v, c) => {
      // a row without this role holds no substance to leave out
      if (v !== '' && rows[c]!.length > 0) blocks.push(rows[c]!);
    });
  });
  return blocks;
}

/** C = A·B for row-major n × n matrices. */
function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < n; k++) {
      const v = a[ri + k]!;
      if (v === 0) continue;
      const rk = k * n;
      for (let j = 0; j < n; j++) out[ri + j] = out[ri + j]! + v * b[rk + j]!;
    }
  }
  return out;
}

/**
 * −(mean leave-one-substance-out log predictive density · n + log prior) / n and its gradient,
 * in the same units as negativeLogPosterior so the same priors and optimiser apply. Falls back to
 * nothing: with fewer than two substances in every role there is no block (callers check).
 */
export function negativeLogSubstanceCv(
  factors: Factor[],
  inputs: CodedInputs,
  distances: Float64Array[],
  y: Float64Array,
  priors: Prior[],
  theta: Float64Array,
  blocks: number[][],
): { value: number; gradient: Float64Array } {
  const n = inputs.n;
  const fk = factoriseKernel(factors, inputs, distances, y, theta);
  if (!fk) return INFEASIBLE(theta.length);
  const { alpha, kinv } = fk;
  const s = new Float64Array(n);
  const p = new Float64Array(n * n);
  let negativeLogDensity = 0;
  let counted = 0;
  for (const block of blocks) {
    const m = block.length;
    const a = new Float64Array(m * m);
    for (let u = 0; u < m; u++) for (let v = 0; v < m; v++) a[u * m + v] = kinv[block[u]! * n + block[v]!]!;
    const { l } = choleskyWithJitter(a, m, 1);
    const alphaB = Float64Array.from(block, (i) => alpha[i]!);
    const r = solveUpperTransposed(l, m, solveLower(l, m, alphaB));
    const aInverse = inverseFromInverseFactor(invertLower(l, m), m);
    negativeLogDensity += 0.5 * alphaB.reduce((sum, v, u) => sum + v * r[u]!, 0) - 0.5 * logDetFromCholesky(l, m) + 0.5 * m * Math.log(2 * Math.PI);
    counted += m;
    for (let u = 0; u < m; u++) {
      const i = block[u]!;
      s[i] = s[i]! + r[u]!;
      for (let v = 0; v < m; v++) {
        const cell = i * n + block[v]!;
        p[cell] = p[cell]! + r[u]! * r[v]! + aInverse[u * m + v]!;
      }
    }
  }
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += kinv[i * n + j]! * s[j]!;
    w[i] = sum;
  }
  const kpk = multiply(kinv, multiply(p, kinv, n), n);
  // per row of training data, like the marginal likelihood it replaces
  const perRow = n / counted;
  const weights = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = -0.5 * (alpha[i]! * w[j]! + w[i]! * alpha[j]!) + 0.5 * 0.5 * (kpk[i * n + j]! + kpk[j * n + i]!);
      weights[i * n + j] = -perRow * x;
    }
  }
  return withLogPrior(priors, theta, n, -perRow * negativeLogDensity, kernelGradient(factors, inputs, distances, fk, weights));
}
