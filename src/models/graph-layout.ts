/**
 * The two tensor layouts message passing runs on, behind one interface so that the network is
 * written once: a sparse packed layout (all molecules as one disjoint graph, SparseSum moves
 * messages; the default, cheapest on every backend) and a dense padded layout (a batch of
 * molecules padded to the same size, batched matMul moves messages; simple and used to check the
 * sparse one).
 */
import * as tf from '@tensorflow/tfjs';
import { ATOM_FDIM, BOND_FDIM } from '../chem/index.js';
import type { PaddedGraphBatch } from './featurize/batching.js';
import type { GraphPack } from './featurize/graph-pack.js';
import { SparseSum } from './sparse.js';

export interface GraphLayout {
  readonly numMolecules: number;
  /** atom features: [atoms, ATOM_FDIM] (sparse) or [batch, maxAtoms, ATOM_FDIM] (dense) */
  readonly atomFeatures: tf.Tensor;
  /** per directed edge, the features of its bond: [edges, BOND_FDIM] or [batch, maxEdges, BOND_FDIM] */
  readonly edgeBondFeatures: tf.Tensor;
  /** each directed edge gets the value of the atom it leaves */
  atomsToEdges(x: tf.Tensor): tf.Tensor;
  /** each atom gets the sum over the directed edges entering it */
  edgesToAtoms(h: tf.Tensor): tf.Tensor;
  /** each directed edge gets the value of its reverse */
  reverseEdges(h: tf.Tensor): tf.Tensor;
  /** mean over each molecule's (real) atoms: [numMolecules, width] */
  readout(atoms: tf.Tensor): tf.Tensor2D;
  dispose(): void;
}

export class SparseGraphLayout implements GraphLayout {
  readonly numMolecules: number;
  readonly atomFeatures: tf.Tensor2D;
  readonly edgeBondFeatures: tf.Tensor2D;
  private readonly toEdges: SparseSum;
  private readonly toAtoms: SparseSum;
  private readonly reverse: SparseSum;
  private readonly toMolecules: SparseSum;
  private readonly inverseCounts: tf.Tensor2D;

  constructor(pack: GraphPack) {
    const { numAtoms, numEdges, numMolecules } = pack;
    this.numMolecules = numMolecules;
    this.atomFeatures = tf.tensor2d(pack.atomFeatures, [numAtoms, ATOM_FDIM]);
    this.edgeBondFeatures = tf.tensor2d(pack.edgeBondFeatures, [numEdges, BOND_FDIM]);
    const edges = Int32Array.from({ length: numEdges }, (_, e) => e);
    const atoms = Int32Array.from({ length: numAtoms }, (_, a) => a);
    this.toEdges = new SparseSum(numEdges, numAtoms, edges, pack.edgeSource);
    this.toAtoms = new SparseSum(numAtoms, numEdges, pack.edgeTarget, edges);
    this.reverse = new SparseSum(numEdges, numEdges, edges, pack.edgeReverse);
    this.toMolecules = new SparseSum(numMolecules, numAtoms, pack.atomMolecule, atoms);
    this.inverseCounts = tf.tensor2d(Float32Array.from(pack.atomCount, (c) => 1 / Math.max(c, 1)), [numMolecules, 1]);
  }

  atomsToEdges(x: tf.Tensor): tf.Tensor {
    return this.toEdges.apply(x as tf.Tensor2D);
  }

  edgesToAtoms(h: tf.Tensor): tf.Tensor {
    return this.toAtoms.apply(h as tf.Tensor2D);
  }

  reverseEdges(h: tf.Tensor): tf.Tensor {
    return this.reverse.apply(h as tf.Tensor2D);
  }

  readout(atoms: tf.Tensor): tf.Tensor2D {
    return tf.mul(this.toMolecules.apply(atoms as tf.Tensor2D), this.inverseCounts);
  }

  dispose(): void {
    for (const t of [this.atomFeatures, this.edgeBondFeatures, this.inverseCounts]) t.dispose();
    for (const s of [this.toEdges, this.toAtoms, this.reverse, this.toMolecules]) s.dispose();
  }
}

export class DenseGraphLayout implements GraphLayout {
  readonly numMolecules: number;
  readonly atomFeatures: tf.Tensor3D;
  readonly edgeBondFeatures: tf.Tensor3D;
  private readonly edgeFromAtom: tf.Tensor3D;
  private readonly atomFromEdge: tf.Tensor3D;
  private readonly reverseEdge: tf.Tensor3D;
  private readonly mask: tf.Tensor3D;
  private readonly inverseCounts: tf.Tensor2D;

  constructor(padded: PaddedGraphBatch) {
    const { batch: b, maxAtoms: a, maxEdges: e } = padded;
    this.numMolecules = b;
    this.atomFeatures = tf.tensor3d(padded.atomFeatures, [b, a, ATOM_FDIM]);
    this.edgeBondFeatures = tf.tensor3d(padded.edgeBondFeatures, [b, e, BOND_FDIM]);
    this.edgeFromAtom = tf.tensor3d(padded.edgeFromAtom, [b, e, a]);
    this.atomFromEdge = tf.tensor3d(padded.atomFromEdge, [b, a, e]);
    this.reverseEdge = tf.tensor3d(padded.reverseEdge, [b, e, e]);
    this.mask = tf.tensor3d(padded.atomMask, [b, a, 1]);
    this.inverseCounts = tf.tensor2d(Float32Array.from(padded.atomCount, (c) => 1 / Math.max(c, 1)), [b, 1]);
  }

  atomsToEdges(x: tf.Tensor): tf.Tensor {
    return tf.matMul(this.edgeFromAtom, x as tf.Tensor3D);
  }

  edgesToAtoms(h: tf.Tensor): tf.Tensor {
    return tf.matMul(this.atomFromEdge, h as tf.Tensor3D);
  }

  reverseEdges(h: tf.Tensor): tf.Tensor {
    return tf.matMul(this.reverseEdge, h as tf.Tensor3D);
  }

  readout(atoms: tf.Tensor): tf.Tensor2D {
    return tf.mul(tf.sum(tf.mul(atoms, this.mask), 1), this.inverseCounts) as tf.Tensor2D;
  }

  dispose(): void {
    for (const t of [this.atomFeatures, this.edgeBondFeatures, this.edgeFromAtom, this.atomFromEdge, this.reverseEdge, this.mask, this.inverseCounts]) {
      t.dispose();
    }
  }
}
