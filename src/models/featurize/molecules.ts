/**
 * The distinct molecules behind a set of reaction inputs. A campaign has few of them (the
 * Buchwald–Hartwig grid: 44 for 3,955 reactions), so each is encoded once per step and the
 * reactions look their embeddings up.
 */
import type { ReactionInput } from '../types.js';

export interface MoleculeIndex {
  /** distinct non-empty canonical SMILES, in first-seen order */
  smiles: string[];
  /** per role, per input: index into `smiles`, or -1 when the role is empty */
  byRole: Int32Array[];
}

export function indexMolecules(roles: readonly string[], inputs: readonly ReactionInput[]): MoleculeIndex {
  const smiles: string[] = [];
  const position = new Map<string, number>();
  const byRole = roles.map((role) =>
    Int32Array.from(inputs, (input) => {
      const s = input.substances[role] ?? '';
      if (s === '') return -1;
      let i = position.get(s);
      if (i === undefined) {
        i = smiles.length;
        smiles.push(s);
        position.set(s, i);
      }
      return i;
    }),
  );
  return { smiles, byRole };
}
