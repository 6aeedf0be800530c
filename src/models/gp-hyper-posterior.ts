/**
 * Doubt about the kernel's hyperparameters (issue 14). A MAP fit on 10–40 results picks one set of
 * length scales and variances and then predicts as if it were certain of them: on a plateau it can
 * decide that one role barely matters and be confident that no choice of that role lifts a
 * mediocre substrate, which is how a campaign walks past an isolated optimum (the amide coupling
 * trap in docs/planner.md). Integrating over the hyperparameters' posterior keeps the predictions
 * of every setting the data do not rule out (Snoek et al. 2012, "integrated acquisition"; Osborne
 * et al. 2009). A Laplace approximation of that posterior, N(θ*, H⁻¹) in the log hyperparameters
 * around the MAP θ*, with H the Hessian of the negative log posterior by central differences of
 * its exact gradient, is cheap at campaign sizes (2·P gradient evaluations, P ≤ ~15) and needs no
 * sampler to tune.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Objective } from './lbfgs.js';
import { normal, type Rng } from '../util/random.js';

/** Finite-difference step in log space: 1 % of a length scale or variance. */
const STEP = 0.01;
/**
 * No direction of the posterior is allowed wider than this sd (log units): a flat direction (a
 * variance the data cannot see) would otherwise be sampled across e⁻¹⁰…e¹⁰. The hyperparameter
 * priors have sds of 1.5–2, so this is about their width.
 */
const MAX_SD = 1.5;

export interface HyperSampleOptions {
  /** number of draws besides the mode */
  draws: number;
  /** objective's value is this many times smaller than the negative log posterior (it is divided by n) */
  objectiveScale: number;
  lower: number;
  upper: number;
  rng: Rng;
}

/** The Hessian of `objective` at `mode` by central differences of its gradient, symmetrised. */
export function numericHessian(objective: Objective, mode: Float64Array, scale: number): Matrix {
  const p = mode.length;
  const h = new Matrix(p, p);
  for (let j = 0; j < p; j++) {
    const up = Float64Array.from(mode);
    const down = Float64Array.from(mode);
    up[j] = up[j]! + STEP;
    down[j] = down[j]! - STEP;
    const gu = objective(up).gradient;
    const gd = objective(down).gradient;
    for (let i = 0; i < p; i++) h.set(i, j, ((gu[i]! - gd[i]!) / (2 * STEP)) * scale);
  }
  return h.add(h.transpose()).mul(0.5);
}

/**
 * Draws from N(mode, H⁻¹): the mode first, then `draws` samples, each clamped to the optimiser's
 * box. Directions where H is not positive (the mode sits on a ridge or at a bound) get the widest
 * allowed sd rather than none.
 */
export function laplaceHyperSamples(objective: Objective, mode: Float64Array, options: HyperSampleOptions): Float64Array[] {
  const hessian = numericHessian(objective, mode, options.objectiveScale);
  const eigen = new EigenvalueDecomposition(hessian, { assumeSymmetric: true });
  const vectors = eigen.eigenvectorMatrix;
  const minCurvature = 1 / MAX_SD ** 2;
  const sds = eigen.realEigenvalues.map((lambda) => 1 / Math.sqrt(Number.isFinite(lambda) ? Math.max(lambda, minCurvature) : minCurvature));
  const p = mode.length;
  const out: Float64Array[] = [Float64Array.from(mode)];
  for (let s = 0; s < options.draws; s++) {
    const z = sds.map((sd) => sd * normal(options.rng));
    const theta = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      let v = mode[i]!;
      for (let k = 0; k < p; k++) v += vectors.get(i, k) * z[k]!;
      theta[i] = Math.min(options.upper, Math.max(options.lower, v));
    }
    out.push(theta);
  }
  return out;
}
