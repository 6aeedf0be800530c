/**
 * A campaign's Pareto front as people read it: which results are non-dominated, which are
 * dominated, which break an outcome constraint, and the hypervolume after each result — what the
 * panel plots and GET /api/campaigns/{id}/pareto returns. Also the expected hypervolume of random
 * search from Monte Carlo draws of the true values, measured against the same reference point.
 *
 * Reference point: the planner's rule (reference-point.ts, BoTorch's `infer_reference_point`:
 * the front's nadir pushed out by 10 % of its range), applied here to the *measured* results that
 * keep to the constraints, all of them so far. The planner applies the same rule to its model's
 * means at the observed points each round, so its reference moves with the model; the curve needs
 * one reference for every point on it (else it would not be monotone), and measured values are
 * what a chemist can check. The whole curve is recomputed as results arrive.
 *
 * Pure: no I/O.
 */
import { isFeasible, type OutcomeConstraint } from './feasibility.js';
import { exclusiveVolume } from './hypervolume.js';
import { type Direction, orientPoints, orientReference } from './orientation.js';
import { dominatesMaximised, nonDominatedIndices } from './pareto.js';
import { inferReferencePoint } from './reference-point.js';

export interface FrontTarget {
  name: string;
  direction: Direction;
}

/** One usable result: its experiment number and every quantity it measured. */
export interface FrontResult {
  seq: number;
  values: Readonly<Record<string, number>>;
}

export type FrontStatus = 'front' | 'dominated' | 'infeasible';

export interface FrontPoint {
  seq: number;
  /** The targets in the order given. */
  point: number[];
  status: FrontStatus;
}

export interface HypervolumeStep {
  seq: number;
  /** Results so far (this one included). */
  results: number;
  /** Hypervolume of the feasible complete results so far; null before the first one. */
  hypervolume: number | null;
}

export interface CampaignFront {
  /** Results with every target measured, in the order given. */
  points: FrontPoint[];
  /** Results missing at least one target: they have no place on the front. */
  incomplete: number[];
  /** Target units; null until a feasible result has every target. */
  reference: number[] | null;
  /** One step per result, in the order given (results are in experiment order). */
  curve: HypervolumeStep[];
}

function pointOf(values: Readonly<Record<string, number>>, targets: readonly FrontTarget[]): number[] | undefined {
  const point = targets.map((t) => values[t.name]);
  return point.every((v): v is number => v !== undefined && Number.isFinite(v)) ? point : undefined;
}

/**
 * Classify the results and trace the hypervolume. A result that breaks a constraint (or did not
 * measure a constrained quantity: isFeasible's rule, nothing shows it keeps to the limit) is
 * neither on the front nor in the hypervolume, as the planner's incumbent front leaves it out.
 */
export function campaignFront(results: readonly FrontResult[], targets: readonly FrontTarget[], constraints: readonly OutcomeConstraint[] = []): CampaignFront {
  const directions = targets.map((t) => t.direction);
  const complete: { seq: number; point: number[]; feasible: boolean }[] = [];
  const incomplete: number[] = [];
  for (const r of results) {
    const point = pointOf(r.values, targets);
    if (!point) incomplete.push(r.seq);
    else complete.push({ seq: r.seq, point, feasible: isFeasible(constraints, r.values) });
  }
  const feasible = complete.filter((c) => c.feasible);
  const onFront = new Set(nonDominatedIndices(feasible.map((c) => c.point), directions).map((i) => feasible[i]!.seq));
  const points = complete.map((c): FrontPoint => ({ seq: c.seq, point: c.point, status: !c.feasible ? 'infeasible' : onFront.has(c.seq) ? 'front' : 'dominated' }));
  const reference = feasible.length > 0 ? inferReferencePoint(feasible.map((c) => c.point), directions) : null;

  const feasibleBySeq = new Map(feasible.map((c) => [c.seq, c.point]));
  const trace = new FrontTrace(directions, reference);
  const curve = results.map((r, k): HypervolumeStep => {
    const point = feasibleBySeq.get(r.seq);
    if (point) trace.add(point);
    return { seq: r.seq, results: k + 1, hypervolume: trace.size > 0 ? trace.hypervolume : null };
  });
  return { points, incomplete, reference, curve };
}

/**
 * A growing set of results and the hypervolume they dominate, kept incrementally: a new point adds
 * its exclusive volume beyond the current front (exclusiveVolume), and only points beyond the
 * reference are kept (a point not beyond it on some target dominates no volume, nor does anything
 * it dominates). Recomputing the whole hypervolume at every step cost 140 ms (two targets) and
 * 440 ms (three) for random search's 66 runs of 60, on every page refresh.
 */
class FrontTrace {
  private front: number[][] = []; // oriented (larger is better), beyond the reference
  private readonly reference: number[] | null;
  hypervolume = 0;
  size = 0;

  constructor(
    private readonly directions: readonly Direction[],
    reference: readonly number[] | null,
  ) {
    this.reference = reference ? orientReference(reference, directions) : null;
  }

  add(point: readonly number[]): void {
    this.size++;
    if (!this.reference) return;
    const p = orientPoints([point], this.directions)[0]!;
    if (!p.every((v, j) => v > this.reference![j]!)) return;
    if (this.front.some((q) => dominatesMaximised(q, p) || q.every((v, j) => v === p[j]))) return;
    this.hypervolume += exclusiveVolume(p, this.front, this.reference);
    this.front = this.front.filter((q) => !dominatesMaximised(p, q));
    this.front.push(p);
  }
}

/**
 * Expected hypervolume of random search after n = 1 … experiments: the mean over Monte Carlo runs,
 * each a sequence of results drawn without replacement from the true values. A draw that breaks a
 * constraint adds nothing, as in the campaign's own curve. Runs shorter than n (a space smaller
 * than the budget) keep their last value.
 */
export function expectedRandomHypervolume(
  runs: readonly (readonly Readonly<Record<string, number>>[])[],
  targets: readonly FrontTarget[],
  constraints: readonly OutcomeConstraint[],
  reference: readonly number[],
  length: number,
): number[] {
  if (runs.length === 0) return [];
  const directions = targets.map((t) => t.direction);
  const sums = new Array<number>(length).fill(0);
  for (const run of runs) {
    const trace = new FrontTrace(directions, reference);
    for (let n = 0; n < length; n++) {
      const values = run[n];
      const point = values && isFeasible(constraints, values) ? pointOf(values, targets) : undefined;
      if (point) trace.add(point);
      sums[n]! += trace.hypervolume;
    }
  }
  return sums.map((s) => s / runs.length);
}
