/**
 * The reference robot on a closed-form landscape instead of a dataset: an order's numeric
 * conditions, whatever values they take (continuous spaces have no rows to look up), give the
 * landscape's value there. The robot is told the landscape and each condition's range, as a real
 * process has its own response whatever the planner believes.
 */
import type { ExperimentOrder } from '../contract.js';
import { AnalyticLandscape, type AnalyticLandscapeOptions } from '../analytic-landscape.js';
import type { Measurement } from '../simulated-lab.js';
import type { RobotOracle } from './robot-oracle.js';

export class AnalyticOracle implements RobotOracle {
  private readonly landscape: AnalyticLandscape;

  constructor(options: AnalyticLandscapeOptions) {
    this.landscape = new AnalyticLandscape(options);
  }

  get quantities(): string[] {
    return this.landscape.quantities;
  }

  measure(order: ExperimentOrder): Measurement {
    const raw = { function: this.landscape.options.function };
    try {
      return { values: this.landscape.valuesAt(order.parameters), raw };
    } catch (error) {
      return { failure: (error as Error).message, raw };
    }
  }
}
