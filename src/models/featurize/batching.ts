/**
 * Molecular graphs as a padded batch for dense message passing: every molecule padded to the
 * largest atom and edge count in the batch, connectivity as 0/1 matrices, so that one batched
 * matrix product moves all messages. Padded atoms and edges have zero features, no connections,
 * and a zero mask, so they change nothing (the tests check that).
 */
import { ATOM_FDIM, BOND_FDIM } from '../../chem/index.js';
import { packGraphs } from './graph-pack.js';

export interface PaddedGraphBatch {
  batch: number;
  maxAtoms: number;
  maxEdges: number;
  /** batch × maxAtoms × ATOM_FDIM */
  atomFeatures: Float32Array;
  /** batch × maxEdges × BOND_FDIM */
  edgeBondFeatures: Float32Array;
  /** batch × maxEdges × maxAtoms: 1 where the edge leaves the atom (gathers source atoms onto edges) */
  edgeFromAtom: Float32Array;
  /** batch × maxAtoms × maxEdges: 1 where the edge enters the atom (sums incoming messages) */
  atomFromEdge: Float32Array;
  /** batch × maxEdges × maxEdges: 1 at (e, reverse of e) */
  reverseEdge: Float32Array;
  /** batch × maxAtoms: 1 for real atoms */
  atomMask: Float32Array;
  /** per molecule: real atom count */
  atomCount: Int32Array;
}

/**
 * Pads the graphs of `smiles`. `minAtoms`/`minEdges` pad further than needed, which the tests use
 * to show that padding is inert.
 */
export function padGraphs(smiles: readonly string[], options: { minAtoms?: number; minEdges?: number } = {}): PaddedGraphBatch {
  const batch = smiles.length;
  const graphs = smiles.map((s) => packGraphs([s]));
  const maxAtoms = Math.max(options.minAtoms ?? 1, ...graphs.map((g) => g.numAtoms));
  const maxEdges = Math.max(options.minEdges ?? 1, ...graphs.map((g) => g.numEdges));
  const out: PaddedGraphBatch = {
    batch,
    maxAtoms,
    maxEdges,
    atomFeatures: new Float32Array(batch * maxAtoms * ATOM_FDIM),
    edgeBondFeatures: new Float32Array(batch * maxEdges * BOND_FDIM),
    edgeFromAtom: new Float32Array(batch * maxEdges * maxAtoms),
    atomFromEdge: new Float32Array(batch * maxAtoms * maxEdges),
    reverseEdge: new Float32Array(batch * maxEdges * maxEdges),
    atomMask: new Float32Array(batch * maxAtoms),
    atomCount: new Int32Array(batch),
  };
  graphs.forEach((g, b) => {
    out.atomCount[b] = g.numAtoms;
    out.atomFeatures.set(g.atomFeatures, b * maxAtoms * ATOM_FDIM);
    out.edgeBondFeatures.set(g.edgeBondFeatures, b * maxEdges * BOND_FDIM);
    out.atomMask.fill(1, b * maxAtoms, b * maxAtoms + g.numAtoms);
    for (let e = 0; e < g.numEdges; e++) {
      const source = g.edgeSource[e]!;
      const target = g.edgeTarget[e]!;
      out.edgeFromAtom[(b * maxEdges + e) * maxAtoms + source] = 1;
      out.atomFromEdge[(b * maxAtoms + target) * maxEdges + e] = 1;
      out.reverseEdge[(b * maxEdges + e) * maxEdges + g.edgeReverse[e]!] = 1;
    }
  });
  return out;
}
