/**
 * A deep ensemble of reaction networks (D-MPNN encoder + mean–variance heads), the estimator for
 * campaigns with plenty of results. Uncertainty follows Lakshminarayanan et al. (2017): aleatoric
 * = the mean of the members' predicted variances, epistemic = the variance of their means.
 *
 * The members are a cross-ensemble: member m holds out fold m of the training data for early
 * stopping, so every result is out-of-fold for exactly one member. Those out-of-fold predictions
 * give the cross-validated metrics and the data for the calibrator (a σ factor), at no extra
 * training cost and without setting results aside.
 *
 * Weights live as plain Float32Arrays between calls; tfjs variables exist only while fitting or
 * predicting, so a surrogate that is dropped holds no tensor memory.
 */
import * as tf from '@tensorflow/tfjs';
import { FEATURIZER_VERSION } from '../chem/index.js';
import { rngFor, shuffled } from '../util/random.js';
import { initTensorBackend } from './backend.js';
import { varianceScale } from './calibration.js';
import { reactionArrays, type ReactionArrays } from './featurize/reaction-table.js';
import { SparseGraphLayout } from './graph-layout.js';
import { mean as average, r2, rmse } from './metrics.js';
import { Parameters, type Snapshot } from './params.js';
import { addReactionParameters, forwardReactions, moleculeEmbeddings, type ReactionNetConfig, type ReactionRows } from './reaction-model.js';
import { checkTrainingData, schemaKey } from './schema.js';
import { decodeContainer, encodeContainer, type TensorData } from './serialization.js';
import { standardization } from './targets.js';
import { trainNetwork, type ReactionTable, type TrainSchedule } from './training.js';
import { FitAbortedError, ModelError, type FitOptions, type FitReport, type ModelSchema, type Posterior, type ReactionInput, type SavedModel, type Surrogate, type TrainingData } from './types.js';
import { heldToBounds } from './warping.js';

export interface EnsembleConfig {
  members: number;
  mpnn: { hidden: number; depth: number };
  hidden: number[];
  dropout: number;
  schedule: TrainSchedule;
  /** the schedule when warm-started from the previous version */
  warmSchedule: TrainSchedule;
}

export const DEFAULT_ENSEMBLE_CONFIG: EnsembleConfig = {
  members: 5,
  mpnn: { hidden: 64, depth: 3 },
  hidden: [256, 128],
  dropout: 0,
  schedule: {
    maxEpochs: 150,
    batchSize: 64,
    learningRate: 2e-3,
    finalLearningRateFactor: 0.1,
    patience: 25,
    beta: 1,
    weightDecay: 0,
    encoderEvery: 4,
    encoderLearningRateFactor: 3,
  },
  warmSchedule: {
    maxEpochs: 40,
    batchSize: 64,
    learningRate: 5e-4,
    finalLearningRateFactor: 0.3,
    patience: 10,
    beta: 1,
    weightDecay: 0,
    encoderEvery: 4,
    encoderLearningRateFactor: 3,
  },
};

/** Rows predicted per forward pass (bounds the size of the one-hot selection matrix). */
const CHUNK = 2048;

interface EnsembleHeader {
  kind: string;
  schemaKey: string;
  featurizerVersion: string;
  backend: string;
  config: EnsembleConfig;
  shapes: Record<string, number[]>;
  members: number;
  standardization: { shift: number; scale: number }[];
  calibration: number[];
  trainingSize: number;
  metrics: Record<string, number>;
}

interface MemberOutput {
  /** rows × targets, standardised units */
  mean: Float32Array;
  variance: Float32Array;
}

export class DeepEnsembleSurrogate implements Surrogate {
  readonly kind = 'mpnn-ensemble';
  private members: Snapshot[] = [];
  private shapes: Record<string, number[]> = {};
  private standardizations: { shift: number; scale: number }[] = [];
  /** per target: factor on σ (standardised units) */
  private calibration: number[] = [];
  private metrics: Record<string, number> = {};
  private trainingSize = 0;
  private backend = 'cpu';

  constructor(
    readonly schema: ModelSchema,
    readonly config: EnsembleConfig = DEFAULT_ENSEMBLE_CONFIG,
  ) {}

  private networkConfig(conditionWidth: number): ReactionNetConfig {
    return {
      roles: this.schema.roles.length,
      conditionWidth,
      targets: this.schema.targets.length,
      mpnn: this.config.mpnn,
      hidden: this.config.hidden,
      dropout: this.config.dropout,
    };
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const started = performance.now();
    checkTrainingData(this.schema, data);
    this.backend = (await initTensorBackend()).backend;
    const warm = options.warmStart instanceof DeepEnsembleSurrogate && options.warmStart.compatibleWith(this) ? options.warmStart : null;
    const arrays = reactionArrays(this.schema, data.inputs);
    const T = this.schema.targets.length;
    const n = data.inputs.length;
    // a warm start keeps the previous scaling, so the warm weights keep their meaning
    this.standardizations = warm
      ? warm.standardizations.slice()
      : this.schema.targets.map((t) => standardization(data.targets[t]!.filter(Number.isFinite)));
    const targets = new Float32Array(n * T);
    this.schema.targets.forEach((t, j) => {
      const { shift, scale } = this.standardizations[j]!;
      data.targets[t]!.forEach((v, i) => (targets[i * T + j] = Number.isFinite(v) ? (v - shift) / scale : Number.NaN));
    });
    const config = this.networkConfig(arrays.conditionWidth);
    const layout = arrays.pack.numMolecules > 0 ? new SparseGraphLayout(arrays.pack) : null;
    const table: ReactionTable = { layout, byRole: arrays.byRole, conditions: arrays.conditions, conditionWidth: arrays.conditionWidth, targets, targetCount: T, rows: n };
    const M = this.config.members;
    // folds: member m stops early on fold m (at least five folds, so that a member trains on
    // 80 % or more); with too few results there is nothing to hold out
    const folds = Math.max(M, 5);
    const useFolds = n >= 2 * folds;
    const foldOf = new Int32Array(n);
    shuffled(Array.from({ length: n }, (_, i) => i), rngFor(options.seed, 'ensemble-folds')).forEach((row, k) => (foldOf[row] = k % folds));
    const schedule = warm ? this.config.warmSchedule : this.config.schedule;
    const members: Snapshot[] = [];
    const epochs: number[] = [];
    const outOfFold = { mean: new Float32Array(n * T).fill(Number.NaN), variance: new Float32Array(n * T).fill(Number.NaN) };
    try {
      for (let m = 0; m < M; m++) {
        if (options.signal?.aborted) throw new FitAbortedError();
        const params = new Parameters();
        try {
          addReactionParameters(params, config, rngFor(options.seed, 'ensemble-init', m));
          if (warm) warm.seedMember(params, m);
          const trainRows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => !useFolds || foldOf[i] !== m);
          const validRows = useFolds ? Int32Array.from({ length: n }, (_, i) => i).filter((i) => foldOf[i] === m) : null;
          const result = await trainNetwork(params, config, table, trainRows, validRows, schedule, rngFor(options.seed, 'ensemble-train', m), {
            signal: options.signal,
            onEpoch: (epoch, loss) =>
              options.onProgress?.({ stage: `member ${m + 1}/${M}`, epoch, loss, fraction: (m + epoch / schedule.maxEpochs) / M }),
          });
          epochs.push(result.bestEpoch);
          if (validRows) {
            const out = runMember(params, config, table, validRows);
            validRows.forEach((row, k) => {
              for (let j = 0; j < T; j++) {
                outOfFold.mean[row * T + j] = out.mean[k * T + j]!;
                outOfFold.variance[row * T + j] = out.variance[k * T + j]!;
              }
            });
          }
          members.push(params.snapshot());
          this.shapes = params.shapes();
        } finally {
          params.dispose();
        }
      }
      this.members = members;
      this.trainingSize = n;
      this.calibrate(table, config, outOfFold, data, useFolds);
      this.metrics.members = M;
      this.metrics.mean_best_epoch = average(epochs);
    } finally {
      layout?.dispose();
    }
    return { kind: this.kind, trainingSize: n, seconds: (performance.now() - started) / 1000, metrics: { ...this.metrics } };
  }

  /**
   * σ factor per target from the out-of-fold residuals. A held-out point's variance is that of
   * its member (aleatoric) plus the ensemble's spread at the point (epistemic; a lower bound there,
   * as the other members saw it — the factor absorbs the difference).
   */
  private calibrate(table: ReactionTable, config: ReactionNetConfig, outOfFold: MemberOutput, data: TrainingData, useFolds: boolean): void {
    const T = this.schema.targets.length;
    const all = Int32Array.from({ length: table.rows }, (_, i) => i);
    const combined = this.combine(this.members.map((snapshot) => withParameters(this.shapes, snapshot, (p) => runMember(p, config, table, all))));
    const metrics: Record<string, number> = {};
    this.calibration = this.schema.targets.map((target, j) => {
      const suffix = T > 1 ? `:${target}` : '';
      const { shift, scale } = this.standardizations[j]!;
      const rows = all.filter((i) => Number.isFinite(table.targets[i * T + j]!) && Number.isFinite(outOfFold.mean[i * T + j]!));
      if (!useFolds || rows.length < 3) {
        metrics[`calibration_scale${suffix}`] = 1;
        return 1;
      }
      const residuals = Array.from(rows, (i) => table.targets[i * T + j]! - outOfFold.mean[i * T + j]!);
      const variances = Array.from(rows, (i) => outOfFold.variance[i * T + j]! + combined.epistemic[i * T + j]!);
      const factor = varianceScale(residuals, variances);
      const y = Array.from(rows, (i) => data.targets[target]![i]!);
      const predicted = Array.from(rows, (i) => outOfFold.mean[i * T + j]! * scale + shift);
      metrics[`cv_r2${suffix}`] = r2(y, predicted);
      metrics[`cv_rmse${suffix}`] = rmse(y, predicted);
      metrics[`calibration_scale${suffix}`] = factor;
      return factor;
    });
    if (T > 1) for (const name of ['cv_r2', 'cv_rmse', 'calibration_scale']) metrics[name] = average(this.schema.targets.map((t) => metrics[`${name}:${t}`] ?? Number.NaN));
    this.metrics = metrics;
  }

  /** Mean, aleatoric and epistemic variance over members (standardised units). */
  private combine(outputs: MemberOutput[]): { mean: Float64Array; aleatoric: Float64Array; epistemic: Float64Array } {
    const size = outputs[0]!.mean.length;
    const M = outputs.length;
    const mean = new Float64Array(size);
    const aleatoric = new Float64Array(size);
    const epistemic = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      let m1 = 0;
      let m2 = 0;
      let v = 0;
      for (const out of outputs) {
        m1 += out.mean[k]!;
        m2 += out.mean[k]! ** 2;
        v += out.variance[k]!;
      }
      mean[k] = m1 / M;
      aleatoric[k] = v / M;
      epistemic[k] = Math.max(m2 / M - (m1 / M) ** 2, 0);
    }
    return { mean, aleatoric, epistemic };
  }

  async predict(inputs: ReactionInput[]): Promise<Record<string, Posterior>> {
    await initTensorBackend();
    if (this.members.length === 0) throw new ModelError('the model has not been fitted');
    const arrays = reactionArrays(this.schema, inputs);
    const combined = this.runAll(arrays);
    const T = this.schema.targets.length;
    const out: Record<string, Posterior> = {};
    this.schema.targets.forEach((target, j) => {
      const { scale, shift } = this.standardizations[j]!;
      const c = this.calibration[j]! * scale;
      const bounds = this.schema.bounds?.[target];
      const n = inputs.length;
      const posterior: Posterior = { mean: new Float64Array(n), sigma: new Float64Array(n), epistemic: new Float64Array(n), aleatoric: new Float64Array(n) };
      for (let i = 0; i < n; i++) {
        const k = i * T + j;
        posterior.mean[i] = combined.mean[k]! * scale + shift;
        posterior.epistemic[i] = Math.sqrt(combined.epistemic[k]!) * c;
        posterior.aleatoric[i] = Math.sqrt(combined.aleatoric[k]!) * c;
        posterior.sigma[i] = Math.sqrt(combined.epistemic[k]! + combined.aleatoric[k]!) * c;
        if (bounds) {
          // held to the objective's bounds; both parts of σ shrink in proportion
          const held = heldToBounds(posterior.mean[i]!, posterior.sigma[i]!, bounds);
          const ratio = posterior.sigma[i]! > 0 ? held.sd / posterior.sigma[i]! : 1;
          posterior.mean[i] = held.mean;
          posterior.sigma[i] = held.sd;
          posterior.epistemic[i] = posterior.epistemic[i]! * ratio;
          posterior.aleatoric[i] = posterior.aleatoric[i]! * ratio;
        }
      }
      out[target] = posterior;
    });
    return out;
  }

  private runAll(arrays: ReactionArrays) {
    const config = this.networkConfig(arrays.conditionWidth);
    const layout = arrays.pack.numMolecules > 0 ? new SparseGraphLayout(arrays.pack) : null;
    const table: ReactionTable = {
      layout,
      byRole: arrays.byRole,
      conditions: arrays.conditions,
      conditionWidth: arrays.conditionWidth,
      targets: new Float32Array(0),
      targetCount: this.schema.targets.length,
      rows: arrays.rows,
    };
    try {
      const all = Int32Array.from({ length: arrays.rows }, (_, i) => i);
      return this.combine(this.members.map((snapshot) => withParameters(this.shapes, snapshot, (p) => runMember(p, config, table, all))));
    } finally {
      layout?.dispose();
    }
  }

  /** Copies member m's weights into `params` for a warm start. */
  private seedMember(params: Parameters, m: number): void {
    const previous = Parameters.fromArrays(this.shapes, this.members[m % this.members.length]!);
    try {
      params.copyMatching(previous);
    } finally {
      previous.dispose();
    }
  }

  /** Same kind, schema and architecture: its weights can seed this model. */
  compatibleWith(other: DeepEnsembleSurrogate): boolean {
    return (
      this.members.length > 0 &&
      schemaKey(this.schema) === schemaKey(other.schema) &&
      JSON.stringify([this.config.mpnn, this.config.hidden]) === JSON.stringify([other.config.mpnn, other.config.hidden])
    );
  }

  async save(): Promise<SavedModel> {
    if (this.members.length === 0) throw new ModelError('the model has not been fitted');
    const header: EnsembleHeader = {
      kind: this.kind,
      schemaKey: schemaKey(this.schema),
      featurizerVersion: FEATURIZER_VERSION,
      backend: this.backend,
      config: this.config,
      shapes: this.shapes,
      members: this.members.length,
      standardization: this.standardizations,
      calibration: this.calibration,
      trainingSize: this.trainingSize,
      metrics: this.metrics,
    };
    const tensors = new Map<string, TensorData>();
    this.members.forEach((snapshot, m) => {
      for (const [name, values] of snapshot) tensors.set(`member${m}/${name}`, values);
    });
    return {
      kind: this.kind,
      featurizerVersion: FEATURIZER_VERSION,
      backend: this.backend,
      trainingSize: this.trainingSize,
      metrics: { ...this.metrics },
      weights: encodeContainer(header, tensors),
    };
  }

  static restore(schema: ModelSchema, saved: SavedModel): DeepEnsembleSurrogate {
    const { header, tensors } = decodeContainer<EnsembleHeader>(saved.weights);
    if (header.kind !== 'mpnn-ensemble') throw new ModelError(`not an ensemble model: ${header.kind}`);
    if (header.schemaKey !== schemaKey(schema)) throw new ModelError('the saved model was trained on a different search space or targets');
    const model = new DeepEnsembleSurrogate(schema, header.config);
    model.shapes = header.shapes;
    model.standardizations = header.standardization;
    model.calibration = header.calibration;
    model.metrics = header.metrics;
    model.trainingSize = header.trainingSize;
    model.backend = header.backend;
    model.members = Array.from({ length: header.members }, (_, m) => {
      const snapshot: Snapshot = new Map();
      for (const name of Object.keys(header.shapes)) {
        const values = tensors.get(`member${m}/${name}`);
        if (!(values instanceof Float32Array)) throw new ModelError(`saved ensemble lacks member ${m} parameter ${name}`);
        snapshot.set(name, values);
      }
      return snapshot;
    });
    return model;
  }

  /** For attributions: runs `f` with each member's parameters live. */
  withMembers<T>(f: (params: Parameters, config: ReactionNetConfig) => T, conditionWidth: number): T[] {
    const config = this.networkConfig(conditionWidth);
    return this.members.map((snapshot) => withParameters(this.shapes, snapshot, (p) => f(p, config)));
  }

  targetScale(target: string): number {
    const j = this.schema.targets.indexOf(target);
    if (j < 0) throw new ModelError(`unknown target ${target}`);
    return this.standardizations[j]!.scale;
  }
}

function withParameters<T>(shapes: Record<string, number[]>, snapshot: Snapshot, f: (p: Parameters) => T): T {
  const params = Parameters.fromArrays(shapes, snapshot);
  try {
    return f(params);
  } finally {
    params.dispose();
  }
}

/** One member's predictions on `rows` of the table, chunked; molecules are encoded once. */
function runMember(params: Parameters, config: ReactionNetConfig, table: ReactionTable, rows: Int32Array): MemberOutput {
  const T = config.targets;
  const mean = new Float32Array(rows.length * T);
  const variance = new Float32Array(rows.length * T);
  const embeddings = moleculeEmbeddings(params, config, table.layout);
  try {
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = rows.subarray(start, Math.min(rows.length, start + CHUNK));
      const batch: ReactionRows = {
        byRole: table.byRole.map((a) => Int32Array.from(chunk, (i) => a[i]!)),
        conditions: Float32Array.from({ length: chunk.length * table.conditionWidth }, (_, k) => {
          const i = chunk[Math.floor(k / table.conditionWidth)]!;
          return table.conditions[i * table.conditionWidth + (k % table.conditionWidth)]!;
        }),
        rows: chunk.length,
      };
      tf.tidy(() => {
        const out = forwardReactions(params, config, table.layout, batch, embeddings ? { embeddings } : {});
        mean.set(out.mean.dataSync(), start * T);
        variance.set(out.variance.dataSync(), start * T);
      });
    }
  } finally {
    embeddings?.dispose();
  }
  return { mean, variance };
}
