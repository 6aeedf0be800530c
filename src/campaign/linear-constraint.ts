/**
 * A linear constraint as a chemist writes it ("water + ethanol == 1", "equiv_base >= 1.5 *
 * equiv_acid", "0.5*a - b <= 2") turned into Σ cᵢ·xᵢ (op) rhs. Hand-written: the grammar is a
 * dozen lines (signed terms `[number [*]] name` or numbers on either side of one comparison) and
 * an expression-evaluation library would accept far more (non-linear terms) than is meaningful.
 */

export interface LinearConstraint {
  /** The text it was read from, for messages. */
  text: string;
  /** parameter → coefficient (terms of both sides gathered on the left). */
  coefficients: Record<string, number>;
  operator: '<=' | '>=' | '==';
  rhs: number;
}

const COMPARISON = /(<=|>=|==|=(?!=)|≤|≥)/;

export function parseLinearConstraint(text: string): LinearConstraint {
  const parts = text.split(COMPARISON);
  if (parts.length !== 3) throw new Error(`"${text}" must be one comparison (<=, >= or ==) between two linear expressions`);
  const [left, rawOperator, right] = parts as [string, string, string];
  const operator = rawOperator === '≤' ? '<=' : rawOperator === '≥' ? '>=' : rawOperator === '=' ? '==' : (rawOperator as '<=' | '>=' | '==');
  const l = parseSide(left, text);
  const r = parseSide(right, text);
  const coefficients: Record<string, number> = { ...l.coefficients };
  for (const [name, c] of Object.entries(r.coefficients)) coefficients[name] = (coefficients[name] ?? 0) - c;
  for (const [name, c] of Object.entries(coefficients)) if (c === 0) delete coefficients[name];
  if (Object.keys(coefficients).length === 0) throw new Error(`"${text}" names no parameter (or its terms cancel)`);
  return { text, coefficients, operator, rhs: r.constant - l.constant };
}

const TERM = /^([+-])?\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\s*\*?\s*)?([A-Za-z_][A-Za-z0-9_]*)?$/;

function parseSide(side: string, text: string): { coefficients: Record<string, number>; constant: number } {
  const trimmed = side.trim();
  if (trimmed === '') throw new Error(`"${text}": a side of the comparison is empty`);
  // split before every + or - that is not part of an exponent (1e-3)
  const terms = trimmed.replace(/\s+/g, ' ').split(/(?<![eE])(?=[+-])/).map((t) => t.trim()).filter((t) => t !== '');
  const coefficients: Record<string, number> = {};
  let constant = 0;
  for (const term of terms) {
    const match = TERM.exec(term.replace(/^([+-])\s+/, '$1'));
    if (!match || (match[2] === undefined && match[3] === undefined)) {
      throw new Error(`"${text}": cannot read the term "${term}" (write terms as number * parameter, e.g. 1.5 * equiv_acid)`);
    }
    const sign = match[1] === '-' ? -1 : 1;
    const number = match[2] === undefined ? 1 : Number(match[2]);
    if (match[3] === undefined) constant += sign * number;
    else coefficients[match[3]] = (coefficients[match[3]] ?? 0) + sign * number;
  }
  return { coefficients, constant };
}

/** Σ cᵢ·xᵢ − rhs for a point (values by parameter name). */
export function constraintResidual(constraint: LinearConstraint, values: Record<string, number>): number {
  let sum = -constraint.rhs;
  for (const [name, c] of Object.entries(constraint.coefficients)) sum += c * (values[name] ?? 0);
  return sum;
}

/** Whether a point keeps to the constraint, within `tolerance` (absolute, on Σ cᵢ·xᵢ). */
export function satisfies(constraint: LinearConstraint, values: Record<string, number>, tolerance = 1e-9): boolean {
  const r = constraintResidual(constraint, values);
  if (constraint.operator === '<=') return r <= tolerance;
  if (constraint.operator === '>=') return r >= -tolerance;
  return Math.abs(r) <= tolerance;
}
