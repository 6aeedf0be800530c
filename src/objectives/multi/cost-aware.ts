/**
 * Cost-aware acquisition: improvement per unit cost, a / cost^α (Snoek, Larochelle & Adams 2012,
 * "EI per second"; α < 1 softens the preference for cheap experiments, α = 0 ignores cost).
 * A batch's cost is the sum of its experiments' costs.
 */

export function improvementPerCost(acquisition: number, cost: number, exponent = 1): number {
  if (!(cost > 0 && Number.isFinite(cost))) throw new RangeError(`cost must be a positive finite number, got ${cost}`);
  if (!(exponent >= 0 && Number.isFinite(exponent))) throw new RangeError(`cost exponent must be ≥ 0, got ${exponent}`);
  return acquisition / cost ** exponent;
}

/** Cost of one experiment: a fixed per-experiment cost plus the cost of each substance chosen. */
export function experimentCost(
  choices: Readonly<Record<string, string>>,
  substanceCosts: Readonly<Record<string, Readonly<Record<string, number>>>>,
  perExperiment = 0,
): number {
  let total = perExperiment;
  for (const [parameter, value] of Object.entries(choices)) {
    const table = substanceCosts[parameter];
    if (!table) continue; // a parameter without a cost table costs nothing
    const cost = table[value];
    if (cost === undefined) throw new RangeError(`no cost for ${parameter} = ${value}`);
    if (!(cost >= 0 && Number.isFinite(cost))) throw new RangeError(`cost of ${parameter} = ${value} must be ≥ 0, got ${cost}`);
    total += cost;
  }
  return total;
}
