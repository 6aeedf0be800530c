/** The reference robot's deck: the shared simulation engine, answering from its oracle (a dataset or a closed-form landscape). */
import { SimulatedLab, type Measurement, type SimulatedJob, type SimulatedLabOptions } from '../simulated-lab.js';
import type { RobotOracle } from './robot-oracle.js';

export class RobotLab extends SimulatedLab {
  constructor(
    options: SimulatedLabOptions,
    private readonly oracle: RobotOracle,
    private readonly source: string,
  ) {
    super(options);
  }

  protected describe(): string {
    const { queued, running } = this.load();
    return `reference robot on ${this.source}: ${running} running, ${queued} queued, capacity ${this.capacity}`;
  }

  protected measure(job: SimulatedJob): Measurement {
    if (!job.order) return { failure: `experiment ${job.id} has no order in the robot's journal` };
    return this.oracle.measure(job.order);
  }
}
