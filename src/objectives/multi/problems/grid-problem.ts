/**
 * Benchmark problems with several targets on a discrete grid of conditions, and the facts a
 * benchmark needs about each: every grid point's targets, the true Pareto front over the whole
 * grid, the reference point (the rule of reference-point.ts applied to the full grid) and the
 * front's hypervolume, so a run can report how many experiments it took to reach 95 % of it.
 */
import { hypervolume } from '../hypervolume.js';
import type { Direction } from '../orientation.js';
import { nonDominatedIndices } from '../pareto.js';
import { inferReferencePoint } from '../reference-point.js';

export interface GridVariable {
  name: string;
  unit?: string;
  levels: readonly number[];
}

export interface GridTarget {
  name: string;
  unit?: string;
  direction: Direction;
}

export interface GridProblem {
  name: string;
  description: string;
  citation: string;
  variables: readonly GridVariable[];
  targets: readonly GridTarget[];
  /** Target values at one point, x in the order of `variables`. */
  evaluate(x: readonly number[]): number[];
}

export interface SolvedGridProblem {
  problem: GridProblem;
  /** Every grid point (conditions in the order of `variables`); the last variable varies fastest. */
  points: number[][];
  /** values[i]: the targets at points[i]. */
  values: number[][];
  /** Indices of the true Pareto front over the grid (every copy of a duplicated front value). */
  frontIndices: number[];
  /** Reference point in target units: the true front's nadir pushed out by 10 % of its range. */
  reference: number[];
  frontHypervolume: number;
}

export function gridPoints(variables: readonly GridVariable[]): number[][] {
  let points: number[][] = [[]];
  for (const v of variables) {
    if (v.levels.length === 0) throw new RangeError(`variable ${v.name} has no levels`);
    points = points.flatMap((p) => v.levels.map((level) => [...p, level]));
  }
  return points;
}

export function solveGridProblem(problem: GridProblem): SolvedGridProblem {
  const directions = problem.targets.map((t) => t.direction);
  const points = gridPoints(problem.variables);
  const values = points.map((x) => problem.evaluate(x));
  const frontIndices = nonDominatedIndices(values, directions);
  const reference = inferReferencePoint(values, directions);
  const frontHypervolume = hypervolume(
    frontIndices.map((i) => values[i]!),
    reference,
    directions,
  );
  return { problem, points, values, frontIndices, reference, frontHypervolume };
}

/** Targets at named conditions; throws naming a missing variable or an unknown one. */
export function evaluateNamed(problem: GridProblem, conditions: Readonly<Record<string, number>>): Record<string, number> {
  const known = new Set(problem.variables.map((v) => v.name));
  for (const name of Object.keys(conditions)) if (!known.has(name)) throw new RangeError(`${problem.name} has no variable ${name}`);
  const x = problem.variables.map((v) => {
    const value = conditions[v.name];
    if (value === undefined || !Number.isFinite(value)) throw new RangeError(`${problem.name} needs a number for ${v.name}`);
    return value;
  });
  const y = problem.evaluate(x);
  return Object.fromEntries(problem.targets.map((t, j) => [t.name, y[j]!]));
}

/** Hypervolume of the first k results for k = 1 … n (results in target units, in the order run). */
export function hypervolumeTrace(solved: SolvedGridProblem, results: readonly (readonly number[])[]): number[] {
  const directions = solved.problem.targets.map((t) => t.direction);
  const trace: number[] = [];
  let front: number[][] = [];
  for (const y of results) {
    front = nonDominatedIndices([...front, y.slice()], directions, { duplicates: 'keep-first' }).map((i) => [...front, y.slice()][i]!);
    trace.push(hypervolume(front, solved.reference, directions));
  }
  return trace;
}

/** The number of results after which the hypervolume first reaches `fraction` of the true front's; null if never. */
export function experimentsToFraction(solved: SolvedGridProblem, results: readonly (readonly number[])[], fraction = 0.95): number | null {
  const trace = hypervolumeTrace(solved, results);
  const k = trace.findIndex((hv) => hv >= fraction * solved.frontHypervolume);
  return k < 0 ? null : k + 1;
}
