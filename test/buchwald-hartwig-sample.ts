// A seeded sample of the examples' Buchwald–Hartwig table as model inputs, for the surrogate tests
// that fit a GP on real reactions.
import { join } from 'node:path';
import { canonicalSmiles, initChem } from '../src/chem/index.js';
import type { ReactionInput } from '../src/models/index.js';
import { readCsv } from '../src/util/csv.js';
import { rngFor, shuffled } from '../src/util/random.js';
import { EXAMPLES } from './helpers.js';

/** The table's four roles and the columns holding their SMILES. */
export const BUCHWALD_HARTWIG_ROLES = { aryl_halide: 'aryl_halide_smiles', ligand: 'ligand_smiles', base: 'base_smiles', additive: 'additive_smiles' };

/** `count` reactions in the order rngFor(seed, label) shuffles the rows into: canonical SMILES per role, and their yields. */
export async function buchwaldHartwigSample(seed: number, label: string, count: number): Promise<{ inputs: ReactionInput[]; yields: number[] }> {
  await initChem();
  const { rows } = await readCsv(join(EXAMPLES, 'data', 'buchwald_hartwig_3955.csv'));
  const order = shuffled(rows.map((_, i) => i), rngFor(seed, label)).slice(0, count);
  return {
    inputs: order.map((i) => ({
      substances: Object.fromEntries(Object.entries(BUCHWALD_HARTWIG_ROLES).map(([role, column]) => [role, canonicalSmiles(rows[i]![column]!)])),
      conditions: {},
    })),
    yields: order.map((i) => Number(rows[i]!.yield)),
  };
}
