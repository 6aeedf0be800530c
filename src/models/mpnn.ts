/**
 * Directed-bond message passing (D-MPNN, Yang et al. 2019, as in chemprop v2's
 * BondMessagePassing): hidden states live on directed bonds, a bond's message is the sum over the
 * bonds entering its source atom except its own reverse (so information does not bounce straight
 * back), and atom states are read out from the incoming bond states at the end; the molecule
 * embedding is the mean over atoms. Written against GraphLayout, so it runs on the sparse and the
 * dense layouts alike, and needs no kernel the WebAssembly backend lacks.
 */
import * as tf from '@tensorflow/tfjs';
import { ATOM_FDIM, BOND_FDIM } from '../chem/index.js';
import type { Rng } from '../util/random.js';
import type { GraphLayout } from './graph-layout.js';
import { linear } from './ops.js';
import type { Parameters } from './params.js';

export interface MpnnConfig {
  /** width of bond and atom states, and of the molecule embedding */
  hidden: number;
  /** message passing steps (chemprop's default: 3) */
  depth: number;
}

export function addMpnnParameters(params: Parameters, config: MpnnConfig, rng: Rng): void {
  const h = config.hidden;
  // Each weight matrix acting on a concatenation [a; b] is kept as two blocks (W_a, W_b), so the
  // network never concatenates wide tensors, and atom terms are multiplied on the (fewer) atoms
  // before being copied onto edges: S·(X·W) instead of (S·X)·W.
  params.add('mpnn/W_i_atom', [ATOM_FDIM, h], 'glorot', rng);
  params.add('mpnn/W_i_bond', [BOND_FDIM, h], 'glorot', rng);
  params.add('mpnn/W_h', [h, h], 'glorot', rng);
  params.add('mpnn/W_o_atom', [ATOM_FDIM, h], 'glorot', rng);
  params.add('mpnn/W_o_message', [h, h], 'glorot', rng);
  params.add('mpnn/b_o', [h], 'zeros', rng);
}

/**
 * Molecule embeddings [numMolecules, hidden]. `atomFeatures` replaces the layout's own (the
 * attribution code differentiates with respect to it).
 */
export function encodeMolecules(params: Parameters, config: MpnnConfig, layout: GraphLayout, atomFeatures?: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => layout.readout(encodeAtoms(params, config, layout, atomFeatures)));
}

/** Atom states after message passing: [atoms, hidden] (sparse) or [batch, maxAtoms, hidden] (dense). */
export function encodeAtoms(params: Parameters, config: MpnnConfig, layout: GraphLayout, atomFeatures?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const atoms = atomFeatures ?? layout.atomFeatures;
    // atom features are data unless an attribution asks for their gradient
    const atomsAreData = atomFeatures === undefined;
    // h⁰(u→v) = W_i·[x_u; e_uv]   (chemprop: no bias in W_i and W_h)
    const h0 = tf.add(
      layout.atomsToEdges(linear(atoms, params.get('mpnn/W_i_atom'), undefined, atomsAreData)),
      linear(layout.edgeBondFeatures, params.get('mpnn/W_i_bond'), undefined, true),
    );
    let h = tf.relu(h0);
    for (let step = 1; step < config.depth; step++) {
      // m(u→v) = Σ_{w→u} h(w→u) − h(v→u)
      const message = tf.sub(layout.atomsToEdges(layout.edgesToAtoms(h)), layout.reverseEdges(h));
      h = tf.relu(tf.add(h0, linear(message, params.get('mpnn/W_h'))));
    }
    // h_v = relu(W_o·[x_v; Σ_{u→v} h(u→v)] + b_o)
    const incoming = layout.edgesToAtoms(h);
    return tf.relu(
      tf.add(tf.add(linear(atoms, params.get('mpnn/W_o_atom'), undefined, atomsAreData), linear(incoming, params.get('mpnn/W_o_message'))), params.get('mpnn/b_o')),
    );
  });
}
