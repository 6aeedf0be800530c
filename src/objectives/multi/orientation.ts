/**
 * Which way each target is better, and the one conversion every multi-objective routine here
 * shares: flip minimised targets so that "larger is better" everywhere. Pareto filtering,
 * hypervolume and EHVI are written once, for maximisation, and read oriented values.
 */

export type Direction = 'maximise' | 'minimise';

/** A value in target units → the same value oriented so that larger is better. */
export function orientValue(value: number, direction: Direction): number {
  return direction === 'maximise' ? value : -value;
}

/**
 * Each point's target vector oriented so that larger is better. Throws a RangeError naming the
 * point and target when a value is not a finite number or a point has the wrong length: a missing
 * target has no place on a front and the caller must decide what to do with that result.
 */
export function orientPoints(points: readonly (readonly number[])[], directions: readonly Direction[]): number[][] {
  return points.map((point, i) => {
    if (point.length !== directions.length) {
      throw new RangeError(`point ${i} has ${point.length} targets, expected ${directions.length}`);
    }
    return point.map((value, j) => {
      if (!Number.isFinite(value)) throw new RangeError(`point ${i} target ${j} is not a finite number (${value})`);
      return orientValue(value, directions[j] as Direction);
    });
  });
}

/** A reference point in target units → oriented (larger is better), validated like a point. */
export function orientReference(reference: readonly number[], directions: readonly Direction[]): number[] {
  if (reference.length !== directions.length) {
    throw new RangeError(`reference point has ${reference.length} targets, expected ${directions.length}`);
  }
  return reference.map((value, j) => {
    if (!Number.isFinite(value)) throw new RangeError(`reference point target ${j} is not a finite number (${value})`);
    return orientValue(value, directions[j] as Direction);
  });
}
