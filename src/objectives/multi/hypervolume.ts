/**
 * Exact hypervolume: the volume of the region dominated by a set of points and bounded by a
 * reference point. Written by hand: no maintained JavaScript package computes it.
 *
 * Everything here works on points oriented so that larger is better (see orientation.ts); the
 * reference must be worse than the points that count. A point that is not strictly better than
 * the reference on every target dominates no volume and is ignored.
 *
 *   2 targets   sort and sweep, O(n log n)
 *   3 targets   slice along the third target, a 2-D sweep per slice, O(n² log n)
 *   d targets   WFG (While, Bradstreet & Barone 2012, IEEE TEC 16(1)): the volume is the sum of
 *               exclusive contributions, each = its box − the hypervolume of the other points
 *               "limited" to that box; fine for d ≤ 6 and fronts of a few hundred points.
 */
import { type Direction, orientPoints, orientReference } from './orientation.js';
import { nonDominatedIndicesMaximised } from './pareto.js';

type Point = readonly number[];

/** Hypervolume of oriented points (larger is better) above an oriented reference point. */
export function hypervolumeMaximised(points: readonly Point[], reference: Point): number {
  const d = reference.length;
  const above = points.filter((p) => strictlyAbove(p, reference));
  if (above.length === 0) return 0;
  if (d === 1) return Math.max(...above.map((p) => p[0] as number)) - (reference[0] as number);
  if (d === 2) return hypervolume2d(above, reference);
  if (d === 3) return hypervolume3d(above, reference);
  return hypervolumeWfg(above, reference);
}

/** Hypervolume in target units, with each target's direction and a reference in target units. */
export function hypervolume(points: readonly Point[], reference: Point, directions: readonly Direction[]): number {
  return hypervolumeMaximised(orientPoints(points, directions), orientReference(reference, directions));
}

/**
 * Volume that `added` dominates and `front` does not (oriented points). For one added point it
 * uses the exclusive-volume identity box(y) − HV(front limited to y), which is cheaper than two
 * full hypervolumes.
 */
export function hypervolumeImprovementMaximised(front: readonly Point[], added: readonly Point[], reference: Point): number {
  if (added.length === 1) return exclusiveVolume(added[0] as Point, front, reference);
  const all = front.concat(added);
  return Math.max(0, hypervolumeMaximised(all, reference) - hypervolumeMaximised(front, reference));
}

/** Exclusive contribution of y beyond the points in `others` (all oriented). */
export function exclusiveVolume(y: Point, others: readonly Point[], reference: Point): number {
  if (!strictlyAbove(y, reference)) return 0;
  if (reference.length === 3) return exclusiveVolume3d(y, others, reference);
  const limited: number[][] = [];
  for (const p of others) {
    if (!strictlyAbove(p, reference)) continue;
    limited.push(p.map((v, j) => Math.min(v, y[j] as number)));
  }
  const box = boxVolume(y, reference);
  if (limited.length === 0) return box;
  return Math.max(0, box - hypervolumeMaximised(limited, reference));
}

/**
 * Exclusive area of y beyond a 2-D front sorted by its first target ascending (so its second
 * target descends), without allocation: the hot loop of EHVI with two targets. Over the strip
 * between consecutive front points the front covers up to the next point's second target.
 */
export function exclusiveAreaSortedFront(y: readonly number[], front: readonly (readonly number[])[], reference: readonly number[]): number {
  const y0 = y[0]!;
  const y1 = y[1]!;
  const r0 = reference[0]!;
  const r1 = reference[1]!;
  if (!(y0 > r0 && y1 > r1)) return 0;
  let area = 0;
  let left = r0;
  for (const p of front) {
    if (left >= y0) break;
    const right = Math.min(p[0]!, y0);
    if (right > left) area += (right - left) * Math.max(0, y1 - Math.max(p[1]!, r1));
    left = Math.max(left, p[0]!);
  }
  if (left < y0) area += (y0 - left) * (y1 - r1);
  return area;
}

/**
 * Exclusive volume of y with three targets, slicing along the third: between consecutive third
 * values, the covered part of y's 2-D box is that of the points reaching above the slice, kept as
 * a sorted 2-D front so each slice costs O(k). The EHVI hot loop for three targets.
 */
function exclusiveVolume3d(y: Point, others: readonly Point[], reference: Point): number {
  const above = others.filter((p) => strictlyAbove(p, reference)).sort((a, b) => (b[2] as number) - (a[2] as number));
  const slice: Point[] = []; // 2-D non-dominated by (first, second) target, first ascending
  const r2 = reference[2] as number;
  let top = y[2] as number;
  let volume = 0;
  for (const p of above) {
    const level = p[2] as number;
    if (level < top) {
      const area = exclusiveAreaSortedFront(y, slice, reference);
      if (area === 0) return volume; // lower slices only cover more
      volume += area * (top - level);
      top = level;
    }
    insertIntoFront2d(slice, p);
  }
  return volume + exclusiveAreaSortedFront(y, slice, reference) * (top - r2);
}

/** Insert p into a 2-D non-dominated list sorted by the first target ascending (second descending). */
function insertIntoFront2d(front: Point[], p: Point): void {
  const x = p[0] as number;
  const y = p[1] as number;
  let at = 0;
  while (at < front.length && (front[at]![0] as number) < x) at++;
  // a point at or right of x with second target ≥ y covers p
  if (at < front.length && (front[at]![1] as number) >= y) return;
  // points left of x, or at x, with second target ≤ y are covered by p
  let from = at;
  while (from > 0 && (front[from - 1]![1] as number) <= y) from--;
  let to = at;
  while (to < front.length && (front[to]![0] as number) === x && (front[to]![1] as number) <= y) to++;
  front.splice(from, to - from, p);
}

/** WFG for any dimension ≥ 1; exported so tests can check it against the 2-D and 3-D sweeps. */
export function hypervolumeWfg(points: readonly Point[], reference: Point): number {
  const above = points.filter((p) => strictlyAbove(p, reference));
  const front = nonDominatedIndicesMaximised(above, { duplicates: 'keep-first' }).map((i) => above[i] as Point);
  // Sorting by one target (best first) makes the limited sets small, WFG's main speed-up.
  const last = reference.length - 1;
  front.sort((a, b) => (b[last] as number) - (a[last] as number));
  return wfg(front, reference);
}

function wfg(front: readonly Point[], reference: Point): number {
  const d = reference.length;
  if (front.length === 0) return 0;
  if (front.length === 1) return boxVolume(front[0] as Point, reference);
  if (d === 2) return hypervolume2d(front, reference);
  let total = 0;
  for (let k = 0; k < front.length; k++) {
    const p = front[k] as Point;
    const limited: number[][] = [];
    for (let i = k + 1; i < front.length; i++) limited.push((front[i] as Point).map((v, j) => Math.min(v, p[j] as number)));
    const nonDominated = nonDominatedIndicesMaximised(limited, { duplicates: 'keep-first' })
      .map((i) => limited[i] as Point)
      .filter((q) => strictlyAbove(q, reference));
    total += boxVolume(p, reference) - wfg(nonDominated, reference);
  }
  return total;
}

function hypervolume2d(points: readonly Point[], reference: Point): number {
  const sorted = points.slice().sort((a, b) => (b[0] as number) - (a[0] as number) || (b[1] as number) - (a[1] as number));
  const r0 = reference[0] as number;
  let bestY = reference[1] as number;
  let volume = 0;
  for (const p of sorted) {
    const y = p[1] as number;
    if (y > bestY) {
      volume += ((p[0] as number) - r0) * (y - bestY);
      bestY = y;
    }
  }
  return volume;
}

function hypervolume3d(points: readonly Point[], reference: Point): number {
  const sorted = points.slice().sort((a, b) => (b[2] as number) - (a[2] as number));
  const reference2d = [reference[0] as number, reference[1] as number];
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = sorted[i]![2] as number;
    const bottom = i + 1 < sorted.length ? (sorted[i + 1]![2] as number) : (reference[2] as number);
    if (top === bottom) continue;
    const slice = sorted.slice(0, i + 1).map((p) => [p[0] as number, p[1] as number]);
    volume += hypervolume2d(slice, reference2d) * (top - bottom);
  }
  return volume;
}

function boxVolume(p: Point, reference: Point): number {
  let v = 1;
  for (let j = 0; j < reference.length; j++) v *= (p[j] as number) - (reference[j] as number);
  return v;
}

function strictlyAbove(p: Point, reference: Point): boolean {
  for (let j = 0; j < reference.length; j++) if (!((p[j] as number) > (reference[j] as number))) return false;
  return true;
}
