/**
 * What "better" means for a campaign with one target: the orientation (maximise or minimise), the
 * comparison of two results, whether the goal is reached, the best of a set of results, and the
 * names shown to people. Everything that used to rewrite "which way is better" on its own asks
 * this instead (docs/design.md, "Objective").
 *
 * Several targets: a Pareto objective keeps `target` as its first target (what "best" in
 * summaries names) and adds `targets` and `front`; a desirability objective's value is the
 * weighted geometric mean of each target's desirability (`valueOf`), maximised. The maths lives
 * in ./multi.
 *
 * Pure: no I/O, no clock.
 */
import type { Direction, ObjectiveSpec, OutcomeConstraintSpec } from '../campaign/types.js';
import { desirability as desirabilityOf, type DesirabilityShape } from './multi/desirability.js';
import { nonDominatedIndices } from './multi/pareto.js';

/** The best of a set of results, and the item it came from. */
export interface Best<T> {
  item: T;
  value: number;
}

/**
 * What kind of objective: one target (maximised or minimised), one target matched to a value within
 * a tolerance, several on a Pareto front, or several as one desirability.
 */
export type ObjectiveKind = 'single' | 'match' | 'pareto' | 'desirability';

/** One target the objective optimises, with which way is better. */
export interface ObjectiveTarget {
  name: string;
  direction: Direction;
  unit?: string;
}

/** The best value in a dataset's reference, for the orientation's "top" end. */
export interface ValueRange {
  min: number;
  max: number;
}

export class Objective {
  readonly target: string;
  readonly direction: Direction;
  readonly unit: string | undefined;
  readonly bounds: readonly [number, number] | undefined;
  readonly goal: number | undefined;
  /** +1 when larger is better, −1 when smaller is. */
  private readonly sign: 1 | -1;

  readonly kind: ObjectiveKind;
  /** The measured targets optimised: several for Pareto and desirability, else the one target. */
  readonly targets: readonly ObjectiveTarget[];
  /** Limits the proposals should keep to (probability of feasibility). */
  readonly constraints: readonly OutcomeConstraintSpec[];
  private readonly shapes: readonly { name: string; shape: DesirabilityShape; weight: number }[];
  /** A match objective's value and tolerance: better the closer to `match`, either side. */
  readonly match: { value: number; tolerance: number } | undefined;

  constructor(spec: ObjectiveSpec) {
    this.target = spec.target;
    this.direction = spec.direction;
    this.unit = spec.unit;
    this.bounds = spec.bounds;
    this.goal = spec.goal;
    this.sign = spec.direction === 'maximize' ? 1 : -1;
    this.match = spec.match !== undefined && spec.tolerance !== undefined ? { value: spec.match, tolerance: spec.tolerance } : undefined;
    this.kind = spec.pareto ? 'pareto' : spec.desirability ? 'desirability' : this.match ? 'match' : 'single';
    const listed = spec.pareto ?? spec.desirability;
    this.targets = listed
      ? listed.map((t) => ({ name: t.target, direction: t.direction, ...(t.unit ? { unit: t.unit } : {}) }))
      : [{ name: spec.target, direction: spec.direction, ...(spec.unit ? { unit: spec.unit } : {}) }];
    this.constraints = spec.constraints ?? [];
    this.shapes = (spec.desirability ?? []).map((t) => ({ name: t.target, shape: shapeOf(t), weight: t.weight }));
  }

  /**
   * What a surrogate models for this objective: the target (a desirability's combined value, or
   * every Pareto target), then each constrained quantity not among them.
   */
  get modelledTargets(): string[] {
    const out = this.kind === 'pareto' ? this.targets.map((t) => t.name) : [this.target];
    for (const c of this.constraints) if (!out.includes(c.target)) out.push(c.target);
    return out;
  }

  /**
   * The objective's value for one result's measured values, in target units: the target's value,
   * or for a desirability objective D ∈ [0, 1] (undefined unless every desirability target was
   * measured: a missing value is not a zero).
   */
  valueOf(values: Readonly<Record<string, number>>): number | undefined {
    if (this.kind !== 'desirability') return values[this.target];
    let logSum = 0;
    let weights = 0;
    for (const { name, shape, weight } of this.shapes) {
      const y = values[name];
      if (y === undefined) return undefined;
      const d = desirabilityOf(y, shape);
      if (d === 0) return 0;
      logSum += weight * Math.log(d);
      weights += weight;
    }
    return Math.exp(logSum / weights);
  }

  /**
   * The non-dominated items by every target (Pareto objectives; for the others the best item):
   * items missing a target are left out, ties all stay, order is kept.
   */
  front<T>(items: Iterable<T>, valuesOf: (item: T) => Readonly<Record<string, number>>): T[] {
    const complete: T[] = [];
    const points: number[][] = [];
    for (const item of items) {
      const values = valuesOf(item);
      const point = this.targets.map((t) => values[t.name]);
      if (point.some((v) => v === undefined || !Number.isFinite(v))) continue;
      complete.push(item);
      points.push(point as number[]);
    }
    if (complete.length === 0) return [];
    const directions = this.targets.map((t): 'maximise' | 'minimise' => (t.direction === 'maximize' ? 'maximise' : 'minimise'));
    return nonDominatedIndices(points, directions).sort((a, b) => a - b).map((i) => complete[i] as T);
  }

  /** The campaign's objective, from its spec (any object with an `objective` field). */
  static of(spec: { objective: ObjectiveSpec }): Objective {
    return new Objective(spec.objective);
  }

  /**
   * The value on a scale where larger is always better: what the planner compares and improves
   * on (the planner's Observation.value). For a match objective, minus the distance to the value.
   */
  orient(value: number): number {
    return this.match ? -Math.abs(value - this.match.value) : this.sign * value;
  }

  /**
   * Which way the planner improves the oriented value: a match objective hands the planner minus
   * the distance (src/planner/match-view.ts turns the model's prediction of the target into it),
   * which is maximised.
   */
  get plannerDirection(): Direction {
    return this.match ? 'maximize' : this.direction;
  }

  /** Whether `a` is strictly better than `b`. */
  better(a: number, b: number): boolean {
    return this.orient(a) > this.orient(b);
  }

  /** Whether `value` is at least as good as `threshold` (less a tolerance, in target units). */
  reaches(value: number, threshold: number, tolerance = 0): boolean {
    return this.orient(value) >= this.orient(threshold) - tolerance;
  }

  /**
   * Whether the best value so far meets the file's `goal` (never without a goal or a result); a
   * match objective's goal is a result within its tolerance.
   */
  goalReached(best: number | undefined): boolean {
    if (this.match) return best !== undefined && Math.abs(best - this.match.value) <= this.match.tolerance;
    return this.goal !== undefined && best !== undefined && this.reaches(best, this.goal);
  }

  /**
   * The best of `items` by the value `valueOf` reads (undefined: the item has no value for this
   * target and is skipped). A tie keeps the earlier item, so "best" names the experiment that got
   * there first.
   */
  best<T>(items: Iterable<T>, valueOf: (item: T) => number | undefined): Best<T> | undefined {
    let best: Best<T> | undefined;
    for (const item of items) {
      const value = valueOf(item);
      if (value !== undefined && (!best || this.better(value, best.value))) best = { item, value };
    }
    return best;
  }

  /**
   * The best value within a range: its max when maximising, its min when minimising, the match
   * value clamped to the range when matching.
   */
  bestIn(range: ValueRange): number {
    if (this.match) return Math.min(range.max, Math.max(range.min, this.match.value));
    return this.sign > 0 ? range.max : range.min;
  }

  /** Orders values worst first (Array.prototype.sort comparator). */
  readonly worstFirst = (a: number, b: number): number => this.orient(a) - this.orient(b);

  /** What the summary calls the best result: "best yield", "best reacted". */
  get bestLabel(): string {
    return `best ${this.target}`;
  }

  /** "maximise yield" / "minimise impurity", for reasons and logs. */
  describe(): string {
    if (this.kind === 'pareto') return `Pareto front of ${this.targets.map((t) => `${t.direction === 'maximize' ? 'max' : 'min'} ${t.name}`).join(', ')}`;
    if (this.kind === 'desirability') return `maximise desirability of ${this.targets.map((t) => t.name).join(', ')}`;
    if (this.match) return `match ${this.target} = ${this.match.value} ± ${this.match.tolerance}${this.unit ? ` ${this.unit}` : ''}`;
    return `${this.direction === 'maximize' ? 'maximise' : 'minimise'} ${this.target}${this.unit ? ` (${this.unit})` : ''}`;
  }
}

/** A desirability target of the campaign file as the transform of ./multi/desirability.ts. */
function shapeOf(t: NonNullable<ObjectiveSpec['desirability']>[number]): DesirabilityShape {
  const exponent = t.exponent !== undefined ? { exponent: t.exponent } : {};
  if (t.match !== undefined) {
    const tolerance = t.tolerance ?? 0;
    return {
      kind: 'target-is-best',
      lower: t.match - tolerance,
      target: t.match,
      upper: t.match + tolerance,
      ...(t.exponent !== undefined ? { lowerExponent: t.exponent, upperExponent: t.exponent } : {}),
    };
  }
  const lower = t.low ?? 0;
  const upper = t.high ?? 1;
  return t.direction === 'maximize' ? { kind: 'larger-is-better', lower, upper, ...exponent } : { kind: 'smaller-is-better', lower, upper, ...exponent };
}
