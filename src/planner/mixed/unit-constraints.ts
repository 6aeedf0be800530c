/** A file's linear constraints over continuous parameters, rewritten in unit coordinates (u = 0 at min, 1 at max). */
import type { LinearConstraint } from '../../campaign/linear-constraint.js';
import { Polytope, type UnitConstraint } from './polytope.js';

export interface RangeOf {
  name: string;
  min: number;
  max: number;
}

/**
 * Σ cᵢ xᵢ (op) r with xᵢ = minᵢ + (maxᵢ − minᵢ) uᵢ becomes Σ cᵢ (maxᵢ − minᵢ) uᵢ (op) r − Σ cᵢ minᵢ.
 * `check`: build the region once, throwing InfeasibleRegionError naming the conflicting constraints.
 */
export function unitConstraintsOf(parameters: readonly RangeOf[], constraints: readonly LinearConstraint[], check = false): UnitConstraint[] {
  const index = new Map(parameters.map((p, d) => [p.name, d]));
  const out = constraints.map((c): UnitConstraint => {
    const coefficients = new Float64Array(parameters.length);
    let rhs = c.rhs;
    for (const [name, coefficient] of Object.entries(c.coefficients)) {
      const d = index.get(name);
      if (d === undefined) throw new Error(`the constraint "${c.text}" names "${name}", which is not a continuous parameter`);
      const p = parameters[d]!;
      coefficients[d] = coefficient * (p.max - p.min);
      rhs -= coefficient * p.min;
    }
    return { coefficients, operator: c.operator, rhs, label: `"${c.text}"` };
  });
  if (check) new Polytope(parameters.length, out);
  return out;
}
