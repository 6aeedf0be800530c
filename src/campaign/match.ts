import { SmilesError, canonicalSmiles } from '../chem/index.js';
import { sameNumber } from './parameters.js';
import type { ParameterInfo } from './types.js';

export type ChoiceValue = string | number;

/** The matching rule shared by space.scope and lab.columns: a table cell names a choice by its
 * name, by its SMILES (compared in canonical form, so any valid spelling of the molecule works),
 * or, for numeric parameters, by value. Returns the choice name (substances, categorical) or the
 * number (numeric), or undefined when the cell matches nothing. initChem must have been awaited. */
export function cellMatcher(param: ParameterInfo): (cell: string) => ChoiceValue | undefined {
  switch (param.kind) {
    case 'numeric':
      return (cell) => {
        const text = cell.trim();
        const x = Number(text);
        if (text === '' || !Number.isFinite(x)) return undefined;
        return param.choices.find((v) => sameNumber(v, x));
      };
    case 'categorical': {
      const names = new Set(param.choices);
      return (cell) => (names.has(cell.trim()) ? cell.trim() : undefined);
    }
    case 'substance': {
      const names = new Set(param.choices);
      const byCanonical = new Map<string, string>();
      for (const [name, smiles] of Object.entries(param.smiles)) {
        const canonical = tryCanonical(smiles.trim());
        if (canonical !== undefined && !byCanonical.has(canonical)) byCanonical.set(canonical, name);
      }
      // A table repeats the same few molecules thousands of times; canonicalise each text once.
      const seen = new Map<string, string | undefined>();
      return (cell) => {
        const text = cell.trim();
        if (names.has(text)) return text;
        if (!seen.has(text)) {
          const canonical = tryCanonical(text);
          seen.set(text, canonical === undefined ? undefined : byCanonical.get(canonical));
        }
        return seen.get(text);
      };
    }
  }
}

function tryCanonical(smiles: string): string | undefined {
  try {
    return canonicalSmiles(smiles);
  } catch (e) {
    // Only "not a molecule" means "no match"; anything else (chemistry not initialised) is a bug.
    if (e instanceof SmilesError) return undefined;
    throw e;
  }
}
