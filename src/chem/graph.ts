// Molecular graphs for message passing, in the spirit of chemprop v2's
// MultiHotAtomFeaturizer / MultiHotBondFeaturizer: heavy atoms are nodes (their
// hydrogens become features), bonds are undirected edges. Atom order is the
// order of the canonical SMILES, so equivalent inputs give identical graphs.
import { BoundedCache } from './cache.js';
import { perceiveConjugation } from './conjugation.js';
import { element } from './elements.js';
import { featureLayout, flag, oneHot, scalar } from './features.js';
import { HYBRIDISATIONS, perceiveHybridisation, type Hybridisation } from './hybridisation.js';
import { normaliseSmilesText, withMolecule } from './parse.js';
import { ringMembership } from './rings.js';
import { canonicalSmiles } from './smiles.js';
import { BOND_STEREOS, perceiveBondStereo, type BondStereo } from './stereo.js';
import { readTopology, type MolTopology } from './topology.js';

/** Bump whenever the meaning of any feature changes, so stored models and caches are invalidated. */
export const FEATURIZER_VERSION = 'athanor-graph-v1';

export interface AtomFacts {
  atomicNumber: number;
  /** heavy neighbours plus hydrogens (RDKit GetTotalDegree, as chemprop uses) */
  totalDegree: number;
  formalCharge: number;
  chirality: string;
  hydrogens: number;
  hybridisation: Hybridisation;
  aromatic: boolean;
  inRing: boolean;
  /** average atomic mass, or the mass number for isotope-labelled atoms */
  mass: number;
}

export type BondType = 'single' | 'double' | 'triple' | 'aromatic' | 'other';

export interface BondFacts {
  type: BondType;
  conjugated: boolean;
  inRing: boolean;
  stereo: BondStereo;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const ATOM_LAYOUT = featureLayout<AtomFacts>([
  oneHot('atomicNumber', range(1, 100), (a) => a.atomicNumber),
  oneHot('degree', range(0, 5), (a) => a.totalDegree),
  oneHot('formalCharge', range(-2, 2), (a) => a.formalCharge),
  oneHot('chirality', ['unspecified', 'cw', 'ccw', 'other'], (a) => a.chirality),
  oneHot('hydrogens', range(0, 4), (a) => a.hydrogens),
  oneHot('hybridisation', HYBRIDISATIONS, (a) => a.hybridisation),
  flag('aromatic', (a) => a.aromatic),
  flag('inRing', (a) => a.inRing),
  scalar('mass/100', (a) => a.mass / 100),
]);

const BOND_LAYOUT = featureLayout<BondFacts>([
  oneHot('type', ['single', 'double', 'triple', 'aromatic'], (b) => b.type),
  flag('conjugated', (b) => b.conjugated),
  flag('inRing', (b) => b.inRing),
  oneHot('stereo', BOND_STEREOS, (b) => b.stereo),
]);

export const ATOM_FDIM = ATOM_LAYOUT.size;
export const BOND_FDIM = BOND_LAYOUT.size;
export const ATOM_FEATURE_SLICES = ATOM_LAYOUT.slices;
export const BOND_FEATURE_SLICES = BOND_LAYOUT.slices;

export interface MolecularGraph {
  smiles: string;
  numAtoms: number;
  numBonds: number;
  /** numAtoms × ATOM_FDIM, row-major */
  atomFeatures: Float32Array;
  /** numBonds × BOND_FDIM, row-major */
  bondFeatures: Float32Array;
  /** numBonds × 2: begin and end atom index of each bond */
  bondAtoms: Int32Array;
  atomSymbols: string[];
}

const graphs = new BoundedCache<string, MolecularGraph>(50_000);

/**
 * The featurised graph of a molecule; '' gives the empty graph. Cached by
 * canonical SMILES: equivalent inputs return the same (frozen) object, so
 * treat its arrays as read-only.
 */
export function molecularGraph(smiles: string): MolecularGraph {
  const canonical = canonicalSmiles(smiles);
  return graphs.getOrCreate(canonical, () =>
    canonical === ''
      ? graphFromFacts('', [], [], [], [])
      : withMolecule(canonical, (mol) => {
          const topology = readTopology(mol);
          return buildGraph(canonical, topology, perceiveHybridisation(mol, topology.atoms.length));
        }),
  );
}

/**
 * The featurised graph with atoms in the order the SMILES writes them (atom maps allowed), for
 * callers that must line atom features up with their own atom indices, such as reaction-centre
 * edits. Not cached: such inputs rarely repeat.
 */
export function molecularGraphAsWritten(smiles: string): MolecularGraph {
  const text = normaliseSmilesText(smiles);
  if (text === '') return graphFromFacts('', [], [], [], []);
  return withMolecule(text, (mol) => {
    const topology = readTopology(mol);
    return buildGraph(text, topology, perceiveHybridisation(mol, topology.atoms.length));
  });
}

function buildGraph(canonical: string, topology: MolTopology, hybridisation: Hybridisation[]): MolecularGraph {
  const rings = ringMembership(topology);
  const conjugated = perceiveConjugation(topology);
  const stereo = perceiveBondStereo(topology);
  const degree = new Array<number>(topology.atoms.length).fill(0);
  for (const bond of topology.bonds) {
    degree[bond.begin]!++;
    degree[bond.end]!++;
  }

  const atoms = topology.atoms.map(
    (atom, i): AtomFacts => ({
      atomicNumber: atom.atomicNumber,
      totalDegree: degree[i]! + atom.hydrogens,
      formalCharge: atom.formalCharge,
      chirality: atom.chirality,
      hydrogens: atom.hydrogens,
      hybridisation: hybridisation[i] ?? 'other',
      aromatic: atom.aromatic,
      inRing: rings.atomInRing[i]!,
      mass: atom.isotope > 0 ? atom.isotope : element(atom.atomicNumber).mass,
    }),
  );
  const bonds = topology.bonds.map(
    (bond, i): BondFacts => ({
      type: bondType(bond.order, bond.aromatic),
      conjugated: conjugated[i]!,
      inRing: rings.bondInRing[i]!,
      stereo: stereo[i]!,
    }),
  );
  return graphFromFacts(
    canonical,
    atoms,
    bonds,
    topology.bonds.map((b) => [b.begin, b.end] as const),
    topology.atoms.map((a) => element(a.atomicNumber).symbol),
  );
}

function bondType(order: number, aromatic: boolean): BondType {
  if (aromatic) return 'aromatic';
  return order === 1 ? 'single' : order === 2 ? 'double' : order === 3 ? 'triple' : 'other';
}

function graphFromFacts(
  smiles: string,
  atoms: AtomFacts[],
  bonds: BondFacts[],
  bondEnds: (readonly [number, number])[],
  atomSymbols: string[],
): MolecularGraph {
  const atomFeatures = new Float32Array(atoms.length * ATOM_FDIM);
  atoms.forEach((facts, i) => ATOM_LAYOUT.encode(facts, atomFeatures, i * ATOM_FDIM));
  const bondFeatures = new Float32Array(bonds.length * BOND_FDIM);
  bonds.forEach((facts, i) => BOND_LAYOUT.encode(facts, bondFeatures, i * BOND_FDIM));
  return Object.freeze({
    smiles,
    numAtoms: atoms.length,
    numBonds: bonds.length,
    atomFeatures,
    bondFeatures,
    bondAtoms: Int32Array.from(bondEnds.flat()),
    atomSymbols: Object.freeze(atomSymbols) as string[],
  });
}
