/** The multi-objective core: one import for the integration (each module has one job; see docs/multi-objective.md). */
export { type Direction, orientPoints, orientReference, orientValue } from './orientation.js';
export { dominates, dominatesMaximised, nonDominatedIndices, nonDominatedIndicesMaximised, paretoFront, type ParetoOptions } from './pareto.js';
export {
  exclusiveAreaSortedFront,
  exclusiveVolume,
  hypervolume,
  hypervolumeImprovementMaximised,
  hypervolumeMaximised,
  hypervolumeWfg,
} from './hypervolume.js';
export { inferReferencePoint } from './reference-point.js';
export { choleskyWithJitter, drawPosteriorSamples, type JointPosterior, type PosteriorSamples, samplePoint, validatePosterior } from './joint-posterior.js';
export { expectedHypervolumeImprovement2d } from './ehvi-2d.js';
export { type CandidateScreenInput, screenCandidates } from './candidate-screen.js';
export {
  type BatchSelection,
  type BatchSelectionInput,
  DEFAULT_EHVI_SAMPLES,
  NoisyEhvi,
  type NoisyEhviInput,
  selectBatchByEhvi,
  selectBatchByEhviInTurns,
} from './noisy-ehvi.js';
export { type ChebyshevScalariser, chebyshevScalariser, PAREGO_RHO, parEgoRound, randomSimplexWeights } from './parego.js';
export { desirability, type DesirabilityShape, overallDesirability, validateDesirability, type WeightedDesirability } from './desirability.js';
export {
  type GaussianPrediction,
  isFeasible,
  jointProbabilityOfFeasibility,
  type OutcomeConstraint,
  probabilityOfFeasibility,
} from './feasibility.js';
export { experimentCost, improvementPerCost } from './cost-aware.js';
