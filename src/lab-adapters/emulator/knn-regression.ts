/**
 * k-nearest-neighbour regression under a ReactionMetric, with inverse-distance weights. Its few
 * settings (k, the weight power, and how much each dimension counts) are chosen by leave-one-out
 * error on a seeded sample of the training points. Written here rather than taken from a library:
 * the distance is our own (Tanimoto per role plus scaled conditions), which generic kNN packages
 * do not take, and the whole method is some sixty lines.
 */
import { rngFor, shuffled } from '../../util/random.js';
import type { ReactionMetric } from './reaction-metric.js';

export interface KnnSettings {
  k: number;
  /** Neighbour weight 1 / (distance + ε)^power. */
  power: number;
  /** Per dimension: how much its distance counts (0: ignored). */
  weights: number[];
}

/** Training points as codes, one column per dimension, for cache-friendly distance sums. */
export class KnnData {
  readonly size: number;
  readonly columns: Int32Array[];

  constructor(readonly metric: ReactionMetric, codes: readonly Int32Array[]) {
    this.size = codes.length;
    this.columns = metric.dimensions.map((_, d) => Int32Array.from(codes, (c) => c[d] as number));
  }

  /** Indices and distances of the k nearest training points to `query` (skipping `exclude`). */
  nearest(query: Int32Array, settings: KnnSettings, exclude = -1): { index: Int32Array; distance: Float64Array } {
    const distances = new Float64Array(this.size);
    this.columns.forEach((column, d) => {
      const weight = settings.weights[d] ?? 1;
      if (weight === 0) return;
      const { table, size } = this.metric.table(d);
      const row = (query[d] as number) * size;
      for (let i = 0; i < this.size; i++) distances[i] = (distances[i] as number) + weight * (table[row + (column[i] as number)] as number);
    });
    const k = Math.min(settings.k, this.size - (exclude >= 0 ? 1 : 0));
    const index = new Int32Array(k).fill(-1);
    const distance = new Float64Array(k).fill(Infinity);
    for (let i = 0; i < this.size; i++) {
      if (i === exclude) continue;
      const di = distances[i] as number;
      if (di >= (distance[k - 1] as number)) continue;
      let j = k - 1;
      while (j > 0 && (distance[j - 1] as number) > di) {
        distance[j] = distance[j - 1] as number;
        index[j] = index[j - 1] as number;
        j--;
      }
      distance[j] = di;
      index[j] = i;
    }
    return { index, distance };
  }
}

const EPSILON = 1e-3;

/** Inverse-distance weighted mean of `targets` over the neighbours. */
export function weightedMean(neighbours: { index: Int32Array; distance: Float64Array }, targets: Float64Array, power: number): number {
  let sum = 0;
  let total = 0;
  neighbours.index.forEach((i, j) => {
    if (i < 0) return;
    const w = 1 / ((neighbours.distance[j] as number) + EPSILON) ** power;
    sum += w * (targets[i] as number);
    total += w;
  });
  return total > 0 ? sum / total : Number.NaN;
}

/** Mean absolute leave-one-out error over the sampled points. */
function looError(data: KnnData, targets: Float64Array, sample: readonly number[], settings: KnnSettings): number {
  let error = 0;
  const query = new Int32Array(data.columns.length);
  for (const i of sample) {
    data.columns.forEach((column, d) => (query[d] = column[i] as number));
    error += Math.abs(weightedMean(data.nearest(query, settings, i), targets, settings.power) - (targets[i] as number));
  }
  return error / sample.length;
}

export interface TuneOptions {
  seed: number;
  /** Points whose leave-one-out error is measured (the rest still serve as neighbours). */
  sampleSize?: number;
  /** Keep k fixed instead of choosing it. */
  k?: number;
}

const K_CHOICES = [3, 5, 8, 13];
const POWER_CHOICES = [1, 2];
const WEIGHT_CHOICES = [0, 0.5, 2];

/** Chooses k, the weight power and per-dimension weights by leave-one-out error. */
export function tuneKnn(data: KnnData, targets: Float64Array, options: TuneOptions): KnnSettings & { looMae: number } {
  const all = Array.from({ length: data.size }, (_, i) => i);
  const sample = shuffled(all, rngFor(options.seed, 'emulator-tuning')).slice(0, options.sampleSize ?? 250);
  let best: KnnSettings = { k: options.k ?? 5, power: 1, weights: data.columns.map(() => 1) };
  let bestError = looError(data, targets, sample, best);
  const consider = (candidate: KnnSettings) => {
    if (candidate.weights.every((w) => w === 0)) return;
    const error = looError(data, targets, sample, candidate);
    if (error < bestError - 1e-9) {
      best = candidate;
      bestError = error;
    }
  };
  const tuneKAndPower = () => {
    for (const k of options.k !== undefined ? [options.k] : K_CHOICES) {
      for (const power of POWER_CHOICES) consider({ ...best, k, power });
    }
  };
  tuneKAndPower();
  for (let pass = 0; pass < 1; pass++) {
    for (let d = 0; d < data.columns.length; d++) {
      for (const w of WEIGHT_CHOICES) consider({ ...best, weights: best.weights.map((old, j) => (j === d ? w : old)) });
    }
  }
  tuneKAndPower();
  return { ...best, looMae: bestError };
}
