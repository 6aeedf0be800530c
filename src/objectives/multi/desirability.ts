/**
 * Desirability functions (Derringer & Suich 1980, J. Qual. Technol. 12(4):214–219): each target is
 * mapped to d ∈ [0, 1] (1 = fully acceptable, 0 = unacceptable), and the targets are combined by a
 * weighted geometric mean, so any target at 0 makes the whole recipe unacceptable.
 *
 *   larger-is-better   d = 0 for y ≤ L, ((y − L)/(U − L))^s for L < y < U, 1 for y ≥ U
 *   smaller-is-better  d = 1 for y ≤ L, ((U − y)/(U − L))^s for L < y < U, 0 for y ≥ U
 *   target-is-best     d = ((y − L)/(T − L))^s for L ≤ y ≤ T, ((U − y)/(U − T))^t for T < y ≤ U,
 *                      0 outside [L, U]
 *   overall            D = (∏ dᵢ^wᵢ)^(1/Σwᵢ), every wᵢ > 0
 *
 * An exponent above 1 makes the target harder to satisfy (d rises late), below 1 easier.
 */

export type DesirabilityShape =
  | { kind: 'larger-is-better'; lower: number; upper: number; exponent?: number }
  | { kind: 'smaller-is-better'; lower: number; upper: number; exponent?: number }
  | { kind: 'target-is-best'; lower: number; target: number; upper: number; lowerExponent?: number; upperExponent?: number };

export interface WeightedDesirability {
  /** The target's name, used in error messages. */
  name: string;
  shape: DesirabilityShape;
  weight?: number;
}

/** Throws a RangeError naming the target when the shape's bounds or exponents make no sense. */
export function validateDesirability(name: string, shape: DesirabilityShape): void {
  const finite = (label: string, v: number) => {
    if (!Number.isFinite(v)) throw new RangeError(`desirability of ${name}: ${label} must be a finite number, got ${v}`);
  };
  const positive = (label: string, v: number | undefined) => {
    if (v !== undefined && !(v > 0 && Number.isFinite(v))) throw new RangeError(`desirability of ${name}: ${label} must be > 0, got ${v}`);
  };
  finite('lower', shape.lower);
  finite('upper', shape.upper);
  if (!(shape.lower < shape.upper)) throw new RangeError(`desirability of ${name}: lower (${shape.lower}) must be below upper (${shape.upper})`);
  if (shape.kind === 'target-is-best') {
    finite('target', shape.target);
    if (!(shape.lower < shape.target && shape.target < shape.upper)) {
      throw new RangeError(`desirability of ${name}: target (${shape.target}) must lie strictly between lower and upper`);
    }
    positive('lowerExponent', shape.lowerExponent);
    positive('upperExponent', shape.upperExponent);
  } else {
    positive('exponent', shape.exponent);
  }
}

/** d(y) ∈ [0, 1] for one target. A value that is not a finite number has desirability 0. */
export function desirability(y: number, shape: DesirabilityShape): number {
  if (!Number.isFinite(y)) return 0;
  const { lower, upper } = shape;
  switch (shape.kind) {
    case 'larger-is-better':
      if (y <= lower) return 0;
      if (y >= upper) return 1;
      return ((y - lower) / (upper - lower)) ** (shape.exponent ?? 1);
    case 'smaller-is-better':
      if (y <= lower) return 1;
      if (y >= upper) return 0;
      return ((upper - y) / (upper - lower)) ** (shape.exponent ?? 1);
    case 'target-is-best':
      if (y < lower || y > upper) return 0;
      if (y <= shape.target) return ((y - lower) / (shape.target - lower)) ** (shape.lowerExponent ?? 1);
      return ((upper - y) / (upper - shape.target)) ** (shape.upperExponent ?? 1);
  }
}

/** Overall desirability D of one result: weighted geometric mean of each target's d. */
export function overallDesirability(values: readonly number[], targets: readonly WeightedDesirability[]): number {
  if (values.length !== targets.length) throw new RangeError(`expected ${targets.length} target values, got ${values.length}`);
  let logSum = 0;
  let weightSum = 0;
  for (let i = 0; i < targets.length; i++) {
    const { name, shape, weight = 1 } = targets[i] as WeightedDesirability;
    if (!(weight > 0 && Number.isFinite(weight))) throw new RangeError(`desirability weight of ${name} must be > 0, got ${weight}`);
    const d = desirability(values[i] as number, shape);
    if (d === 0) return 0;
    logSum += weight * Math.log(d);
    weightSum += weight;
  }
  return Math.exp(logSum / weightSum);
}
