/**
 * Substances as the forward model's message-passing encoder sees them (issue 14: a kernel on
 * graph embeddings pre-trained on the reaction corpus). The shipped forward model
 * (models/forward-uspto15k.athm.gz) learned its directed-bond MPNN by ranking the outcomes of
 * USPTO-15K reactions, so its atom states encode what makes an atom react, not only what it is
 * bonded to. A molecule's embedding is the mean of its atom states (the encoder's own readout),
 * computed once per molecule. Two substances are compared by cosine distance: the states come out
 * of a ReLU, so the cosine lies in [0, 1] and the distance has the range of 1 − Tanimoto, the
 * default view's. A substance the encoder cannot read (the empty "none" choice, a SMILES RDKit
 * refuses) is its own kind: at distance 0 from itself and 1 from everything else.
 */
import { SmilesError } from '../../chem/index.js';
import { readForwardModel, type ForwardModelData } from '../forward/model-file.js';
import { SparseGraphLayout } from '../graph-layout.js';
import { encodeMolecules } from '../mpnn.js';
import { packGraphs } from './graph-pack.js';
import { MoleculeVectors } from './molecule-vectors.js';

let model: ForwardModelData | undefined;

const FAR = 1;

function embed(smiles: string): Float32Array | null {
  model ??= readForwardModel();
  let layout: SparseGraphLayout | undefined;
  try {
    layout = new SparseGraphLayout(packGraphs([smiles]));
    const pooled = encodeMolecules(model.params, model.header.config, layout);
    const values = pooled.dataSync() as Float32Array;
    pooled.dispose();
    return Float32Array.from(values);
  } catch (error) {
    // a SMILES RDKit cannot read is a substance of its own kind; anything else is a fault to report
    if (error instanceof SmilesError) return null;
    throw error;
  } finally {
    layout?.dispose();
  }
}

const embeddings = new MoleculeVectors(embed);

/** 1 − cosine similarity of the two molecules' pooled encoder states (0 for the same molecule). */
export function reactionEmbeddingDistance(a: string, b: string): number {
  if (a === b) return 0;
  const ea = embeddings.of(a);
  const eb = embeddings.of(b);
  if (!ea || !eb) return FAR;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < ea.length; i++) {
    dot += ea[i]! * eb[i]!;
    na += ea[i]! ** 2;
    nb += eb[i]! ** 2;
  }
  if (na === 0 || nb === 0) return na === nb ? 0 : FAR;
  return Math.max(0, 1 - dot / Math.sqrt(na * nb));
}
