/**
 * The Pareto (non-dominated) set of results with any number of targets, each maximised or
 * minimised.
 *
 * Dominance: a dominates b when a is at least as good as b on every target and strictly better on
 * at least one. Consequences, stated because callers depend on them:
 *   - Ties on some targets do not protect a point: (5, 3) dominates (5, 2).
 *   - Exact duplicates do not dominate each other, so by default every copy stays on the front
 *     (`duplicates: 'keep-all'`). With `duplicates: 'keep-first'` only the copy with the lowest
 *     index is returned (useful for plotting or hypervolume, where a copy adds nothing).
 *   - Values must be finite numbers; a missing target is the caller's decision, not a tie.
 *
 * Algorithm: sort lexicographically by oriented values (best first), then keep a point unless a
 * point already kept dominates it. Every dominator of a point sorts before it, and dominance is
 * transitive, so comparing with kept points only is exact: O(n log n + n·|front|·m).
 */
import { type Direction, orientPoints } from './orientation.js';

export interface ParetoOptions {
  duplicates?: 'keep-all' | 'keep-first';
}

/** a dominates b, both oriented so that larger is better. */
export function dominatesMaximised(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let j = 0; j < a.length; j++) {
    const x = a[j] as number;
    const y = b[j] as number;
    if (x < y) return false;
    if (x > y) strictly = true;
  }
  return strictly;
}

/** a dominates b in target units, with each target's direction. */
export function dominates(a: readonly number[], b: readonly number[], directions: readonly Direction[]): boolean {
  const [oa, ob] = orientPoints([a, b], directions) as [number[], number[]];
  return dominatesMaximised(oa, ob);
}

/** Indices (ascending) of the non-dominated points among points already oriented for maximisation. */
export function nonDominatedIndicesMaximised(points: readonly (readonly number[])[], options: ParetoOptions = {}): number[] {
  const keepFirst = options.duplicates === 'keep-first';
  const order = points.map((_, i) => i);
  order.sort((i, k) => {
    const a = points[i] as readonly number[];
    const b = points[k] as readonly number[];
    for (let j = 0; j < a.length; j++) {
      const d = (b[j] as number) - (a[j] as number);
      if (d !== 0) return d;
    }
    return i - k; // duplicates: the lowest index first, so 'keep-first' keeps it
  });
  const kept: number[] = [];
  for (const i of order) {
    const p = points[i] as readonly number[];
    let out = false;
    for (const k of kept) {
      const q = points[k] as readonly number[];
      if (dominatesMaximised(q, p) || (keepFirst && sameVector(q, p))) {
        out = true;
        break;
      }
    }
    if (!out) kept.push(i);
  }
  return kept.sort((a, b) => a - b);
}

/** Indices (ascending) of the non-dominated points, in target units with each target's direction. */
export function nonDominatedIndices(
  points: readonly (readonly number[])[],
  directions: readonly Direction[],
  options: ParetoOptions = {},
): number[] {
  return nonDominatedIndicesMaximised(orientPoints(points, directions), options);
}

/** The non-dominated points themselves (copies), in target units. */
export function paretoFront(
  points: readonly (readonly number[])[],
  directions: readonly Direction[],
  options: ParetoOptions = {},
): number[][] {
  return nonDominatedIndices(points, directions, options).map((i) => (points[i] as readonly number[]).slice());
}

function sameVector(a: readonly number[], b: readonly number[]): boolean {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}
