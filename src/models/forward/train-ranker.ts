/**
 * Training the ranker: Adam on mini-batches of reactions in a seeded order, softmax cross-entropy
 * over each reaction's candidates, early stopping on top-1 accuracy over held-out training
 * reactions (never the evaluation split).
 */
import * as tf from '@tensorflow/tfjs';
import { rngFor, shuffled } from '../../util/random.js';
import type { Parameters } from '../params.js';
import { createRankerParameters, RankerBatch, rankingLoss, scoreCandidates, type RankerConfig, type RankerExample } from './ranker-network.js';

export interface RankerSchedule {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** stop after this many epochs without a better held-out top-1 */
  patience: number;
}

export const DEFAULT_RANKER_SCHEDULE: RankerSchedule = { epochs: 12, batchSize: 16, learningRate: 1e-3, patience: 3 };

export interface RankerProgress {
  epoch: number;
  epochs: number;
  loss: number;
  heldOutTop1: number;
  seconds: number;
}

export interface TrainedRanker {
  params: Parameters;
  epochs: number;
  bestEpoch: number;
  heldOutTop1: number;
}

export async function trainRanker(
  train: readonly RankerExample[],
  heldOut: readonly RankerExample[],
  config: RankerConfig,
  schedule: RankerSchedule,
  seed: number,
  onProgress?: (progress: RankerProgress) => void,
  /** called with the parameters each time the held-out top-1 improves (e.g. to write a checkpoint) */
  onBest?: (params: Parameters, epoch: number, heldOutTop1: number) => void,
): Promise<TrainedRanker> {
  const rng = rngFor(seed, 'forward-ranker');
  const params = createRankerParameters(config, rng);
  const optimizer = tf.train.adam(schedule.learningRate);
  const started = Date.now();
  let best = { epoch: 0, top1: -1, snapshot: params.snapshot() };
  let epoch = 0;
  for (epoch = 1; epoch <= schedule.epochs; epoch++) {
    const order = shuffled(train, rng);
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start < order.length; start += schedule.batchSize) {
      const batch = new RankerBatch(order.slice(start, start + schedule.batchSize), config.templateSlots);
      try {
        const loss = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => rankingLoss(scoreCandidates(params, config, batch), batch), params.list());
          optimizer.applyGradients(grads as unknown as Record<string, tf.Variable>);
          return value;
        });
        lossSum += (await loss.data())[0]!;
        loss.dispose();
        batches++;
      } finally {
        batch.dispose();
      }
    }
    const top1 = heldOut.length > 0 ? topKAccuracy(params, config, heldOut, 1) : 0;
    onProgress?.({ epoch, epochs: schedule.epochs, loss: lossSum / Math.max(1, batches), heldOutTop1: top1, seconds: (Date.now() - started) / 1000 });
    if (top1 > best.top1) {
      best = { epoch, top1, snapshot: params.snapshot() };
      onBest?.(params, epoch, top1);
    }
    else if (epoch - best.epoch >= schedule.patience) break;
  }
  params.restore(best.snapshot);
  optimizer.dispose();
  return { params, epochs: Math.min(epoch, schedule.epochs), bestEpoch: best.epoch, heldOutTop1: best.top1 };
}

/** Candidate scores for each example, in the examples' candidate order. */
export function scoreExamples(params: Parameters, config: RankerConfig, examples: readonly RankerExample[], batchSize = 32): Float32Array[] {
  const out: Float32Array[] = [];
  for (let start = 0; start < examples.length; start += batchSize) {
    const slice = examples.slice(start, start + batchSize);
    const batch = new RankerBatch(slice, config.templateSlots);
    try {
      const scores = tf.tidy(() => scoreCandidates(params, config, batch));
      const values = scores.dataSync() as Float32Array;
      scores.dispose();
      slice.forEach((example, r) => out.push(values.slice(batch.offsets[r]!, batch.offsets[r]! + example.candidates.length)));
    } finally {
      batch.dispose();
    }
  }
  return out;
}

/** Fraction of examples whose gold candidate is among the k best-scored (candidate level). */
function topKAccuracy(params: Parameters, config: RankerConfig, examples: readonly RankerExample[], k: number): number {
  const scores = scoreExamples(params, config, examples);
  let hits = 0;
  examples.forEach((example, r) => {
    const order = Array.from(scores[r]!.keys()).sort((x, y) => scores[r]![y]! - scores[r]![x]!);
    if (order.slice(0, k).some((i) => example.gold?.[i])) hits++;
  });
  return hits / examples.length;
}
