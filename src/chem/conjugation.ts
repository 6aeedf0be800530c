// Bond conjugation as RDKit perceives it (MolOps::setConjugation in
// Code/GraphMol/ConjugHybrid.cpp, with MolOps::countAtomElec from
// Aromaticity.cpp). RDKit.js exposes neither Bond.GetIsConjugated() nor a
// SMARTS primitive for it, so the rule is ported here over the JSON topology:
//
//   aromatic bonds are conjugated; otherwise, around every candidate atom with
//   2–3 substituents, a multiple/aromatic bond and any other bond to a
//   candidate neighbour with at most 3 substituents are both conjugated.
//   A candidate has π electrons to offer (countAtomElec > 0) and, beyond the
//   first row, is not a group 15/16 element unless it is a terminal chalcogen
//   (RDKit Issue211: otherwise the C–P bond of phenylphosphine would be
//   conjugated and P made sp2).
//
// RDKit's hybridisation depends on this (an sp3-looking atom next to a
// conjugated bond becomes sp2), which the tests use to check the port.
import { element } from './elements.js';
import { DATIVE_BOND_ORDER, incidentBonds, otherAtom, type MolTopology, type TopologyBond } from './topology.js';

export function perceiveConjugation(topology: MolTopology): boolean[] {
  const incident = incidentBonds(topology);
  const conjugated = topology.bonds.map((bond) => bond.aromatic);

  const totalDegree = (atom: number): number =>
    (incident[atom]?.length ?? 0) + (topology.atoms[atom]?.hydrogens ?? 0);

  // RDKit's countAtomElec: electrons the atom could donate to a π system.
  // (RDKit caps values above 1 at 1 for triple-bonded atoms; only the sign matters here.)
  const donatableElectrons = (atomIndex: number): number => {
    const atom = topology.atoms[atomIndex]!;
    const { defaultValence, outerElectrons } = element(atom.atomicNumber);
    if (defaultValence <= 1) return -1; // univalent elements (and metals, "any" valence) never conjugate
    let degree = totalDegree(atomIndex);
    for (const bondIndex of incident[atomIndex] ?? []) {
      if (Math.round(valenceContribution(topology.bonds[bondIndex]!, atomIndex)) === 0) degree--;
    }
    if (degree > 3) return -1;
    const lonePairElectrons = Math.max(outerElectrons - defaultValence - atom.formalCharge, 0);
    return defaultValence - degree + lonePairElectrons - atom.radicalElectrons;
  };

  const isCandidate = (atomIndex: number): boolean => {
    const { atomicNumber } = topology.atoms[atomIndex]!;
    const outer = element(atomicNumber).outerElectrons;
    const allowedElement =
      atomicNumber <= 10 || (outer !== 5 && outer !== 6) || (outer === 6 && totalDegree(atomIndex) < 2);
    return allowedElement && donatableElectrons(atomIndex) > 0;
  };

  topology.atoms.forEach((_, atomIndex) => {
    if (!isCandidate(atomIndex)) return;
    const substituents = totalDegree(atomIndex);
    if (substituents < 2 || substituents > 3) return;
    const bonds = incident[atomIndex] ?? [];
    for (const multipleBond of bonds) {
      if (valenceContribution(topology.bonds[multipleBond]!, atomIndex) < 1.5) continue;
      for (const otherBond of bonds) {
        if (otherBond === multipleBond) continue;
        const neighbour = otherAtom(topology.bonds[otherBond]!, atomIndex);
        if (totalDegree(neighbour) > 3) continue;
        if (isCandidate(neighbour)) {
          conjugated[multipleBond] = true;
          conjugated[otherBond] = true;
        }
      }
    }
  });
  return conjugated;
}

/** RDKit's Bond::getValenceContrib: aromatic 1.5; a dative bond counts only for its acceptor (end) atom. */
export function valenceContribution(bond: TopologyBond, atomIndex: number): number {
  if (bond.aromatic) return 1.5;
  if (bond.order === DATIVE_BOND_ORDER) return atomIndex === bond.end ? 1 : 0;
  return bond.order >= 1 && bond.order <= 6 ? bond.order : 0;
}
