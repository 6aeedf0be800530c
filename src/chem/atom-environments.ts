/**
 * Which Morgan fingerprint bits each atom accounts for: the bits set only by circular
 * environments that contain the atom. RDKit.js exposes no bit information (Python's bitInfo), so
 * each atom in turn is given an isotope no molecule has (mass 999): the atom's mass is part of
 * the Morgan atom invariants, so the hash of every environment containing the atom changes, and
 * the bits set before and not after are that atom's. A bit that another environment also sets
 * stays set: what an atom accounts for is what the fingerprint loses without it.
 *
 * Atoms are in the order of the canonical SMILES (the order depictions of that SMILES use).
 */
import { BoundedCache } from './cache.js';
import { morganFingerprint } from './fingerprint.js';
import { withMolecule } from './parse.js';
import { useRdkit } from './runtime.js';
import { canonicalSmiles } from './smiles.js';

export interface AtomMorganBits {
  /** the canonical SMILES whose atom order `atoms` follows */
  smiles: string;
  fingerprint: Uint8Array;
  /** per atom: the bits (indices) only its environments set */
  atoms: number[][];
}

const UNUSED_ISOTOPE = 999;
const cache = new BoundedCache<string, AtomMorganBits>(2_000);

/** The molblock with one atom (0-based) given an isotope, as an "M  ISO" property line. */
function withIsotope(molblock: string, atom: number): string {
  const end = molblock.lastIndexOf('M  END');
  return `${molblock.slice(0, end)}M  ISO  1 ${String(atom + 1).padStart(3)} ${String(UNUSED_ISOTOPE).padStart(3)}\n${molblock.slice(end)}`;
}

export function atomMorganBits(smiles: string, radius: number, nBits = 2048): AtomMorganBits {
  const canonical = canonicalSmiles(smiles);
  return cache.getOrCreate(`${canonical}\u0000${radius}\u0000${nBits}`, () => {
    const fingerprint = morganFingerprint(canonical, { radius, nBits });
    if (canonical === '') return { smiles: canonical, fingerprint, atoms: [] };
    const { molblock, count } = withMolecule(canonical, (mol) => ({ molblock: mol.get_molblock(), count: mol.get_num_atoms() }));
    const details = JSON.stringify({ radius, nBits });
    const atoms = useRdkit((rdkit) =>
      Array.from({ length: count }, (_, atom) => {
        const mol = rdkit.get_mol(withIsotope(molblock, atom));
        try {
          if (!mol?.is_valid()) throw new Error(`RDKit could not read back ${canonical} with atom ${atom} labelled`);
          const labelled = mol.get_morgan_fp(details);
          const own: number[] = [];
          for (let bit = 0; bit < nBits; bit++) if (fingerprint[bit] === 1 && labelled[bit] === '0') own.push(bit);
          return own;
        } finally {
          mol?.delete();
        }
      }),
    );
    return { smiles: canonical, fingerprint, atoms };
  });
}
