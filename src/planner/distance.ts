/**
 * Dissimilarity between candidates, for space-filling designs: the mean over parameters of a
 * per-parameter distance in [0, 1] — 1 − Tanimoto of Morgan fingerprints for substances,
 * range-scaled difference for numbers, 0/1 for categories. Per-parameter tables are precomputed,
 * so comparing two candidates costs one lookup per parameter.
 */
import { morganFingerprint, tanimoto } from '../chem/index.js';
import { turnTaker } from '../util/turns.js';
import type { Parameter } from './parameters.js';
import type { SearchSpace } from './space.js';

/** Row i of a parameter's table: the distance of its choice i to each of its choices. */
type TableRow = (i: number) => Float64Array;

/** `fps`: the substances' fingerprints, in choice order. */
function tableRows(parameter: Parameter, fps: readonly Uint8Array[] = []): TableRow {
  switch (parameter.kind) {
    case 'substance': {
      const choices = parameter.choices;
      return (i) =>
        Float64Array.from(fps, (b, j) => {
          if (i === j) return 0;
          const aEmpty = choices[i]?.smiles === '';
          const bEmpty = choices[j]?.smiles === '';
          // "none" is maximally unlike any substance, and two "none"s are the same thing
          if (aEmpty || bEmpty) return aEmpty && bEmpty ? 0 : 1;
          return 1 - tanimoto(fps[i] as Uint8Array, b);
        });
    }
    case 'numeric': {
      const span = Math.max(...parameter.values) - Math.min(...parameter.values) || 1;
      return (i) => Float64Array.from(parameter.values, (b) => Math.abs((parameter.values[i] as number) - b) / span);
    }
    case 'categorical':
      return (i) => Float64Array.from(parameter.values, (_b, j) => (i === j ? 0 : 1));
    case 'continuous':
      throw new Error(`candidate distances are tabulated for listed choices; ${parameter.name} is continuous`);
  }
}

function choiceCount(parameter: Parameter): number {
  if (parameter.kind === 'continuous') throw new Error(`${parameter.name} is continuous`);
  return parameter.kind === 'substance' ? parameter.choices.length : parameter.values.length;
}

export class CandidateDistance {
  private readonly tables: Float64Array[][];

  /** `tables` as build() makes them; without, built here in one go. */
  constructor(
    private readonly space: SearchSpace,
    tables?: Float64Array[][],
  ) {
    this.tables =
      tables ??
      space.parameters.map((p) => {
        const row = tableRows(p, p.kind === 'substance' ? p.choices.map((c) => morganFingerprint(c.smiles)) : []);
        return Array.from({ length: choiceCount(p) }, (_, i) => row(i));
      });
  }

  /**
   * The same distance, built with turns of the event loop between fingerprints and table rows: a
   * molecule new to the process costs RDKit a few ms (tens for the first few), a row of a role
   * with many choices as much, and a campaign starting in the service must not hold its loop.
   */
  static async build(space: SearchSpace): Promise<CandidateDistance> {
    const pause = turnTaker();
    const tables: Float64Array[][] = [];
    for (const p of space.parameters) {
      const fps: Uint8Array[] = [];
      if (p.kind === 'substance') {
        for (const c of p.choices) {
          fps.push(morganFingerprint(c.smiles));
          await pause();
        }
      }
      const row = tableRows(p, fps);
      const rows: Float64Array[] = [];
      for (let i = 0; i < choiceCount(p); i++) {
        rows.push(row(i));
        await pause();
      }
      tables.push(rows);
    }
    return new CandidateDistance(space, tables);
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
