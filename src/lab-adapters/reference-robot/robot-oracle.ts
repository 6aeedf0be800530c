/** How a reference robot "runs" an experiment: from an order to what it measured, knowing nothing of the campaign. */
import type { ExperimentOrder } from '../contract.js';
import type { Measurement } from '../simulated-lab.js';

export interface RobotOracle {
  /** The quantities it reports. */
  readonly quantities: string[];
  measure(order: ExperimentOrder): Measurement;
}
