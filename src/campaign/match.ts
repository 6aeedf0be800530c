import { canonicalOrNull } from '../chem/index.js';
import { choiceMatcher, valueAt, type Parameter } from '../planner/parameters.js';
import type { ParameterInfo } from './types.js';

export type ChoiceValue = string | number;

/**
 * The planner's view of a file's parameter: substances carry canonical SMILES. An invalid SMILES
 * (reported by the chemistry checks) gets a text no canonical SMILES equals, so it matches no cell.
 */
export function plannerParameter(param: ParameterInfo): Parameter {
  switch (param.kind) {
    case 'substance':
      return {
        kind: 'substance',
        name: param.name,
        choices: param.choices.map((name) => {
          const raw = param.smiles[name] ?? '';
          return { name, smiles: canonicalOrNull(raw) ?? `\u0000invalid ${raw}` };
        }),
      };
    case 'numeric':
      if (param.continuous) return { kind: 'continuous', name: param.name, ...param.continuous, ...(param.unit !== undefined ? { unit: param.unit } : {}) };
      return { kind: 'numeric', name: param.name, values: param.choices, ...(param.unit !== undefined ? { unit: param.unit } : {}) };
    case 'categorical':
      return { kind: 'categorical', name: param.name, values: param.choices };
  }
}

/** The matching rule shared by space.scope, lab.columns and the search space itself (planner's
 * choiceMatcher): returns the choice name (substances, categorical) or the number (numeric), or
 * undefined when the cell matches nothing. initChem must have been awaited. */
export function cellMatcher(param: ParameterInfo): (cell: string) => ChoiceValue | undefined {
  const parameter = plannerParameter(param);
  const match = choiceMatcher(parameter);
  return (cell) => {
    const code = match(cell);
    return code < 0 ? undefined : valueAt(parameter, code);
  };
}
