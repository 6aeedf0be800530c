/**
 * Per-atom attributions of a prediction: how much each atom pushes the predicted mean of a target,
 * in target units. Atoms are in the order of the molecule's canonical SMILES (the order
 * molecularGraph uses), so the panel can colour a depiction of that SMILES.
 *
 * - Graph models: gradient × input (Shrikumar et al. 2016) on the atom features, averaged over
 *   the ensemble's members.
 * - The Gaussian process sees molecules only through Morgan fingerprints, so its attributions are
 *   fingerprint occlusions mapped to atoms, as in the similarity maps of Riniker & Landrum
 *   (J. Cheminform. 2013, 5:43): an atom's weight is the predicted mean minus the mean predicted
 *   when the fingerprint loses the bits only that atom's environments set (chem/atom-environments.ts).
 *
 * Other kinds throw a ModelError.
 */
import * as tf from '@tensorflow/tfjs';
import { DeepEnsembleSurrogate } from './ensemble.js';
import { RoutedSurrogate } from './routed.js';
import { reactionArrays } from './featurize/reaction-table.js';
import { SparseGraphLayout } from './graph-layout.js';
import { forwardReactions } from './reaction-model.js';
import { ModelError, type ReactionInput, type Surrogate } from './types.js';
import { GaussianProcessSurrogate } from './gp.js';
import { packBits } from './featurize/similarity.js';
import { atomMorganBits } from '../chem/index.js';

export async function atomAttributions(
  surrogate: Surrogate,
  input: ReactionInput,
  target: string,
): Promise<Record<string, { smiles: string; atoms: number[] }>> {
  // a routed model's graph part is the one with atoms
  const model = surrogate instanceof RoutedSurrogate ? surrogate.graph : surrogate;
  if (model instanceof GaussianProcessSurrogate) return gpAtomAttributions(model, input, target);
  if (!(model instanceof DeepEnsembleSurrogate)) {
    throw new ModelError(`a ${model.kind} model has no atom-level view; atom attributions need a graph model (mpnn-ensemble) or a gp`);
  }
  const schema = model.schema;
  const j = schema.targets.indexOf(target);
  if (j < 0) throw new ModelError(`unknown target ${target}`);
  const arrays = reactionArrays(schema, [input]);
  const out: Record<string, { smiles: string; atoms: number[] }> = {};
  if (arrays.pack.numMolecules === 0) {
    for (const role of schema.roles) out[role] = { smiles: '', atoms: [] };
    return out;
  }
  const layout = new SparseGraphLayout(arrays.pack);
  try {
    const rows = { byRole: arrays.byRole, conditions: arrays.conditions, rows: 1 };
    const perMember = model.withMembers((params, config) =>
      tf.tidy(() => {
        const x = layout.atomFeatures;
        const gradient = tf.grad((atoms: tf.Tensor) => {
          const { mean } = forwardReactions(params, config, layout, rows, { atomFeatures: atoms });
          return tf.sum(tf.slice(mean, [0, j], [1, 1]));
        })(x);
        return tf.sum(tf.mul(gradient, x), 1).dataSync() as Float32Array;
      }),
    arrays.conditionWidth);
    const scale = model.targetScale(target) / perMember.length;
    const total = new Float64Array(arrays.pack.numAtoms);
    for (const contributions of perMember) contributions.forEach((v, a) => (total[a] = total[a]! + v * scale));
    schema.roles.forEach((role, r) => {
      const molecule = arrays.byRole[r]![0]!;
      if (molecule < 0) {
        out[role] = { smiles: '', atoms: [] };
        return;
      }
      const start = arrays.pack.atomOffset[molecule]!;
      const count = arrays.pack.atomCount[molecule]!;
      // a molecule used in two roles is encoded once: its atoms carry both uses
      out[role] = { smiles: arrays.smiles[molecule]!, atoms: Array.from(total.subarray(start, start + count)) };
    });
  } finally {
    layout.dispose();
  }
  return out;
}

/** Fingerprint occlusion per atom for each role's molecule (see the module comment). */
function gpAtomAttributions(model: GaussianProcessSurrogate, input: ReactionInput, target: string): Record<string, { smiles: string; atoms: number[] }> {
  if (!model.schema.targets.includes(target)) throw new ModelError(`unknown target ${target}`);
  const out: Record<string, { smiles: string; atoms: number[] }> = {};
  for (const role of model.schema.roles) {
    const smiles = input.substances[role] ?? '';
    if (smiles === '') {
      out[role] = { smiles: '', atoms: [] };
      continue;
    }
    const bits = atomMorganBits(smiles, model.config.fingerprintRadius);
    const occluded = bits.atoms.map((own) => {
      const masked = bits.fingerprint.slice();
      for (const bit of own) masked[bit] = 0;
      return packBits(masked);
    });
    const { mean, variants } = model.meansWithFingerprints(input, target, role, occluded);
    out[role] = { smiles: bits.smiles, atoms: variants.map((v) => mean - v) };
  }
  return out;
}
