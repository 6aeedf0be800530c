/**
 * The kinds a campaign file chooses from, each listed once. The schema's enums (schema.ts), the
 * command line's choices and the documentation's tables are checked against these lists
 * (test/kinds.test.ts), so adding a kind is one entry here plus its implementation.
 *
 * Acquisition functions are listed beside their implementations (src/planner/acquisition.ts) and
 * substance kernels beside theirs (src/models/gp-kernel.ts); lab types are the members of the
 * lab schema's discriminated union, read from it (LAB_TYPES, ROBOT_LAB_TYPES in schema.ts).
 */
import { ACQUISITIONS, type AcquisitionName } from '../planner/acquisition.js';

/** Planning strategies (`planner.strategy`), with what each does. */
export const STRATEGY_INFO = {
  bayesian: 'an initial design, then the surrogate model scored by the acquisition function',
  diverse: 'model-free: spread out over the space (greedy max–min distance)',
  random: 'model-free: uniformly at random',
  discovery: 'map which combinations react, by active learning on a reactivity classifier',
} as const;

export type StrategyName = keyof typeof STRATEGY_INFO;
export const STRATEGIES = Object.keys(STRATEGY_INFO) as [StrategyName, ...StrategyName[]];

/** How the first experiments are chosen (`planner.initial_design`). */
export const INITIAL_DESIGNS = ['diverse', 'random'] as const;
export type InitialDesign = (typeof INITIAL_DESIGNS)[number];

export { ACQUISITIONS, type AcquisitionName };

/** Acquisitions for a Pareto objective (`planner.pareto_acquisition`), with what each does. */
export const PARETO_ACQUISITION_INFO = {
  ehvi: 'noisy expected hypervolume improvement, batches with pending experiments (default)',
  parego: 'ParEGO: random augmented-Chebyshev scalarisation per batch slot, expected improvement of the scalar',
} as const;

export type ParetoAcquisitionName = keyof typeof PARETO_ACQUISITION_INFO;
export const PARETO_ACQUISITIONS = Object.keys(PARETO_ACQUISITION_INFO) as [ParetoAcquisitionName, ...ParetoAcquisitionName[]];
