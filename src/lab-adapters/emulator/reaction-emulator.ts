/**
 * A model of a reaction dataset that answers any reaction described in the same terms, including
 * those the dataset lacks (an Olympus-style emulator). Replicates are averaged; k-nearest-neighbour
 * regression over Morgan fingerprints per role and scaled conditions does the rest.
 */
import { rngFor, shuffled } from '../../util/random.js';
import { KnnData, tuneKnn, weightedMean, type KnnSettings } from './knn-regression.js';
import { ReactionMetric, type Dimension, type ReactionInputs } from './reaction-metric.js';

export interface TrainingPoint {
  inputs: ReactionInputs;
  values: Record<string, number>;
}

export interface EmulatorFitOptions {
  /** The quantity whose leave-one-out error chooses the settings (the objective). */
  target: string;
  seed: number;
  /** Fix k instead of choosing it. */
  neighbours?: number;
  /** Reactions the emulator will be asked about (the space's values), so distances to them are ready. */
  vocabulary?: readonly ReactionInputs[];
}

export class ReactionEmulator {
  private constructor(
    private readonly metric: ReactionMetric,
    private readonly data: KnnData,
    private readonly targets: Map<string, Float64Array>,
    readonly settings: KnnSettings & { looMae: number },
    /** Distinct reactions the emulator was fitted on. */
    readonly size: number,
  ) {}

  static fit(dimensions: readonly Dimension[], points: readonly TrainingPoint[], options: EmulatorFitOptions): ReactionEmulator {
    if (points.length < 2) throw new Error(`an emulator needs at least 2 measured reactions, got ${points.length}`);
    const metric = new ReactionMetric(dimensions, [...points.map((p) => p.inputs), ...(options.vocabulary ?? [])]);
    const merged = mergeReplicates(metric, points);
    const data = new KnnData(metric, merged.codes);
    const targets = new Map(merged.quantities.map((q) => [q, Float64Array.from(merged.values, (v) => v[q] as number)]));
    const target = targets.get(options.target);
    if (!target) throw new Error(`the training data has no values for "${options.target}"`);
    const settings = tuneKnn(data, target, { seed: options.seed, ...(options.neighbours !== undefined ? { k: options.neighbours } : {}) });
    return new ReactionEmulator(metric, data, targets, settings, merged.codes.length);
  }

  predict(inputs: ReactionInputs): Record<string, number> {
    const neighbours = this.data.nearest(this.metric.encode(inputs), this.settings);
    const out: Record<string, number> = {};
    for (const [quantity, values] of this.targets) out[quantity] = weightedMean(neighbours, values, this.settings.power);
    return out;
  }

  /** The measured reactions (after merging replicates), for reference statistics. */
  measured(): Record<string, number>[] {
    return Array.from({ length: this.size }, (_, i) => Object.fromEntries([...this.targets].map(([q, v]) => [q, v[i] as number])));
  }
}

function mergeReplicates(metric: ReactionMetric, points: readonly TrainingPoint[]) {
  const quantities = Object.keys(points[0]?.values ?? {});
  const byKey = new Map<string, { code: Int32Array; inputs: ReactionInputs; sums: Record<string, number>; n: number }>();
  for (const point of points) {
    const code = metric.encode(point.inputs);
    const key = code.join(',');
    const slot = byKey.get(key) ?? { code, inputs: point.inputs, sums: {}, n: 0 };
    for (const q of quantities) slot.sums[q] = (slot.sums[q] ?? 0) + (point.values[q] ?? Number.NaN);
    slot.n++;
    byKey.set(key, slot);
  }
  const slots = [...byKey.values()];
  return {
    quantities,
    codes: slots.map((s) => s.code),
    inputs: slots.map((s) => s.inputs),
    values: slots.map((s) => Object.fromEntries(quantities.map((q) => [q, (s.sums[q] as number) / s.n]))),
  };
}

export interface HoldOutReport {
  train: number;
  test: number;
  /** Mean absolute error on the held-out reactions, in the target's unit. */
  mae: number;
  rmse: number;
  r2: number;
  /** The error of predicting the training mean everywhere, for scale. */
  baselineMae: number;
  settings: KnnSettings;
}

/** Fits on a seeded (1 − testFraction) of the distinct reactions and measures the error on the rest. */
export function holdOutError(
  dimensions: readonly Dimension[],
  points: readonly TrainingPoint[],
  options: { target: string; seed: number; testFraction?: number },
): HoldOutReport {
  const metric = new ReactionMetric(dimensions, points.map((p) => p.inputs));
  const merged = mergeReplicates(metric, points);
  const order = shuffled(
    merged.codes.map((_, i) => i),
    rngFor(options.seed, 'emulator-hold-out'),
  );
  const testCount = Math.max(1, Math.round(order.length * (options.testFraction ?? 0.2)));
  const test = order.slice(0, testCount);
  const train = order.slice(testCount);
  const toPoint = (i: number): TrainingPoint => ({ inputs: merged.inputs[i] as ReactionInputs, values: merged.values[i] as Record<string, number> });
  const emulator = ReactionEmulator.fit(dimensions, train.map(toPoint), { target: options.target, seed: options.seed, vocabulary: test.map((i) => toPoint(i).inputs) });
  const truth = test.map((i) => merged.values[i]?.[options.target] as number);
  const predicted = test.map((i) => emulator.predict(toPoint(i).inputs)[options.target] as number);
  const trainMean = train.reduce((s, i) => s + (merged.values[i]?.[options.target] as number), 0) / train.length;
  const testMean = truth.reduce((a, b) => a + b, 0) / truth.length;
  let abs = 0;
  let sq = 0;
  let base = 0;
  let total = 0;
  truth.forEach((y, j) => {
    const e = (predicted[j] as number) - y;
    abs += Math.abs(e);
    sq += e * e;
    base += Math.abs(trainMean - y);
    total += (y - testMean) ** 2;
  });
  return {
    train: train.length,
    test: test.length,
    mae: abs / truth.length,
    rmse: Math.sqrt(sq / truth.length),
    r2: total > 0 ? 1 - sq / total : 0,
    baselineMae: base / truth.length,
    settings: { k: emulator.settings.k, power: emulator.settings.power, weights: emulator.settings.weights },
  };
}
