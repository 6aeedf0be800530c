/**
 * The reaction network: featurizer → message passing → aggregation → predictor, composed as in
 * chemprop v2. Each distinct molecule is encoded once (D-MPNN, mean over atoms); a reaction takes
 * the embedding of the molecule in each role (a role-specific projection, zero for an empty role)
 * plus its encoded conditions; an MLP predicts, per target, a mean and a variance (the aleatoric
 * noise it expects), all in standardised target units.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/random.js';
import type { GraphLayout } from './graph-layout.js';
import { addMpnnParameters, encodeMolecules, type MpnnConfig } from './mpnn.js';
import { linear, matMul } from './ops.js';
import type { Parameters } from './params.js';

export interface ReactionNetConfig {
  roles: number;
  conditionWidth: number;
  targets: number;
  mpnn: MpnnConfig;
  /** widths of the hidden layers of the predictor */
  hidden: number[];
  dropout: number;
}

/** The reactions of one forward pass, as indices into the molecules of a GraphLayout. */
export interface ReactionRows {
  /** per role, per row: molecule index in the layout or -1 (empty role) */
  byRole: Int32Array[];
  /** rows × conditionWidth */
  conditions: Float32Array;
  rows: number;
}

export interface ReactionOutput {
  /** [rows, targets] */
  mean: tf.Tensor2D;
  /** [rows, targets], > 0 */
  variance: tf.Tensor2D;
}

/** Floor of the predicted variance (standardised units): keeps the likelihood finite. */
const MIN_VARIANCE = 1e-4;

export function addReactionParameters(params: Parameters, config: ReactionNetConfig, rng: Rng): void {
  if (config.roles > 0) addMpnnParameters(params, config.mpnn, rng);
  const first = config.hidden[0] ?? 2 * config.targets;
  if (config.roles > 0) {
    // one block of columns per role: [hidden, roles·first]
    params.add('head/W_roles', [config.mpnn.hidden, config.roles * first], 'glorot', rng);
    params.add('head/b_roles', [config.roles * first], 'zeros', rng);
  }
  if (config.conditionWidth > 0) params.add('head/W_conditions', [config.conditionWidth, first], 'glorot', rng);
  params.add('head/b_0', [first], 'zeros', rng);
  let width = first;
  config.hidden.slice(1).forEach((next, i) => {
    params.add(`head/W_${i + 1}`, [width, next], 'glorot', rng);
    params.add(`head/b_${i + 1}`, [next], 'zeros', rng);
    width = next;
  });
  params.add('head/W_out', [width, 2 * config.targets], 'glorot', rng);
  params.add('head/b_out', [2 * config.targets], 'zeros', rng);
}

export interface ForwardOptions {
  /** dropout seed; omit at inference */
  dropoutSeed?: number;
  /** molecule embeddings computed already (inference over many chunks of rows) */
  embeddings?: tf.Tensor2D;
  /** replaces the layout's atom features (attributions differentiate with respect to them) */
  atomFeatures?: tf.Tensor;
}

export function moleculeEmbeddings(params: Parameters, config: ReactionNetConfig, layout: GraphLayout | null, atomFeatures?: tf.Tensor): tf.Tensor2D | null {
  if (!layout || layout.numMolecules === 0) return null;
  return encodeMolecules(params, config.mpnn, layout, atomFeatures);
}

export function forwardReactions(
  params: Parameters,
  config: ReactionNetConfig,
  layout: GraphLayout | null,
  rows: ReactionRows,
  options: ForwardOptions = {},
): ReactionOutput {
  return tf.tidy(() => {
    const first = config.hidden[0] ?? 2 * config.targets;
    let h: tf.Tensor2D = tf.zeros([rows.rows, first]).add(params.get('head/b_0'));
    const embeddings = options.embeddings ?? moleculeEmbeddings(params, config, layout, options.atomFeatures);
    if (config.roles > 0 && embeddings) {
      // Every molecule projected for every role at once: P = E·W_roles + b_roles is
      // [M, roles·first]; read as [M·roles, first], row m·roles + r is molecule m in role r. A
      // one-hot selection [rows, M·roles] then sums each reaction's molecules (empty roles add
      // nothing). Selection by matMul because gather's gradient has no wasm kernel; no concat
      // because its gradient (SplitV) is slow there.
      const m = embeddings.shape[0];
      const selection = new Float32Array(rows.rows * m * config.roles);
      rows.byRole.forEach((indices, r) => {
        indices.forEach((molecule, i) => {
          if (molecule >= 0) selection[i * m * config.roles + molecule * config.roles + r] = 1;
        });
      });
      const projected = tf.reshape(tf.add(matMul(embeddings, params.get('head/W_roles') as tf.Tensor2D), params.get('head/b_roles')), [
        m * config.roles,
        first,
      ]) as tf.Tensor2D;
      h = tf.add(h, matMul(tf.tensor2d(selection, [rows.rows, m * config.roles]), projected, true));
    }
    if (config.conditionWidth > 0) {
      h = tf.add(h, matMul(tf.tensor2d(rows.conditions, [rows.rows, config.conditionWidth]), params.get('head/W_conditions') as tf.Tensor2D, true));
    }
    h = activate(h, config.dropout, options.dropoutSeed, 0);
    config.hidden.slice(1).forEach((_, i) => {
      h = activate(linear(h, params.get(`head/W_${i + 1}`), params.get(`head/b_${i + 1}`)) as tf.Tensor2D, config.dropout, options.dropoutSeed, i + 1);
    });
    const out = linear(h, params.get('head/W_out'), params.get('head/b_out')) as tf.Tensor2D;
    const [mean, rawVariance] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return { mean, variance: tf.add(tf.softplus(rawVariance), MIN_VARIANCE) as tf.Tensor2D };
  });
}

function activate(x: tf.Tensor2D, dropout: number, seed: number | undefined, layer: number): tf.Tensor2D {
  const y = tf.relu(x) as tf.Tensor2D;
  return seed === undefined || dropout <= 0 ? y : (tf.dropout(y, dropout, undefined, seed * 31 + layer) as tf.Tensor2D);
}
