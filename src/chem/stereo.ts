// Double-bond stereo as E/Z. RDKit's JSON only says cis/trans relative to two
// reference neighbours it happened to pick; E/Z is the reference-free
// descriptor (what legacy RDKit assigns from SMILES and chemprop featurises).
// It follows from the reference atoms and RDKit's CIP ranks: at each end, if
// the reference is not the top-ranked substituent the relation flips.
import { incidentBonds, otherAtom, type MolTopology } from './topology.js';

export const BOND_STEREOS = ['none', 'any', 'Z', 'E', 'cis', 'trans'] as const;
export type BondStereo = (typeof BOND_STEREOS)[number] | 'other';

export function perceiveBondStereo(topology: MolTopology): BondStereo[] {
  const incident = incidentBonds(topology);
  return topology.bonds.map((bond, bondIndex): BondStereo => {
    switch (bond.stereo) {
      case 'unspecified':
        return 'none';
      case 'either':
        return 'any';
      case 'cis':
      case 'trans': {
        const cis = bond.stereo === 'cis';
        if (!bond.stereoAtoms || !topology.cipRanks) return bond.stereo;
        const flipBegin = referenceIsOutranked(topology, incident, bondIndex, bond.begin, bond.stereoAtoms[0]);
        const flipEnd = referenceIsOutranked(topology, incident, bondIndex, bond.end, bond.stereoAtoms[1]);
        if (flipBegin === undefined || flipEnd === undefined) return bond.stereo;
        const topRankedSameSide = flipBegin === flipEnd ? cis : !cis;
        return topRankedSameSide ? 'Z' : 'E';
      }
      default:
        return 'other';
    }
  });
}

/** Whether another substituent of `atom` outranks `reference`; undefined on a tie (no E/Z then). */
function referenceIsOutranked(
  topology: MolTopology,
  incident: number[][],
  doubleBond: number,
  atom: number,
  reference: number,
): boolean | undefined {
  const ranks = topology.cipRanks!;
  const referenceRank = ranks[reference];
  if (referenceRank === undefined) return undefined;
  for (const bondIndex of incident[atom] ?? []) {
    if (bondIndex === doubleBond) continue;
    const neighbour = otherAtom(topology.bonds[bondIndex]!, atom);
    if (neighbour === reference) continue;
    const rank = ranks[neighbour];
    if (rank === undefined || rank === referenceRank) return undefined;
    if (rank > referenceRank) return true;
  }
  // Implicit hydrogens rank below any heavy atom, so the reference wins.
  return false;
}
