/**
 * The ranker: a graph network that scores every candidate outcome of a reaction, in the spirit of
 * Coley et al. 2017's edit-based ranker with learned atom environments in place of hand-made ones.
 * Reactants (reagents included) are encoded by directed-bond message passing; each changed bond is
 * described by its two atoms' states and its old and new order, each changed atom by its state and
 * its hydrogen/charge change; a candidate is the sum of its changes plus the reaction's context,
 * its template's precedent and a learned embedding of frequent templates. Scores are compared with
 * a softmax over the reaction's candidates. Gathers and sums are SparseSum products, so the wasm
 * backend runs training and inference.
 */
import * as tf from '@tensorflow/tfjs';
import type { MolecularGraph } from '../../chem/index.js';
import { packMolecularGraphs } from '../featurize/graph-pack.js';
import { SparseGraphLayout } from '../graph-layout.js';
import { addMpnnParameters, encodeAtoms, type MpnnConfig } from '../mpnn.js';
import { linear } from '../ops.js';
import { Parameters } from '../params.js';
import { SparseSum } from '../sparse.js';
import type { Rng } from '../../util/random.js';
import { BOND_ORDER_SLOTS, CHARGE_DELTAS, HYDROGEN_DELTAS, NUMERIC_FEATURES, type CandidateFeatures } from './ranker-features.js';

export interface RankerConfig extends MpnnConfig {
  /** rows of the template embedding (row 0 shared by rare templates) */
  templateSlots: number;
}

export interface RankerExample {
  graph: MolecularGraph;
  candidates: CandidateFeatures[];
  /** for training: which candidates give the recorded product */
  gold?: boolean[];
}

const BOND_ONE_HOT = 2 * BOND_ORDER_SLOTS.length;
const ATOM_ONE_HOT = HYDROGEN_DELTAS.length + CHARGE_DELTAS.length;

/** A row of `size` zeros with ones at two positions (two one-hot codes side by side). */
function twoHot(size: number, first: number, second: number): number[] {
  const row = new Array<number>(size).fill(0);
  row[first] = 1;
  row[second] = 1;
  return row;
}

export function createRankerParameters(config: RankerConfig, rng: Rng): Parameters {
  const params = new Parameters();
  addMpnnParameters(params, config, rng);
  const h = config.hidden;
  params.add('rank/bond_atoms', [h, h], 'glorot', rng);
  params.add('rank/bond_orders', [BOND_ONE_HOT, h], 'glorot', rng);
  params.add('rank/bond_b', [h], 'zeros', rng);
  params.add('rank/atom_state', [h, h], 'glorot', rng);
  params.add('rank/atom_change', [ATOM_ONE_HOT, h], 'glorot', rng);
  params.add('rank/atom_b', [h], 'zeros', rng);
  params.add('rank/context', [h, h], 'glorot', rng);
  params.add('rank/numeric', [NUMERIC_FEATURES, h], 'glorot', rng);
  params.add('rank/template', [config.templateSlots, h], 'glorot', rng);
  params.add('rank/candidate_b', [h], 'zeros', rng);
  params.add('rank/hidden', [h, h], 'glorot', rng);
  params.add('rank/hidden_b', [h], 'zeros', rng);
  params.add('rank/out', [h, 1], 'glorot', rng);
  return params;
}

/** Tensors of one batch of reactions; dispose() when done. */
export class RankerBatch {
  readonly layout: SparseGraphLayout;
  readonly numCandidates: number;
  readonly numReactions: number;
  readonly maxCandidates: number;
  readonly bondU: SparseSum;
  readonly bondV: SparseSum;
  readonly bondToCandidate: SparseSum;
  readonly bondOneHot: tf.Tensor2D;
  readonly atomOf: SparseSum;
  readonly atomToCandidate: SparseSum;
  readonly atomOneHot: tf.Tensor2D;
  readonly reactionToCandidate: SparseSum;
  readonly templateOf: SparseSum;
  readonly numeric: tf.Tensor2D;
  readonly toPadded: SparseSum;
  /** [reactions, maxCandidates]: 0 where a candidate sits, -1e9 elsewhere */
  readonly logMask: tf.Tensor2D;
  /** same, but only gold candidates open (training batches only) */
  readonly logGoldMask?: tf.Tensor2D;
  /** per reaction, the candidate index range in this batch */
  readonly offsets: number[];

  constructor(examples: readonly RankerExample[], templateSlots: number) {
    this.layout = new SparseGraphLayout(packMolecularGraphs(examples.map((e) => e.graph)));
    this.numReactions = examples.length;
    this.maxCandidates = Math.max(1, ...examples.map((e) => e.candidates.length));
    const bondU: number[] = [];
    const bondV: number[] = [];
    const bondCandidate: number[] = [];
    const bondOneHot: number[] = [];
    const atomIndex: number[] = [];
    const atomCandidate: number[] = [];
    const atomOneHot: number[] = [];
    const candidateReaction: number[] = [];
    const templateSlot: number[] = [];
    const numeric: number[] = [];
    const paddedSlot: number[] = [];
    const mask = new Float32Array(examples.length * this.maxCandidates).fill(-1e9);
    const goldMask = new Float32Array(examples.length * this.maxCandidates).fill(-1e9);
    this.offsets = [];
    let atomBase = 0;
    let candidate = 0;
    examples.forEach((example, r) => {
      this.offsets.push(candidate);
      example.candidates.forEach((features, k) => {
        for (const [u, v, oldSlot, newSlot] of features.bonds) {
          bondU.push(atomBase + u);
          bondV.push(atomBase + v);
          bondCandidate.push(candidate);
          bondOneHot.push(...twoHot(BOND_ONE_HOT, oldSlot, BOND_ORDER_SLOTS.length + newSlot));
        }
        for (const [a, hSlot, qSlot] of features.atoms) {
          atomIndex.push(atomBase + a);
          atomCandidate.push(candidate);
          atomOneHot.push(...twoHot(ATOM_ONE_HOT, hSlot, HYDROGEN_DELTAS.length + qSlot));
        }
        candidateReaction.push(r);
        templateSlot.push(Math.min(features.templateSlot, templateSlots - 1));
        numeric.push(...features.numeric);
        paddedSlot.push(r * this.maxCandidates + k);
        mask[r * this.maxCandidates + k] = 0;
        if (example.gold?.[k]) goldMask[r * this.maxCandidates + k] = 0;
        candidate++;
      });
      atomBase += example.graph.numAtoms;
    });
    this.numCandidates = candidate;
    const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
    const atoms = this.layout.atomFeatures.shape[0];
    this.bondU = new SparseSum(bondU.length, atoms, range(bondU.length), Int32Array.from(bondU));
    this.bondV = new SparseSum(bondV.length, atoms, range(bondV.length), Int32Array.from(bondV));
    this.bondToCandidate = new SparseSum(candidate, bondU.length, Int32Array.from(bondCandidate), range(bondU.length));
    this.bondOneHot = tf.tensor2d(bondOneHot, [bondU.length, BOND_ONE_HOT]);
    this.atomOf = new SparseSum(atomIndex.length, atoms, range(atomIndex.length), Int32Array.from(atomIndex));
    this.atomToCandidate = new SparseSum(candidate, atomIndex.length, Int32Array.from(atomCandidate), range(atomIndex.length));
    this.atomOneHot = tf.tensor2d(atomOneHot, [atomIndex.length, ATOM_ONE_HOT]);
    this.reactionToCandidate = new SparseSum(candidate, examples.length, range(candidate), Int32Array.from(candidateReaction));
    this.templateOf = new SparseSum(candidate, templateSlots, range(candidate), Int32Array.from(templateSlot));
    this.numeric = tf.tensor2d(numeric, [candidate, NUMERIC_FEATURES]);
    this.toPadded = new SparseSum(examples.length * this.maxCandidates, candidate, Int32Array.from(paddedSlot), range(candidate));
    this.logMask = tf.tensor2d(mask, [examples.length, this.maxCandidates]);
    if (examples.some((e) => e.gold)) this.logGoldMask = tf.tensor2d(goldMask, [examples.length, this.maxCandidates]);
  }

  dispose(): void {
    this.layout.dispose();
    for (const s of [this.bondU, this.bondV, this.bondToCandidate, this.atomOf, this.atomToCandidate, this.reactionToCandidate, this.templateOf, this.toPadded]) s.dispose();
    for (const t of [this.bondOneHot, this.atomOneHot, this.numeric, this.logMask, this.logGoldMask]) t?.dispose();
  }
}

/** Candidate scores (logits) [numCandidates, 1]. */
export function scoreCandidates(params: Parameters, config: RankerConfig, batch: RankerBatch): tf.Tensor2D {
  return tf.tidy(() => {
    const p = (name: string) => params.get(name);
    const states = encodeAtoms(params, config, batch.layout) as tf.Tensor2D;
    const context = batch.layout.readout(states);
    const bondAtoms = tf.add(batch.bondU.apply(states), batch.bondV.apply(states));
    const bondVectors = tf.relu(tf.add(tf.add(linear(bondAtoms, p('rank/bond_atoms')), linear(batch.bondOneHot, p('rank/bond_orders'), undefined, true)), p('rank/bond_b')));
    const atomVectors = tf.relu(
      tf.add(tf.add(linear(batch.atomOf.apply(states), p('rank/atom_state')), linear(batch.atomOneHot, p('rank/atom_change'), undefined, true)), p('rank/atom_b')),
    );
    const candidate = tf.relu(
      tf.addN([
        batch.bondToCandidate.apply(bondVectors as tf.Tensor2D),
        batch.atomToCandidate.apply(atomVectors as tf.Tensor2D),
        linear(batch.reactionToCandidate.apply(context), p('rank/context')),
        linear(batch.numeric, p('rank/numeric'), undefined, true),
        batch.templateOf.apply(p('rank/template') as tf.Tensor2D),
        tf.broadcastTo(p('rank/candidate_b'), [batch.numCandidates, config.hidden]),
      ]),
    );
    const hidden = tf.relu(tf.add(linear(candidate, p('rank/hidden')), p('rank/hidden_b')));
    return linear(hidden, p('rank/out')) as tf.Tensor2D;
  });
}

/** Mean over reactions of −log P(gold), P = softmax over each reaction's candidates. */
export function rankingLoss(scores: tf.Tensor2D, batch: RankerBatch): tf.Scalar {
  return tf.tidy(() => {
    if (!batch.logGoldMask) throw new Error('rankingLoss needs a training batch (gold labels)');
    const padded = tf.reshape(batch.toPadded.apply(scores), [batch.numReactions, batch.maxCandidates]);
    const all = tf.logSumExp(tf.add(padded, batch.logMask), 1);
    const gold = tf.logSumExp(tf.add(padded, batch.logGoldMask), 1);
    return tf.mean(tf.sub(all, gold)) as tf.Scalar;
  });
}
