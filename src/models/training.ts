/**
 * Training one reaction network: Adam on mini-batches in a seeded order, a β-NLL loss (Seitzer et
 * al. 2022: the Gaussian NLL with each point weighted by its predicted variance^β, which keeps
 * the mean as accurate as with a squared loss while the variance head learns the noise), a
 * learning rate decaying exponentially, and early stopping on the held-out RMSE with the best
 * weights restored.
 *
 * The graph encoder is the expensive part of a step and its input (a campaign's few distinct
 * molecules) is the same in every step, so it runs once per `encoderEvery` steps: the molecule
 * embeddings are computed, the predictor takes that many steps on them while the gradient with
 * respect to the embeddings accumulates, and then one backward pass through the encoder applies
 * the accumulated gradient. Nothing is stale — the encoder's weights do not change in between —
 * the encoder just takes one (larger-batch) step per window.
 */
import * as tf from '@tensorflow/tfjs';
import { shuffled, type Rng } from '../util/random.js';
import type { GraphLayout } from './graph-layout.js';
import { customGradient } from './ops.js';
import type { Parameters } from './params.js';
import { forwardReactions, moleculeEmbeddings, type ReactionNetConfig, type ReactionRows } from './reaction-model.js';
import { FitAbortedError } from './types.js';

/** All reactions of a fit, in network units (standardised targets, NaN = not measured). */
export interface ReactionTable {
  layout: GraphLayout | null;
  byRole: Int32Array[];
  /** rows × conditionWidth */
  conditions: Float32Array;
  conditionWidth: number;
  /** rows × targets */
  targets: Float32Array;
  targetCount: number;
  rows: number;
}

export interface TrainSchedule {
  maxEpochs: number;
  batchSize: number;
  learningRate: number;
  /** the learning rate falls to learningRate × finalLearningRateFactor by maxEpochs */
  finalLearningRateFactor: number;
  /** epochs without improvement of the held-out RMSE before stopping */
  patience: number;
  /** β of the β-NLL: 0 = plain Gaussian NLL, 1 = squared error with a variance head */
  beta: number;
  /** L2 penalty on weight matrices */
  weightDecay: number;
  /** predictor steps per encoder step (1 = ordinary joint training) */
  encoderEvery: number;
  /** the encoder's learning rate relative to the predictor's (it takes fewer, larger-batch steps) */
  encoderLearningRateFactor: number;
}

export interface TrainResult {
  epochs: number;
  bestEpoch: number;
  /** held-out RMSE (standardised units) at the best epoch, NaN without a held-out set */
  validRmse: number;
  /** training mean squared error (standardised units) of the last epoch */
  finalLoss: number;
}

export interface TrainHooks {
  /** loss: the epoch's training mean squared error (standardised units) */
  onEpoch?: (epoch: number, loss: number, validRmse: number) => void;
  signal?: AbortSignal;
}

export function selectRows(table: ReactionTable, rows: ArrayLike<number>): ReactionRows & { targets: Float32Array } {
  const n = rows.length;
  const conditions = new Float32Array(n * table.conditionWidth);
  const targets = new Float32Array(n * table.targetCount);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    conditions.set(table.conditions.subarray(row * table.conditionWidth, (row + 1) * table.conditionWidth), i * table.conditionWidth);
    targets.set(table.targets.subarray(row * table.targetCount, (row + 1) * table.targetCount), i * table.targetCount);
  }
  return { byRole: table.byRole.map((a) => Int32Array.from({ length: n }, (_, i) => a[rows[i]!]!)), conditions, targets, rows: n };
}

// tfjs has no stopGradient; an identity whose gradient is zero does the same.
const stopGradient = customGradient<(x: tf.Tensor) => tf.Tensor>((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) }));

function betaNll(mean: tf.Tensor2D, variance: tf.Tensor2D, targets: tf.Tensor2D, observed: tf.Tensor2D, beta: number): tf.Scalar {
  const nll = tf.add(tf.log(variance), tf.div(tf.square(tf.sub(targets, mean)), variance));
  const weighted = beta > 0 ? tf.mul(nll, stopGradient(tf.pow(variance, beta))) : nll;
  return tf.div(tf.sum(tf.mul(weighted, observed)), tf.maximum(tf.sum(observed), 1)).mul(0.5) as tf.Scalar;
}

/** Replaces NaN (not measured) by 0 and returns the mask of measured entries. */
function maskMissing(values: Float32Array): { filled: Float32Array; observed: Float32Array } {
  const filled = new Float32Array(values.length);
  const observed = new Float32Array(values.length);
  values.forEach((v, i) => {
    if (Number.isFinite(v)) {
      filled[i] = v;
      observed[i] = 1;
    }
  });
  return { filled, observed };
}

/** RMSE of the predicted means on `rows` (standardised units), at inference (no dropout). */
export function heldOutRmse(params: Parameters, config: ReactionNetConfig, table: ReactionTable, rows: Int32Array): number {
  const batch = selectRows(table, rows);
  const { filled, observed } = maskMissing(batch.targets);
  return tf.tidy(() => {
    const { mean } = forwardReactions(params, config, table.layout, batch);
    const t = tf.tensor2d(filled, [batch.rows, table.targetCount]);
    const o = tf.tensor2d(observed, [batch.rows, table.targetCount]);
    const mse = tf.div(tf.sum(tf.mul(tf.square(tf.sub(mean, t)), o)), tf.maximum(tf.sum(o), 1));
    return Math.sqrt(mse.dataSync()[0]!);
  });
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainNetwork(
  params: Parameters,
  config: ReactionNetConfig,
  table: ReactionTable,
  trainRows: Int32Array,
  validRows: Int32Array | null,
  schedule: TrainSchedule,
  rng: Rng,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const encoderNames = params.names().filter((name) => name.startsWith('mpnn/'));
  const encoderVariables = table.layout ? encoderNames.map((name) => params.get(name)) : [];
  const predictorVariables = params.names().filter((name) => !name.startsWith('mpnn/')).map((name) => params.get(name));
  const isWeight = (v: tf.Variable) => /\/W_/.test(v.name);
  const encoderWeights = encoderVariables.filter(isWeight);
  const predictorWeights = predictorVariables.filter(isWeight);
  const predictorOptimizer = tf.train.adam(schedule.learningRate);
  const encoderOptimizer = tf.train.adam(schedule.learningRate);
  const decay = Math.pow(schedule.finalLearningRateFactor, 1 / Math.max(1, schedule.maxEpochs));
  const batchSize = Math.max(1, Math.min(schedule.batchSize, trainRows.length));
  const every = Math.max(1, Math.round(schedule.encoderEvery));
  const penalty = (weights: tf.Variable[]) => tf.mul(schedule.weightDecay, tf.addN(weights.map((w) => tf.sum(tf.square(w)))));

  // the encoder's current output as a variable, so that variableGrads yields its gradient
  let embeddings: tf.Variable | null = null;
  let accumulated: tf.Tensor | null = null;
  let pending = 0;
  const refresh = () => {
    embeddings?.dispose();
    embeddings = null;
    if (encoderVariables.length === 0) return;
    const current = tf.tidy(() => encodeAll(params, config, table));
    embeddings = tf.variable(current, true);
    current.dispose(); // the variable holds its own reference to the data
  };
  const encoderStep = () => {
    if (accumulated) {
      const upstream = accumulated;
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const e = encodeAll(params, config, table);
          let l = tf.sum(tf.mul(e, upstream)) as tf.Scalar;
          if (schedule.weightDecay > 0 && encoderWeights.length > 0) l = tf.add(l, penalty(encoderWeights)) as tf.Scalar;
          return l;
        }, encoderVariables);
        encoderOptimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
      });
      upstream.dispose();
      accumulated = null;
    }
    pending = 0;
    refresh();
  };

  let best = { epoch: 0, rmse: Number.POSITIVE_INFINITY, snapshot: validRows ? params.snapshot() : null };
  let finalLoss = Number.NaN;
  let epoch = 0;
  try {
    refresh();
    for (epoch = 1; epoch <= schedule.maxEpochs; epoch++) {
      if (hooks.signal?.aborted) throw new FitAbortedError();
      const learningRate = schedule.learningRate * Math.pow(decay, epoch - 1);
      (predictorOptimizer as unknown as { learningRate: number }).learningRate = learningRate;
      (encoderOptimizer as unknown as { learningRate: number }).learningRate = learningRate * schedule.encoderLearningRateFactor;
      const order = shuffled(Array.from(trainRows), rng);
      let squaredErrorSum = 0;
      let batches = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        // a last batch of one or two rows gives a noisy step; fold it into the previous one
        const end = order.length - (start + batchSize) < batchSize / 4 ? order.length : start + batchSize;
        const batch = selectRows(table, order.slice(start, end));
        const { filled, observed } = maskMissing(batch.targets);
        const dropoutSeed = Math.floor(rng() * 2 ** 31);
        const current = embeddings as tf.Variable | null;
        const squaredError = tf.tidy(() => {
          const t = tf.tensor2d(filled, [batch.rows, table.targetCount]);
          const o = tf.tensor2d(observed, [batch.rows, table.targetCount]);
          // the β-NLL's value is not comparable across epochs (its weights move), so the reported
          // loss is the batch's mean squared error, computed on the way
          let mse: tf.Scalar | null = null;
          const { grads } = tf.variableGrads(
            () => {
              const { mean, variance } = forwardReactions(params, config, table.layout, batch, current ? { dropoutSeed, embeddings: current as tf.Tensor as tf.Tensor2D } : { dropoutSeed });
              mse = tf.keep(tf.div(tf.sum(tf.mul(tf.square(tf.sub(mean, t)), o)), tf.maximum(tf.sum(o), 1)) as tf.Scalar);
              let l = betaNll(mean, variance, t, o, schedule.beta);
              if (schedule.weightDecay > 0 && predictorWeights.length > 0) l = tf.add(l, penalty(predictorWeights)) as tf.Scalar;
              return l;
            },
            current ? [...predictorVariables, current] : predictorVariables,
          );
          if (current) {
            const gradient = grads[current.name]!;
            delete grads[current.name];
            const sum = accumulated ? tf.add(accumulated, gradient) : gradient;
            accumulated?.dispose();
            accumulated = tf.keep(sum);
          }
          predictorOptimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
          return mse as unknown as tf.Scalar;
        });
        squaredErrorSum += squaredError.dataSync()[0]!;
        squaredError.dispose();
        batches++;
        if (++pending >= every) encoderStep();
        if (end === order.length) break;
      }
      if (pending > 0) encoderStep();
      finalLoss = squaredErrorSum / Math.max(1, batches);
      const rmse = validRows && validRows.length > 0 ? heldOutRmse(params, config, table, validRows) : Number.NaN;
      hooks.onEpoch?.(epoch, finalLoss, rmse);
      if (validRows && validRows.length > 0) {
        if (rmse < best.rmse) best = { epoch, rmse, snapshot: params.snapshot() };
        else if (epoch - best.epoch >= schedule.patience) break;
      }
      await yieldToEventLoop();
    }
  } finally {
    predictorOptimizer.dispose();
    encoderOptimizer.dispose();
    (embeddings as tf.Variable | null)?.dispose();
    (accumulated as tf.Tensor | null)?.dispose();
  }
  if (best.snapshot && Number.isFinite(best.rmse)) params.restore(best.snapshot);
    const epochs = Math.min(epoch, schedule.maxEpochs);
  return { epochs, bestEpoch: best.snapshot ? best.epoch : epochs, validRmse: best.rmse, finalLoss };
}

function encodeAll(params: Parameters, config: ReactionNetConfig, table: ReactionTable): tf.Tensor2D {
  return moleculeEmbeddings(params, config, table.layout)!;
}
