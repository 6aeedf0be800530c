/**
 * Dissimilarity between candidates, for space-filling designs: the mean over parameters of a
 * per-parameter distance in [0, 1] — 1 − Tanimoto of Morgan fingerprints for substances,
 * range-scaled difference for numbers, 0/1 for categories. Per-parameter tables are precomputed,
 * so comparing two candidates costs one lookup per parameter.
 */
import { morganFingerprint, tanimoto } from '../chem/index.js';
import type { Parameter } from './parameters.js';
import type { SearchSpace } from './space.js';

function table(parameter: Parameter): Float64Array[] {
  switch (parameter.kind) {
    case 'substance': {
      const fps = parameter.choices.map((c) => morganFingerprint(c.smiles));
      return fps.map((a, i) =>
        Float64Array.from(fps, (b, j) => {
          if (i === j) return 0;
          const aEmpty = parameter.choices[i]?.smiles === '';
          const bEmpty = parameter.choices[j]?.smiles === '';
          // "none" is maximally unlike any substance, and two "none"s are the same thing
          if (aEmpty || bEmpty) return aEmpty && bEmpty ? 0 : 1;
          return 1 - tanimoto(a, b);
        }),
      );
    }
    case 'numeric': {
      const span = Math.max(...parameter.values) - Math.min(...parameter.values) || 1;
      return parameter.values.map((a) => Float64Array.from(parameter.values, (b) => Math.abs(a - b) / span));
    }
    case 'categorical':
      return parameter.values.map((_, i) => Float64Array.from(parameter.values, (_b, j) => (i === j ? 0 : 1)));
  }
}

export class CandidateDistance {
  private readonly tables: Float64Array[][];

  constructor(private readonly space: SearchSpace) {
    this.tables = space.parameters.map(table);
  }

  between(a: number, b: number): number {
    let sum = 0;
    for (let j = 0; j < this.tables.length; j++) {
      const row = this.tables[j]?.[this.space.code(a, j)];
      sum += row?.[this.space.code(b, j)] ?? 0;
    }
    return sum / this.tables.length;
  }
}
