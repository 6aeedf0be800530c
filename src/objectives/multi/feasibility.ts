/**
 * Probability that a result satisfies its outcome constraints, from a Gaussian posterior on each
 * constrained target: P(y ≤ c) = Φ((c − μ)/σ), P(y ≥ c) = Φ((μ − c)/σ). Several constraints on
 * targets modelled independently multiply. Acquisition values are weighted by this probability
 * (Gardner et al. 2014; Gelbart et al. 2014), so a proposal likely to break a limit scores low.
 */
import { normalCdf } from '../../planner/normal.js';

export interface OutcomeConstraint {
  /** The constrained target, used in error messages. */
  target: string;
  operator: '<=' | '>=';
  bound: number;
}

export interface GaussianPrediction {
  mean: number;
  /** Standard deviation; 0 means the value is known, and the probability is 0 or 1. */
  sd: number;
}

export function probabilityOfFeasibility(constraint: OutcomeConstraint, prediction: GaussianPrediction): number {
  const { mean, sd } = prediction;
  if (!Number.isFinite(constraint.bound)) throw new RangeError(`constraint on ${constraint.target}: bound must be a finite number, got ${constraint.bound}`);
  if (!Number.isFinite(mean) || !(sd >= 0)) {
    throw new RangeError(`constraint on ${constraint.target}: prediction needs a finite mean and sd ≥ 0, got ${mean} ± ${sd}`);
  }
  const margin = constraint.operator === '<=' ? constraint.bound - mean : mean - constraint.bound;
  if (sd === 0) return margin >= 0 ? 1 : 0;
  return normalCdf(margin / sd);
}

/** Product over constraints; predictions are keyed by target name. */
export function jointProbabilityOfFeasibility(
  constraints: readonly OutcomeConstraint[],
  predictions: Readonly<Record<string, GaussianPrediction>>,
): number {
  let p = 1;
  for (const constraint of constraints) {
    const prediction = predictions[constraint.target];
    if (!prediction) throw new RangeError(`constraint on ${constraint.target}: no prediction for that target`);
    p *= probabilityOfFeasibility(constraint, prediction);
  }
  return p;
}

/** Whether an observed result meets every constraint (a missing constrained value counts as not meeting it). */
export function isFeasible(constraints: readonly OutcomeConstraint[], values: Readonly<Record<string, number | undefined>>): boolean {
  return constraints.every(({ target, operator, bound }) => {
    const v = values[target];
    if (v === undefined || !Number.isFinite(v)) return false;
    return operator === '<=' ? v <= bound : v >= bound;
  });
}
