/**
 * The reference point rule used when a campaign does not state one: the nadir (worst value on
 * each target) of the Pareto front of the data, pushed out by a fraction (default 10 %) of the
 * front's range on each target, so that the extreme front points still dominate some volume.
 * This is BoTorch's `infer_reference_point` rule; a target whose front range is zero is pushed out
 * by the fraction of max(|nadir|, 1) instead.
 */
import { type Direction, orientPoints, orientValue } from './orientation.js';
import { nonDominatedIndicesMaximised } from './pareto.js';

export function inferReferencePoint(points: readonly (readonly number[])[], directions: readonly Direction[], fraction = 0.1): number[] {
  if (points.length === 0) throw new RangeError('a reference point needs at least one complete result');
  if (!(fraction >= 0)) throw new RangeError(`reference point fraction must be ≥ 0, got ${fraction}`);
  const oriented = orientPoints(points, directions);
  const front = nonDominatedIndicesMaximised(oriented).map((i) => oriented[i] as number[]);
  return directions.map((direction, j) => {
    const values = front.map((p) => p[j] as number);
    const nadir = Math.min(...values);
    const range = Math.max(...values) - nadir;
    const margin = fraction * (range > 0 ? range : Math.max(Math.abs(nadir), 1));
    return orientValue(nadir - margin, direction); // back to target units
  });
}
