/**
 * A variational autoencoder over kekulé SMILES tokens, in tfjs with kernels the WebAssembly
 * backend runs (dense matMul products only: tokens enter as one-hot rows times an embedding, so no
 * gather gradient, which would need UnsortedSegmentSum).
 *
 *   encoder: a bidirectional GRU over the tokens → μ, log σ² of a Gaussian latent z
 *   decoder: a GRU started from z and fed z beside each previous token → logits of the next token,
 *            restricted by the grammar (smiles-grammar.ts) both in training and in decoding
 *
 * The GRUs are written out (one product per step for the recurrent part; the input part of every
 * step in one product) because tfjs's layers API is not used elsewhere and its GRU runs many more
 * small kernels per step.
 */
import * as tf from '@tensorflow/tfjs';
import { linear, matMul } from '../models/ops.js';
import { Parameters } from '../models/params.js';
import type { Rng } from '../util/random.js';

export interface VaeConfig {
  vocabulary: number;
  embedding: number;
  /** width of each direction of the encoder GRU */
  encoderHidden: number;
  decoderHidden: number;
  latent: number;
}

export const DEFAULT_VAE_CONFIG: Omit<VaeConfig, 'vocabulary'> = { embedding: 48, encoderHidden: 128, decoderHidden: 256, latent: 56 };

/** A batch of token sequences, padded: `inputs` start with <start>, `targets` end with <end>. */
export interface TokenBatch {
  /** [B, T] token ids read by the encoder (the molecule's tokens, then <end>, then padding) */
  targets: Int32Array;
  /** [B, T] decoder inputs: <start>, then the targets shifted by one */
  inputs: Int32Array;
  /** [B, T] 1 at real positions (tokens and <end>), 0 at padding */
  present: Float32Array;
  /** [B, T, V] 1 where the grammar allows the token at that position */
  allowed: Float32Array;
  batch: number;
  steps: number;
}

const MASKED_LOGIT = -1e4;

export class VaeNetwork {
  readonly params = new Parameters();

  constructor(
    readonly config: VaeConfig,
    rng: Rng,
  ) {
    const { vocabulary: v, embedding: e, encoderHidden: he, decoderHidden: hd, latent: l } = config;
    const p = this.params;
    p.add('embed', [v, e], 'glorot', rng);
    for (const dir of ['fwd', 'bwd']) {
      p.add(`enc_${dir}_wx`, [e, 3 * he], 'glorot', rng);
      p.add(`enc_${dir}_wh`, [he, 3 * he], 'glorot', rng);
      p.add(`enc_${dir}_b`, [3 * he], 'zeros', rng);
    }
    p.add('mu_w', [2 * he, l], 'glorot', rng);
    p.add('mu_b', [l], 'zeros', rng);
    p.add('logvar_w', [2 * he, l], 'glorot', rng);
    p.add('logvar_b', [l], 'zeros', rng);
    p.add('init_w', [l, hd], 'glorot', rng);
    p.add('init_b', [hd], 'zeros', rng);
    p.add('dec_wx', [e, 3 * hd], 'glorot', rng);
    p.add('dec_wz', [l, 3 * hd], 'glorot', rng);
    p.add('dec_wh', [hd, 3 * hd], 'glorot', rng);
    p.add('dec_b', [3 * hd], 'zeros', rng);
    p.add('out_w', [hd, v], 'glorot', rng);
    p.add('out_b', [v], 'zeros', rng);
  }

  /** [B*T, E] embeddings of token ids. */
  private embed(ids: Int32Array): tf.Tensor2D {
    const oneHot = tf.oneHot(tf.tensor1d(ids, 'int32'), this.config.vocabulary).toFloat() as tf.Tensor2D;
    return matMul(oneHot, this.params.get('embed') as tf.Tensor2D, true);
  }

  /** One GRU step: x part already projected ([B, 3H] incl. bias), h [B, H]. */
  private gruStep(xProjected: tf.Tensor2D, h: tf.Tensor2D, wh: tf.Tensor2D, hidden: number): tf.Tensor2D {
    const hp = matMul(h, wh);
    const [xr, xu, xn] = tf.split(xProjected, [hidden, hidden, hidden], 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const [hr, hu, hn] = tf.split(hp, [hidden, hidden, hidden], 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const reset = tf.sigmoid(tf.add(xr, hr));
    const update = tf.sigmoid(tf.add(xu, hu));
    const candidate = tf.tanh(tf.add(xn, tf.mul(reset, hn)));
    return tf.add(candidate, tf.mul(update, tf.sub(h, candidate))) as tf.Tensor2D;
  }

  /** Runs one encoder direction; padded steps keep the state. */
  private encodeDirection(embedded: tf.Tensor2D, present: tf.Tensor2D, batch: number, steps: number, dir: 'fwd' | 'bwd'): tf.Tensor2D {
    const hidden = this.config.encoderHidden;
    const projected = tf.reshape(linear(embedded, this.params.get(`enc_${dir}_wx`), this.params.get(`enc_${dir}_b`)), [batch, steps, 3 * hidden]);
    const perStep = tf.unstack(projected, 1) as tf.Tensor2D[];
    const masks = tf.unstack(tf.expandDims(present, 2), 1) as tf.Tensor2D[];
    const wh = this.params.get(`enc_${dir}_wh`) as tf.Tensor2D;
    let h = tf.zeros([batch, hidden]) as tf.Tensor2D;
    const order = dir === 'fwd' ? perStep.map((_, t) => t) : perStep.map((_, t) => steps - 1 - t);
    for (const t of order) {
      const next = this.gruStep(perStep[t]!, h, wh, hidden);
      h = tf.add(h, tf.mul(masks[t]!, tf.sub(next, h))) as tf.Tensor2D;
    }
    return h;
  }

  /** μ and log σ² of each molecule's latent: [B, L] each. */
  encode(tokens: Int32Array, present: Float32Array, batch: number, steps: number): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    const embedded = this.embed(tokens);
    const mask = tf.tensor2d(present, [batch, steps]);
    const both = tf.concat([this.encodeDirection(embedded, mask, batch, steps, 'fwd'), this.encodeDirection(embedded, mask, batch, steps, 'bwd')], 1);
    return {
      mu: linear(both, this.params.get('mu_w'), this.params.get('mu_b')) as tf.Tensor2D,
      logvar: linear(both, this.params.get('logvar_w'), this.params.get('logvar_b')) as tf.Tensor2D,
    };
  }

  /** The decoder's first state for latents z [B, L]. */
  initialState(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tanh(linear(z, this.params.get('init_w'), this.params.get('init_b'))) as tf.Tensor2D;
  }

  /** z's share of every decoder step's input projection (with the bias): [B, 3H]. */
  latentInput(z: tf.Tensor2D): tf.Tensor2D {
    return linear(z, this.params.get('dec_wz'), this.params.get('dec_b')) as tf.Tensor2D;
  }

  /** One decoding step for a batch: previous tokens → new state and logits [B, V]. */
  decodeStep(previous: Int32Array, h: tf.Tensor2D, zInput: tf.Tensor2D): { h: tf.Tensor2D; logits: tf.Tensor2D } {
    const hidden = this.config.decoderHidden;
    const x = tf.add(matMul(this.embed(previous), this.params.get('dec_wx') as tf.Tensor2D), zInput) as tf.Tensor2D;
    const next = this.gruStep(x, h, this.params.get('dec_wh') as tf.Tensor2D, hidden);
    return { h: next, logits: linear(next, this.params.get('out_w'), this.params.get('out_b')) as tf.Tensor2D };
  }

  /**
   * The training loss of a batch, per molecule: reconstruction (cross-entropy of every real token
   * under the grammar's mask) + β·KL(q(z|x) ‖ N(0, I)). `noise` [B, L] draws z = μ + σ·ε.
   */
  loss(batch: TokenBatch, noise: tf.Tensor2D, beta: number): { total: tf.Scalar; reconstruction: tf.Scalar; kl: tf.Scalar } {
    const { batch: b, steps: t } = batch;
    const { decoderHidden: hidden, vocabulary: v } = this.config;
    const { mu, logvar } = this.encode(batch.targets, batch.present, b, t);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), noise)) as tf.Tensor2D;
    const zInput = this.latentInput(z);
    const inputPart = tf.reshape(matMul(this.embed(batch.inputs), this.params.get('dec_wx') as tf.Tensor2D), [b, t, 3 * hidden]);
    const perStep = tf.unstack(inputPart, 1) as tf.Tensor2D[];
    const wh = this.params.get('dec_wh') as tf.Tensor2D;
    let h = this.initialState(z);
    const states: tf.Tensor2D[] = [];
    for (let step = 0; step < t; step++) {
      h = this.gruStep(tf.add(perStep[step]!, zInput) as tf.Tensor2D, h, wh, hidden);
      states.push(h);
    }
    const logits = linear(tf.stack(states, 1), this.params.get('out_w'), this.params.get('out_b'));
    const allowed = tf.tensor3d(batch.allowed, [b, t, v]);
    const masked = tf.add(logits, tf.mul(tf.sub(1, allowed), MASKED_LOGIT));
    const logProbabilities = tf.logSoftmax(masked);
    const targets = tf.oneHot(tf.tensor2d(batch.targets, [b, t], 'int32'), v).toFloat();
    const present = tf.tensor2d(batch.present, [b, t]);
    const tokenLoss = tf.mul(tf.neg(tf.sum(tf.mul(logProbabilities, targets), 2)), present);
    const reconstruction = tf.div(tf.sum(tokenLoss), b) as tf.Scalar;
    const kl = tf.div(tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar))))), b) as tf.Scalar;
    return { total: tf.add(reconstruction, tf.mul(kl, beta)) as tf.Scalar, reconstruction, kl };
  }

  dispose(): void {
    for (const v of this.params.list()) v.dispose();
  }
}
