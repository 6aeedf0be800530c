/**
 * A simulated lab over a numeric space whose answers come from a closed-form function: each
 * parameter is scaled onto [0, 1] by the range of its values, the function's score onto the
 * objective's bounds (best at the top when maximising, at the bottom when minimising).
 */
import { analyticFunction, type AnalyticFunctionName, type UnitFunction } from './analytic-functions.js';
import { SimulatedLab, type Measurement, type SimulatedJob, type SimulatedLabOptions } from './simulated-lab.js';

export interface AnalyticDimension {
  name: string;
  min: number;
  max: number;
}

export interface AnalyticLabOptions extends Omit<SimulatedLabOptions, 'name'> {
  name?: string;
  function: AnalyticFunctionName;
  dimensions: readonly AnalyticDimension[];
  /** The reported quantity (the objective's target). */
  quantity: string;
  /** [low, high] the score maps onto. */
  range: [number, number];
  direction: 'maximize' | 'minimize';
}

export class AnalyticLab extends SimulatedLab {
  private readonly fn: UnitFunction;

  constructor(private readonly options: AnalyticLabOptions) {
    super({ ...options, name: options.name ?? `analytic-${options.function}` });
    this.fn = analyticFunction(options.function, options.dimensions.length, options.seed);
  }

  /** The value at a point given by parameter values (also for tests and benchmarks). */
  valueAt(parameters: Record<string, string | number>): number {
    const x = this.options.dimensions.map(({ name, min, max }) => {
      const value = Number(parameters[name]);
      if (!Number.isFinite(value)) throw new Error(`"${name}" must be a number, got ${String(parameters[name])}`);
      return max > min ? (value - min) / (max - min) : 0.5;
    });
    const score = Math.min(1, Math.max(0, this.fn(x)));
    const [low, high] = this.options.range;
    return this.options.direction === 'maximize' ? low + (high - low) * score : high - (high - low) * score;
  }

  protected describe(): string {
    return `${this.options.function} over ${this.options.dimensions.map((d) => d.name).join(', ')}`;
  }

  protected measure(job: SimulatedJob): Measurement {
    const raw = { key: job.key, function: this.options.function };
    if (!job.order) return { failure: `experiment ${job.id} was accepted without its parameters`, raw };
    try {
      return { values: { [this.options.quantity]: this.valueAt(job.order.parameters) }, raw };
    } catch (error) {
      return { failure: (error as Error).message, raw };
    }
  }
}
