/** The parameters of a search space: what can be varied, and the values each may take. */
import { canonicalOrNull } from '../chem/index.js';

export interface SubstanceChoice {
  name: string;
  /** Canonical SMILES; '' means the role is left empty ("none"). */
  smiles: string;
}

export type Parameter =
  | { kind: 'substance'; name: string; choices: SubstanceChoice[] }
  | { kind: 'numeric'; name: string; values: number[]; unit?: string }
  | { kind: 'categorical'; name: string; values: string[] }
  | ContinuousParameter;

/** Any real value in [min, max] (rounded to `resolution`), optionally on a log scale. */
export interface ContinuousParameter {
  kind: 'continuous';
  name: string;
  min: number;
  max: number;
  resolution?: number;
  log?: boolean;
  unit?: string;
}

/** A parameter with a finite list of choices (every kind but continuous). */
export type DiscreteParameter = Exclude<Parameter, ContinuousParameter>;

export function isDiscrete(parameter: Parameter): parameter is DiscreteParameter {
  return parameter.kind !== 'continuous';
}

export type ParameterValue = string | number;

export function choiceCount(parameter: Parameter): number {
  if (parameter.kind === 'continuous') throw new RangeError(`parameter ${parameter.name} is continuous: it has no list of choices`);
  return parameter.kind === 'substance' ? parameter.choices.length : parameter.values.length;
}

/** The value a candidate shows for choice `code` of a parameter: choice name, number or category. */
export function valueAt(parameter: Parameter, code: number): ParameterValue {
  if (parameter.kind === 'continuous') throw new RangeError(`parameter ${parameter.name} is continuous: it has no choice #${code}`);
  const value = parameter.kind === 'substance' ? parameter.choices[code]?.name : parameter.values[code];
  if (value === undefined) throw new RangeError(`parameter ${parameter.name} has no choice #${code}`);
  return value;
}

/** Numbers from a file or a CSV cell rarely match bit for bit (0.1 vs 0.10000000000000001). */
export function sameNumber(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * The one rule by which a value (a table cell, a forbidden rule's entry) names a choice: substances
 * by name or by SMILES in canonical form (so any valid spelling of the molecule works), numbers
 * numerically, categories exactly. The matcher returns the choice's code, or -1.
 */
export function choiceMatcher(parameter: Parameter): (value: ParameterValue) => number {
  switch (parameter.kind) {
    case 'substance': {
      const byName = new Map(parameter.choices.map((c, i) => [c.name, i] as const));
      // A SMILES two choices share (one molecule from two suppliers) names neither: only their names do.
      const bySmiles = new Map<string, number>();
      parameter.choices.forEach((c, i) => bySmiles.set(c.smiles, bySmiles.has(c.smiles) ? -1 : i));
      // A table repeats the same few molecules thousands of times: resolve each text once.
      const seen = new Map<string, number>();
      return (value) => {
        const text = String(value).trim();
        const named = byName.get(text);
        if (named !== undefined) return named;
        let code = seen.get(text);
        if (code === undefined) {
          const smiles = canonicalOrNull(text);
          code = smiles === null ? -1 : (bySmiles.get(smiles) ?? -1);
          seen.set(text, code);
        }
        return code;
      };
    }
    case 'numeric':
      return (value) => {
        const text = String(value).trim();
        const number = typeof value === 'number' ? value : text === '' ? Number.NaN : Number(text);
        if (!Number.isFinite(number)) return -1;
        return parameter.values.findIndex((v) => sameNumber(v, number));
      };
    case 'categorical':
      return (value) => parameter.values.indexOf(String(value).trim());
    case 'continuous':
      throw new RangeError(`parameter ${parameter.name} is continuous: its values are numbers in a range, not choices`);
  }
}
