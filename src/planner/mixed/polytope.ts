/**
 * The feasible region of a space's continuous part, in unit coordinates u ∈ [0, 1]^d (u = 0 at a
 * parameter's min, 1 at its max): the box, linear inequalities G·u ≤ h and equalities A·u = b.
 * Equalities are removed by a parametrisation u = u₀ + N·z (N an orthonormal basis of A's null
 * space), so designs and optimisers work in the free coordinates z, inside the bounding box of
 * the region that a linear program per coordinate gives. Linear programs: yalps.
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { solve, type Model } from 'yalps';

export interface UnitConstraint {
  /** coefficient per continuous dimension (unit coordinates) */
  coefficients: Float64Array;
  operator: '<=' | '>=' | '==';
  rhs: number;
  /** for messages */
  label: string;
}

export class InfeasibleRegionError extends Error {
  constructor(readonly conflicting: string[]) {
    super(`no point satisfies these constraints together: ${conflicting.join('; ')}`);
  }
}

/** Slack allowed on a constraint (unit coordinates): rounding of an LP vertex, not a tolerance a lab would notice. */
export const FEASIBILITY_TOLERANCE = 1e-7;

export class Polytope {
  readonly dimensions: number;
  /** particular solution of the equalities (or the origin) */
  readonly origin: Float64Array;
  /** d × k basis of the free directions, column-major by free coordinate */
  readonly basis: Float64Array[];
  /** bounding box of the free coordinates */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** a point inside the region (free coordinates): the mean of the box's LP vertices */
  readonly centre: Float64Array;
  private readonly inequalities: UnitConstraint[];
  private readonly equalities: UnitConstraint[];

  constructor(
    dimensions: number,
    constraints: UnitConstraint[],
    /** dimensions held at a value (cardinality zeros, inactive parameters) */
    fixed: ReadonlyMap<number, number> = new Map(),
  ) {
    this.dimensions = dimensions;
    const all = [...constraints];
    for (const [d, value] of fixed) {
      const coefficients = new Float64Array(dimensions);
      coefficients[d] = 1;
      all.push({ coefficients, operator: '==', rhs: value, label: `dimension ${d} held at ${value}` });
    }
    this.inequalities = all.filter((c) => c.operator !== '==');
    this.equalities = all.filter((c) => c.operator === '==');
    const feasible = lpFeasible(dimensions, all);
    if (!feasible) throw new InfeasibleRegionError(conflictingSubset(dimensions, all).map((c) => c.label));
    const { origin, basis } = nullSpace(dimensions, this.equalities);
    this.origin = origin;
    this.basis = basis;
    const k = basis.length;
    this.lower = new Float64Array(k);
    this.upper = new Float64Array(k);
    const centre = new Float64Array(dimensions);
    let vertices = 0;
    for (let j = 0; j < k; j++) {
      // z_j = N_jᵀ (u − u₀): minimise and maximise it over the region
      for (const direction of ['minimize', 'maximize'] as const) {
        const solution = lpOptimum(dimensions, all, basis[j]!, direction);
        if (!solution) throw new InfeasibleRegionError(all.map((c) => c.label));
        const z = dot(basis[j]!, solution) - dot(basis[j]!, origin);
        if (direction === 'minimize') this.lower[j] = z;
        else this.upper[j] = z;
        for (let d = 0; d < dimensions; d++) centre[d] = centre[d]! + solution[d]!;
        vertices++;
      }
    }
    if (vertices === 0) centre.set(origin);
    else for (let d = 0; d < dimensions; d++) centre[d] = centre[d]! / vertices;
    this.centre = this.toFree(centre);
  }

  get freeDimensions(): number {
    return this.basis.length;
  }

  /** u = u₀ + N·z */
  toUnit(z: ArrayLike<number>): Float64Array {
    const u = Float64Array.from(this.origin);
    this.basis.forEach((column, j) => {
      const zj = z[j] as number;
      for (let d = 0; d < this.dimensions; d++) u[d] = u[d]! + column[d]! * zj;
    });
    return u;
  }

  toFree(u: ArrayLike<number>): Float64Array {
    return Float64Array.from(this.basis, (column) => {
      let s = 0;
      for (let d = 0; d < this.dimensions; d++) s += column[d]! * ((u[d] as number) - this.origin[d]!);
      return s;
    });
  }

  /** A point of the free box (each coordinate in [0, 1]) mapped onto the box of the region. */
  fromBox(s: ArrayLike<number>): Float64Array {
    return Float64Array.from(this.lower, (lo, j) => lo + (s[j] as number) * (this.upper[j]! - lo));
  }

  /** Whether unit coordinates keep to the box and every constraint (equalities included). */
  containsUnit(u: ArrayLike<number>, tolerance = FEASIBILITY_TOLERANCE): boolean {
    for (let d = 0; d < this.dimensions; d++) if ((u[d] as number) < -tolerance || (u[d] as number) > 1 + tolerance) return false;
    for (const c of this.inequalities) {
      const r = dot(c.coefficients, u) - c.rhs;
      if (c.operator === '<=' ? r > tolerance : r < -tolerance) return false;
    }
    for (const c of this.equalities) if (Math.abs(dot(c.coefficients, u) - c.rhs) > tolerance * 10) return false;
    return true;
  }

  contains(z: ArrayLike<number>): boolean {
    return this.containsUnit(this.toUnit(z));
  }

  /**
   * A point of the region near a free-coordinate point outside it: the last feasible point on the
   * segment from `from` (a point inside; the centre unless given) — the region is convex, so
   * bisection finds it, on the face the segment crosses.
   */
  pullInside(z: ArrayLike<number>, from: ArrayLike<number> = this.centre): Float64Array {
    if (this.contains(z)) return Float64Array.from(z as ArrayLike<number>);
    let inside = 0;
    let outside = 1;
    const at = (t: number) => Float64Array.from(from, (c, j) => c + t * ((z[j] as number) - c));
    for (let i = 0; i < 40; i++) {
      const t = (inside + outside) / 2;
      if (this.contains(at(t))) inside = t;
      else outside = t;
    }
    return at(inside);
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function lpModel(dimensions: number, constraints: UnitConstraint[], objective?: ArrayLike<number>, direction: 'minimize' | 'maximize' = 'maximize'): Model {
  const bounds: [string, { min?: number; max?: number; equal?: number }][] = [];
  constraints.forEach((c, i) => {
    bounds.push([`c${i}`, c.operator === '<=' ? { max: c.rhs } : c.operator === '>=' ? { min: c.rhs } : { equal: c.rhs }]);
  });
  for (let d = 0; d < dimensions; d++) bounds.push([`box${d}`, { max: 1 }]);
  // yalps variables are ≥ 0, which is the box's lower side in unit coordinates
  const variables = Array.from({ length: dimensions }, (_, d): [string, [string, number][]] => {
    const coefficients: [string, number][] = [[`box${d}`, 1]];
    constraints.forEach((c, i) => {
      if (c.coefficients[d] !== 0) coefficients.push([`c${i}`, c.coefficients[d]!]);
    });
    if (objective && objective[d] !== 0) coefficients.push(['objective', objective[d] as number]);
    return [`u${d}`, coefficients];
  });
  return { direction, ...(objective ? { objective: 'objective' } : {}), constraints: bounds, variables };
}

function lpFeasible(dimensions: number, constraints: UnitConstraint[]): boolean {
  return solve(lpModel(dimensions, constraints)).status === 'optimal';
}

function lpOptimum(dimensions: number, constraints: UnitConstraint[], objective: ArrayLike<number>, direction: 'minimize' | 'maximize'): Float64Array | null {
  const solution = solve(lpModel(dimensions, constraints, objective, direction));
  if (solution.status !== 'optimal') return null;
  const out = new Float64Array(dimensions);
  for (const [name, value] of solution.variables) out[Number(String(name).slice(1))] = value;
  return out;
}

/** A smallest-by-deletion subset of the constraints that has no point: what to tell the chemist. */
function conflictingSubset(dimensions: number, constraints: UnitConstraint[]): UnitConstraint[] {
  let kept = [...constraints];
  for (const c of constraints) {
    const without = kept.filter((k) => k !== c);
    if (!lpFeasible(dimensions, without)) kept = without;
  }
  return kept;
}

/** Particular solution (least norm) and an orthonormal null-space basis of the equalities A·u = b. */
function nullSpace(dimensions: number, equalities: UnitConstraint[]): { origin: Float64Array; basis: Float64Array[] } {
  if (equalities.length === 0) {
    return { origin: new Float64Array(dimensions), basis: Array.from({ length: dimensions }, (_, j) => Float64Array.from({ length: dimensions }, (_, d) => (d === j ? 1 : 0))) };
  }
  const a = new Matrix(equalities.map((c) => Array.from(c.coefficients)));
  const b = Matrix.columnVector(equalities.map((c) => c.rhs));
  // SVD of Aᵀ A (d × d) gives the row space and the null space of A in one go
  const svd = new SingularValueDecomposition(a, { computeLeftSingularVectors: true, computeRightSingularVectors: true, autoTranspose: true });
  const values = svd.diagonal;
  const v = svd.rightSingularVectors;
  const u = svd.leftSingularVectors;
  const tolerance = 1e-10 * Math.max(1, ...values);
  const rank = values.filter((s) => s > tolerance).length;
  const origin = new Float64Array(dimensions);
  for (let k = 0; k < rank; k++) {
    let coefficient = 0;
    for (let i = 0; i < equalities.length; i++) coefficient += u.get(i, k) * b.get(i, 0);
    coefficient /= values[k]!;
    for (let d = 0; d < dimensions; d++) origin[d] = origin[d]! + coefficient * v.get(d, k);
  }
  const basis: Float64Array[] = [];
  // the right singular vectors beyond the rank span the null space; v may be thin, so complete it
  const known: Float64Array[] = [];
  for (let k = 0; k < rank; k++) known.push(Float64Array.from({ length: dimensions }, (_, d) => v.get(d, k)));
  for (let e = 0; e < dimensions && known.length < dimensions; e++) {
    const candidate = Float64Array.from({ length: dimensions }, (_, d) => (d === e ? 1 : 0));
    for (const q of known) {
      const p = dot(candidate, q);
      for (let d = 0; d < dimensions; d++) candidate[d] = candidate[d]! - p * q[d]!;
    }
    const norm = Math.sqrt(dot(candidate, candidate));
    if (norm < 1e-8) continue;
    for (let d = 0; d < dimensions; d++) candidate[d] = candidate[d]! / norm;
    known.push(candidate);
    basis.push(candidate);
  }
  return { origin, basis };
}
