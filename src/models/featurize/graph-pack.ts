/**
 * Many molecular graphs as one disjoint graph, for sparse message passing: atoms of all molecules
 * stacked, each bond as two directed edges (u→v and v→u, as the directed message passing of
 * chemprop's D-MPNN needs), with index arrays saying which molecule each atom belongs to.
 */
import { ATOM_FDIM, BOND_FDIM, molecularGraph, type MolecularGraph } from '../../chem/index.js';

export interface GraphPack {
  numMolecules: number;
  numAtoms: number;
  numEdges: number;
  /** numAtoms × ATOM_FDIM */
  atomFeatures: Float32Array;
  /** numEdges × BOND_FDIM: the features of the bond each directed edge runs along */
  edgeBondFeatures: Float32Array;
  /** per directed edge: the atom it leaves, the atom it enters, the edge running the other way */
  edgeSource: Int32Array;
  edgeTarget: Int32Array;
  edgeReverse: Int32Array;
  /** per atom: its molecule */
  atomMolecule: Int32Array;
  /** per molecule: index of its first atom, and its atom count */
  atomOffset: Int32Array;
  atomCount: Int32Array;
}

/** Packs the graphs of `smiles` (non-empty canonical SMILES) in the given order. */
export function packGraphs(smiles: readonly string[]): GraphPack {
  return packMolecularGraphs(
    smiles.map((s) => {
      if (s === '') throw new Error('packGraphs: an empty role has no graph; leave it out');
      return molecularGraph(s);
    }),
  );
}

/** Packs already featurised graphs in the given order. */
export function packMolecularGraphs(graphs: readonly MolecularGraph[]): GraphPack {
  const numAtoms = graphs.reduce((n, g) => n + g.numAtoms, 0);
  const numEdges = graphs.reduce((n, g) => n + 2 * g.numBonds, 0);
  const pack: GraphPack = {
    numMolecules: graphs.length,
    numAtoms,
    numEdges,
    atomFeatures: new Float32Array(numAtoms * ATOM_FDIM),
    edgeBondFeatures: new Float32Array(numEdges * BOND_FDIM),
    edgeSource: new Int32Array(numEdges),
    edgeTarget: new Int32Array(numEdges),
    edgeReverse: new Int32Array(numEdges),
    atomMolecule: new Int32Array(numAtoms),
    atomOffset: new Int32Array(graphs.length),
    atomCount: new Int32Array(graphs.length),
  };
  let atomBase = 0;
  let edgeBase = 0;
  graphs.forEach((g, m) => {
    pack.atomOffset[m] = atomBase;
    pack.atomCount[m] = g.numAtoms;
    pack.atomFeatures.set(g.atomFeatures, atomBase * ATOM_FDIM);
    pack.atomMolecule.fill(m, atomBase, atomBase + g.numAtoms);
    for (let b = 0; b < g.numBonds; b++) {
      const u = atomBase + g.bondAtoms[2 * b]!;
      const v = atomBase + g.bondAtoms[2 * b + 1]!;
      const forward = edgeBase + 2 * b;
      const backward = forward + 1;
      const features = g.bondFeatures.subarray(b * BOND_FDIM, (b + 1) * BOND_FDIM);
      pack.edgeBondFeatures.set(features, forward * BOND_FDIM);
      pack.edgeBondFeatures.set(features, backward * BOND_FDIM);
      pack.edgeSource[forward] = u;
      pack.edgeTarget[forward] = v;
      pack.edgeSource[backward] = v;
      pack.edgeTarget[backward] = u;
      pack.edgeReverse[forward] = backward;
      pack.edgeReverse[backward] = forward;
    }
    atomBase += g.numAtoms;
    edgeBase += 2 * g.numBonds;
  });
  return pack;
}
