/**
 * A closed-form landscape over named numeric parameters: each parameter is scaled onto [0, 1] by
 * the range of its values, the function's score onto the objective's bounds (best at the top when
 * maximising, at the bottom when minimising); a multi-objective problem reports each of its
 * targets unscaled. What the analytic lab and the reference robot's analytic oracle measure.
 */
import { isMultiObjectiveFunction } from '../campaign/analytic-problems.js';
import type { GridProblem } from '../objectives/multi/problems/grid-problem.js';
import { multiObjectiveProblem, type MultiObjectiveProblemName } from '../objectives/multi/problems/index.js';
import { analyticFunction, type AnalyticFunctionName, type UnitFunction } from './analytic-functions.js';

export interface AnalyticDimension {
  name: string;
  min: number;
  max: number;
}

export interface AnalyticLandscapeOptions {
  /** A single-score function, or a multi-objective problem reporting each of its targets. */
  function: AnalyticFunctionName | MultiObjectiveProblemName;
  dimensions: readonly AnalyticDimension[];
  /** The reported quantity (the objective's target). */
  quantity: string;
  /** [low, high] the score maps onto. */
  range: [number, number];
  direction: 'maximize' | 'minimize';
  /** Seeds the landscapes that have seeded parts (peaks). */
  seed: number;
}

export class AnalyticLandscape {
  private readonly fn: UnitFunction | undefined;
  /** Set for a multi-objective problem: its targets at the parameters' values, unscaled. */
  private readonly problem: GridProblem | undefined;

  constructor(readonly options: AnalyticLandscapeOptions) {
    const name = options.function;
    if (isMultiObjectiveFunction(name)) this.problem = multiObjectiveProblem(name);
    else this.fn = analyticFunction(name, options.dimensions.length, options.seed);
  }

  /** The quantities it reports. */
  get quantities(): string[] {
    return this.problem ? this.problem.targets.map((t) => t.name) : [this.options.quantity];
  }

  /** The value at a point given by parameter values (also for tests and benchmarks). */
  valueAt(parameters: Record<string, string | number>): number {
    if (!this.fn) throw new Error(`${this.options.function} reports several targets: use valuesAt`);
    const x = this.options.dimensions.map(({ name, min, max }) => {
      const value = numberOf(parameters, name);
      return max > min ? (value - min) / (max - min) : 0.5;
    });
    const score = Math.min(1, Math.max(0, this.fn(x)));
    const [low, high] = this.options.range;
    return this.options.direction === 'maximize' ? low + (high - low) * score : high - (high - low) * score;
  }

  /** Every reported quantity at a point: the problem's targets, or the one scaled score. */
  valuesAt(parameters: Record<string, string | number>): Record<string, number> {
    if (!this.problem) return { [this.options.quantity]: this.valueAt(parameters) };
    const x = this.problem.variables.map((v) => numberOf(parameters, v.name));
    const y = this.problem.evaluate(x);
    return Object.fromEntries(this.problem.targets.map((t, j) => [t.name, y[j] as number]));
  }
}

function numberOf(parameters: Record<string, string | number>, name: string): number {
  const value = Number(parameters[name]);
  if (!Number.isFinite(value)) throw new Error(`"${name}" must be a number, got ${String(parameters[name])}`);
  return value;
}
