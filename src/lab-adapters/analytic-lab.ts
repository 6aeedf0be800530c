/**
 * A simulated lab over a numeric space whose answers come from a closed-form function
 * (AnalyticLandscape: parameters scaled onto [0, 1] by their ranges, the score onto the objective's
 * bounds), some targets of a multi-objective problem left out at a seeded rate.
 */
import { rngFor } from '../util/random.js';
import { AnalyticLandscape, type AnalyticLandscapeOptions } from './analytic-landscape.js';
import { SimulatedLab, type Measurement, type SimulatedJob, type SimulatedLabOptions } from './simulated-lab.js';

export interface AnalyticLabOptions extends Omit<SimulatedLabOptions, 'name'>, Omit<AnalyticLandscapeOptions, 'seed'> {
  name?: string;
  /** Multi-objective problems: probability that each target is left out of a result (one is always kept). */
  missingRate?: number;
}

export class AnalyticLab extends SimulatedLab {
  private readonly landscape: AnalyticLandscape;

  constructor(private readonly options: AnalyticLabOptions) {
    super({ ...options, name: options.name ?? `analytic-${options.function}` });
    this.landscape = new AnalyticLandscape(options);
  }

  /** The value at a point given by parameter values (also for tests and benchmarks). */
  valueAt(parameters: Record<string, string | number>): number {
    return this.landscape.valueAt(parameters);
  }

  /** Every reported quantity at a point: the problem's targets, or the one scaled score. */
  valuesAt(parameters: Record<string, string | number>): Record<string, number> {
    return this.landscape.valuesAt(parameters);
  }

  protected describe(): string {
    return `${this.options.function} over ${this.options.dimensions.map((d) => d.name).join(', ')}`;
  }

  protected measure(job: SimulatedJob): Measurement {
    const raw = { key: job.key, function: this.options.function };
    if (!job.order) return { failure: `experiment ${job.id} was accepted without its parameters`, raw };
    try {
      return { values: this.leaveSomeOut(job.drawKey, this.valuesAt(job.order.parameters)), raw };
    } catch (error) {
      return { failure: (error as Error).message, raw };
    }
  }

  /** A lab that sometimes measures only some targets (seeded by the job's draw key; one is always kept). */
  private leaveSomeOut(drawKey: string, values: Record<string, number>): Record<string, number> {
    const rate = this.options.missingRate ?? 0;
    const names = Object.keys(values);
    if (rate <= 0 || names.length < 2) return values;
    const rng = rngFor(this.options.seed, 'missing', drawKey);
    const kept = names.filter(() => rng() >= rate);
    const keep = kept.length > 0 ? kept : [names[Math.floor(rng() * names.length)] as string];
    return Object.fromEntries(keep.map((n) => [n, values[n] as number]));
  }
}
