/**
 * A simulated lab whose answers come from a ReactionEmulator fitted on a dataset: any point of the
 * space gets a value, measured or not, with the shared engine's noise, latency and failures.
 */
import type { ExperimentOrder } from '../contract.js';
import { referenceOf, type DatasetReference } from '../dataset-simulator.js';
import { SimulatedLab, type Measurement, type SimulatedJob, type SimulatedLabOptions } from '../simulated-lab.js';
import type { Dimension, ReactionInputs } from './reaction-metric.js';
import type { ReactionEmulator } from './reaction-emulator.js';
import type { Objective } from '../../objectives/objective.js';

export interface EmulatorLabOptions extends Omit<SimulatedLabOptions, 'name'> {
  name?: string;
  emulator: ReactionEmulator;
  dimensions: readonly Dimension[];
  /** Where the training data came from, for messages. */
  source: string;
}

/** An order in the emulator's terms: substances by canonical SMILES, the rest by value. */
export function inputsOfOrder(order: ExperimentOrder, dimensions: readonly Dimension[]): ReactionInputs {
  const inputs: ReactionInputs = {};
  for (const { name, kind } of dimensions) {
    const value = kind === 'substance' ? order.substances[name] : order.parameters[name];
    if (value === undefined) throw new Error(`the experiment gives no value for "${name}"`);
    inputs[name] = value;
  }
  return inputs;
}

export class EmulatorLab extends SimulatedLab {
  constructor(private readonly options: EmulatorLabOptions) {
    super({ ...options, name: options.name ?? 'emulator' });
  }

  reference(quantity: string, orientation: 'maximize' | 'minimize' | Pick<Objective, 'orient'> = 'maximize'): DatasetReference {
    return referenceOf(this.options.emulator.measured(), quantity, orientation, this.options.source);
  }

  protected describe(): string {
    const { emulator, source } = this.options;
    return `k-nearest-neighbour emulator (k=${emulator.settings.k}) fitted on ${emulator.size} reactions from ${source}`;
  }

  protected measure(job: SimulatedJob): Measurement {
    const raw = { key: job.key, emulator: this.options.source };
    if (!job.order) return { failure: `experiment ${job.id} was accepted without its parameters (an older journal)`, raw };
    try {
      return { values: this.options.emulator.predict(inputsOfOrder(job.order, this.options.dimensions)), raw };
    } catch (error) {
      return { failure: `the emulator cannot answer: ${(error as Error).message}`, raw };
    }
  }
}
