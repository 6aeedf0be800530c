/** The parameters of a search space: what can be varied, and the values each may take. */

export interface SubstanceChoice {
  name: string;
  /** Canonical SMILES; '' means the role is left empty ("none"). */
  smiles: string;
}

export type Parameter =
  | { kind: 'substance'; name: string; choices: SubstanceChoice[] }
  | { kind: 'numeric'; name: string; values: number[]; unit?: string }
  | { kind: 'categorical'; name: string; values: string[] };

export type ParameterValue = string | number;

export function choiceCount(parameter: Parameter): number {
  return parameter.kind === 'substance' ? parameter.choices.length : parameter.values.length;
}

/** The value a candidate shows for choice `code` of a parameter: choice name, number or category. */
export function valueAt(parameter: Parameter, code: number): ParameterValue {
  const value = parameter.kind === 'substance' ? parameter.choices[code]?.name : parameter.values[code];
  if (value === undefined) throw new RangeError(`parameter ${parameter.name} has no choice #${code}`);
  return value;
}

function sameNumber(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * The code of the choice a value names, or -1. Substances match by name or by canonical SMILES
 * (`canonical` is given the raw text and returns its canonical form, or null when it is not SMILES),
 * numbers numerically, categories exactly.
 */
export function codeOf(
  parameter: Parameter,
  value: ParameterValue,
  canonical: (text: string) => string | null,
): number {
  switch (parameter.kind) {
    case 'substance': {
      const text = String(value).trim();
      const byName = parameter.choices.findIndex((c) => c.name === text);
      if (byName >= 0) return byName;
      const smiles = canonical(text);
      return smiles === null ? -1 : parameter.choices.findIndex((c) => c.smiles === smiles);
    }
    case 'numeric': {
      const number = typeof value === 'number' ? value : Number.parseFloat(String(value));
      if (!Number.isFinite(number)) return -1;
      return parameter.values.findIndex((v) => sameNumber(v, number));
    }
    case 'categorical':
      return parameter.values.indexOf(String(value).trim());
  }
}
