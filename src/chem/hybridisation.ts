// Atom hybridisation straight from RDKit. RDKit.js has no per-atom accessor for
// it, but RDKit's SMARTS dialect has a hybridisation primitive (^0 = s, ^1 = sp,
// ^2 = sp2, ^3 = sp3, ^4 = sp3d, ^5 = sp3d2) that reads the value RDKit computed
// during sanitisation, so one single-atom query per class recovers it exactly.
// Atoms matching none (dummy atoms, square-planar sp2d, unspecified) are 'other'.
import type { Mol } from '@rdkit/rdkit';
import type { RDKitModule, RDKitMol } from './rdkit.js';
import { requireRdkit } from './runtime.js';

export const HYBRIDISATIONS = ['s', 'sp', 'sp2', 'sp3', 'sp3d', 'sp3d2'] as const;
export type Hybridisation = (typeof HYBRIDISATIONS)[number] | 'other';

const RDKIT_DEFAULT_MAX_MATCHES = 1000;

// Compiled once per RDKit instance and kept for the life of the process.
let queries: { rdkit: RDKitModule; byClass: Mol[] } | undefined;

function hybridisationQueries(): Mol[] {
  const rdkit = requireRdkit();
  if (queries?.rdkit !== rdkit) {
    const byClass = HYBRIDISATIONS.map((name, index) => {
      const query = rdkit.get_qmol(`[^${index}]`);
      if (!query) throw new Error(`RDKit rejected the ${name} hybridisation query [^${index}]`);
      return query;
    });
    queries = { rdkit, byClass };
  }
  return queries.byClass;
}

export function perceiveHybridisation(mol: RDKitMol, atomCount: number): Hybridisation[] {
  const result = new Array<Hybridisation>(atomCount).fill('other');
  if (atomCount === 0) return result;
  // RDKit stops at 1000 matches by default; only bigger molecules pay for a details argument.
  const details = atomCount > RDKIT_DEFAULT_MAX_MATCHES ? JSON.stringify({ maxMatches: atomCount }) : undefined;
  hybridisationQueries().forEach((query, classIndex) => {
    const matches = details ? mol.get_substruct_matches(query, details) : mol.get_substruct_matches(query);
    for (const atom of matchedAtoms(matches)) {
      if (atom < atomCount) result[atom] = HYBRIDISATIONS[classIndex]!;
    }
  });
  return result;
}

function matchedAtoms(matchesJson: string): number[] {
  // RDKit.js returns "{}" rather than "[]" when nothing matches.
  const matches: unknown = JSON.parse(matchesJson);
  if (!Array.isArray(matches)) return [];
  return matches.flatMap((match: { atoms?: number[] }) => match.atoms ?? []);
}
