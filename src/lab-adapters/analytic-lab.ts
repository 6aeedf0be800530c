/**
 * A simulated lab over a numeric space whose answers come from a closed-form function: each
 * parameter is scaled onto [0, 1] by the range of its values, the function's score onto the
 * objective's bounds (best at the top when maximising, at the bottom when minimising).
 */
import { isMultiObjectiveFunction } from '../campaign/analytic-problems.js';
import type { GridProblem } from '../objectives/multi/problems/grid-problem.js';
import { multiObjectiveProblem, type MultiObjectiveProblemName } from '../objectives/multi/problems/index.js';
import { rngFor } from '../util/random.js';
import { analyticFunction, type AnalyticFunctionName, type UnitFunction } from './analytic-functions.js';
import { SimulatedLab, type Measurement, type SimulatedJob, type SimulatedLabOptions } from './simulated-lab.js';

export interface AnalyticDimension {
  name: string;
  min: number;
  max: number;
}

export interface AnalyticLabOptions extends Omit<SimulatedLabOptions, 'name'> {
  name?: string;
  /** A single-score function, or a multi-objective problem reporting each of its targets. */
  function: AnalyticFunctionName | MultiObjectiveProblemName;
  dimensions: readonly AnalyticDimension[];
  /** Multi-objective problems: probability that each target is left out of a result (one is always kept). */
  missingRate?: number;
  /** The reported quantity (the objective's target). */
  quantity: string;
  /** [low, high] the score maps onto. */
  range: [number, number];
  direction: 'maximize' | 'minimize';
}

export class AnalyticLab extends SimulatedLab {
  private readonly fn: UnitFunction | undefined;
  /** Set when the lab serves a multi-objective problem: its targets at the parameters' values, unscaled. */
  private readonly problem: GridProblem | undefined;

  constructor(private readonly options: AnalyticLabOptions) {
    super({ ...options, name: options.name ?? `analytic-${options.function}` });
    const name = options.function;
    if (isMultiObjectiveFunction(name)) this.problem = multiObjectiveProblem(name);
    else this.fn = analyticFunction(name, options.dimensions.length, options.seed);
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

  protected describe(): string {
    return `${this.options.function} over ${this.options.dimensions.map((d) => d.name).join(', ')}`;
  }

  protected measure(job: SimulatedJob): Measurement {
    const raw = { key: job.key, function: this.options.function };
    if (!job.order) return { failure: `experiment ${job.id} was accepted without its parameters`, raw };
    try {
      return { values: this.leaveSomeOut(job.id, this.valuesAt(job.order.parameters)), raw };
    } catch (error) {
      return { failure: (error as Error).message, raw };
    }
  }

  /** A lab that sometimes measures only some targets (seeded by experiment id; one is always kept). */
  private leaveSomeOut(id: string, values: Record<string, number>): Record<string, number> {
    const rate = this.options.missingRate ?? 0;
    const names = Object.keys(values);
    if (rate <= 0 || names.length < 2) return values;
    const rng = rngFor(this.options.seed, 'missing', id);
    const kept = names.filter(() => rng() >= rate);
    const keep = kept.length > 0 ? kept : [names[Math.floor(rng() * names.length)] as string];
    return Object.fromEntries(keep.map((n) => [n, values[n] as number]));
  }
}

function numberOf(parameters: Record<string, string | number>, name: string): number {
  const value = Number(parameters[name]);
  if (!Number.isFinite(value)) throw new Error(`"${name}" must be a number, got ${String(parameters[name])}`);
  return value;
}
