// A plain-data view of an RDKit molecule, read from RDKit.js's `get_json()`
// (commonchem/"rdkitjson" with RDKit's representation extension). RDKit.js has
// no per-atom accessors, so this JSON is how atom and bond facts leave the wasm
// heap. Bond orders in it are Kekulé; aromaticity comes from the extension's
// aromaticAtoms/aromaticBonds lists.
import type { RDKitMol } from './rdkit.js';

export type AtomChirality = 'unspecified' | 'cw' | 'ccw' | 'other';
export type BondStereoLabel = 'unspecified' | 'cis' | 'trans' | 'either';

export interface TopologyAtom {
  atomicNumber: number;
  /** implicit plus bracket hydrogens, i.e. RDKit's GetTotalNumHs() (H atoms kept in the graph are separate atoms) */
  hydrogens: number;
  formalCharge: number;
  radicalElectrons: number;
  isotope: number;
  chirality: AtomChirality | string;
  aromatic: boolean;
}

export interface TopologyBond {
  begin: number;
  end: number;
  /** RDKit bond-type number as written in the JSON: 0 zero-order, 1–3 Kekulé orders, 17 dative, … */
  order: number;
  aromatic: boolean;
  stereo: BondStereoLabel | string;
  /** the reference neighbours `stereo` (cis/trans) refers to */
  stereoAtoms?: readonly [number, number];
}

export interface MolTopology {
  atoms: TopologyAtom[];
  bonds: TopologyBond[];
  /** RDKit's CIP-like ranks (higher = higher priority); present when stereo perception needed them */
  cipRanks?: number[];
}

export const DATIVE_BOND_ORDER = 17;

export function readTopology(mol: RDKitMol): MolTopology {
  return topologyFromRdkitJson(mol.get_json());
}

interface RawAtom {
  z?: number;
  impHs?: number;
  chg?: number;
  nRad?: number;
  isotope?: number;
  stereo?: string;
}

interface RawBond {
  bo?: number;
  atoms?: number[];
  stereo?: string;
  stereoAtoms?: number[];
}

interface RawExtension {
  name?: string;
  aromaticAtoms?: number[];
  aromaticBonds?: number[];
  cipRanks?: number[];
}

interface RawDocument {
  defaults?: { atom?: RawAtom; bond?: RawBond };
  molecules?: { atoms?: RawAtom[]; bonds?: RawBond[]; extensions?: RawExtension[] }[];
}

export function topologyFromRdkitJson(json: string): MolTopology {
  const document = JSON.parse(json) as RawDocument;
  const molecule = document.molecules?.[0];
  if (!molecule) return { atoms: [], bonds: [] };

  // Fields equal to the document defaults are omitted per atom/bond.
  const atomDefaults: Required<RawAtom> = {
    z: 6, impHs: 0, chg: 0, nRad: 0, isotope: 0, stereo: 'unspecified',
    ...document.defaults?.atom,
  };
  const bondDefaults = { bo: 1, stereo: 'unspecified', ...document.defaults?.bond };

  const representation = molecule.extensions?.find((e) => e.name === 'rdkitRepresentation');
  const aromaticAtoms = new Set(representation?.aromaticAtoms ?? []);
  const aromaticBonds = new Set(representation?.aromaticBonds ?? []);

  const atoms = (molecule.atoms ?? []).map((raw, index): TopologyAtom => {
    const atom = { ...atomDefaults, ...raw };
    return {
      atomicNumber: atom.z,
      hydrogens: atom.impHs,
      formalCharge: atom.chg,
      radicalElectrons: atom.nRad,
      isotope: atom.isotope,
      chirality: atom.stereo,
      aromatic: aromaticAtoms.has(index),
    };
  });

  const bonds = (molecule.bonds ?? []).map((raw, index): TopologyBond => {
    const bond = { ...bondDefaults, ...raw };
    const [begin, end] = bond.atoms ?? [];
    if (begin === undefined || end === undefined) throw new Error(`RDKit JSON bond ${index} lacks its atoms`);
    const [refBegin, refEnd] = bond.stereoAtoms ?? [];
    return {
      begin,
      end,
      order: bond.bo,
      aromatic: aromaticBonds.has(index),
      stereo: bond.stereo,
      ...(refBegin !== undefined && refEnd !== undefined ? { stereoAtoms: [refBegin, refEnd] as const } : {}),
    };
  });

  return { atoms, bonds, ...(representation?.cipRanks ? { cipRanks: representation.cipRanks } : {}) };
}

/** For each atom, the indices of its bonds. */
export function incidentBonds(topology: MolTopology): number[][] {
  const incident = topology.atoms.map((): number[] => []);
  topology.bonds.forEach((bond, index) => {
    incident[bond.begin]?.push(index);
    incident[bond.end]?.push(index);
  });
  return incident;
}

export function otherAtom(bond: TopologyBond, atomIndex: number): number {
  return bond.begin === atomIndex ? bond.end : bond.begin;
}
