/**
 * A Gaussian process surrogate on fingerprint similarity and conditions (kernel: gp-kernel.ts),
 * one GP per target. The estimator for a campaign's low-data start: exact Bayesian posterior,
 * epistemic σ that grows away from the data by construction, hyperparameters by MAP on the
 * marginal likelihood, calibration by a σ factor fitted on leave-one-out predictions (closed
 * form for a GP: μ₋ᵢ = yᵢ − αᵢ/[K⁻¹]ᵢᵢ, σ²₋ᵢ = 1/[K⁻¹]ᵢᵢ).
 *
 * Cost is cubic in the training size: the hyperparameters are fitted on at most
 * `maxOptimizationPoints` results; the final factorisation uses all of them.
 */
import * as tf from '@tensorflow/tfjs';
import { FEATURIZER_VERSION } from '../chem/index.js';
import { rngFor, shuffled } from '../util/random.js';
import { initTensorBackend } from './backend.js';
import { varianceScale } from './calibration.js';
import {
  codeInputs,
  crossCovariance,
  distanceTables,
  factorsOf,
  factorValues,
  hyperToVector,
  kernelTables,
  priorVariance,
  vectorToHyper,
  type CodedInputs,
  type Factor,
  type KernelHyper,
  type SubstanceKernel,
} from './gp-kernel.js';
import { defaultHyper, defaultPriors, negativeLogPosterior, type HyperPriors } from './gp-likelihood.js';
import { laplaceHyperSamples } from './gp-hyper-posterior.js';
import { minimizeLbfgs, type Objective } from './lbfgs.js';
import { fingerprintSimilarity } from './featurize/similarity.js';
import { choleskyWithJitter, invertLower, solveLower, solveUpperTransposed } from './linalg.js';
import { mean as average, r2, rmse } from './metrics.js';
import { checkTrainingData, schemaKey } from './schema.js';
import { decodeContainer, encodeContainer } from './serialization.js';
import { fitLogitWarping, fitWarping, standardizingWarp, toTargetUnits, unwarp, warp, type Warping } from './warping.js';
import { FitAbortedError, ModelError, type FitOptions, type FitReport, type ModelSchema, type Posterior, type ReactionInput, type SavedModel, type Surrogate, type TrainingData } from './types.js';

export interface GpConfig {
  /** hyperparameters are fitted on at most this many results (a seeded random subset) */
  maxOptimizationPoints: number;
  maxIterations: number;
  /** iterations when warm-started from the previous version's hyperparameters */
  warmIterations: number;
  /** model Yeo–Johnson-warped targets (skewed yields) instead of merely standardised ones */
  warpTargets: boolean;
  /**
   * Morgan radius of the role similarity. 2 tells the substances a campaign has tried apart best
   * (bench:campaign: BH median to a top-1 % reaction 20.5 against 25 with radius 1); 1 predicts
   * substances it has not tried better (Ahneman's out-of-sample additive sets: R² 0.740 against
   * 0.723), which is the routed model's GP's job (NOVEL_SUBSTANCE_GP_CONFIG). Models saved before
   * this setting existed used 2 and are restored with it.
   */
  fingerprintRadius: number;
  /**
   * For a target with bounds (ModelSchema.bounds): model the logit of its place between them
   * instead of Yeo–Johnson-warped values. Absent in configs saved before it existed (false).
   */
  logitBoundedTargets?: boolean;
  /**
   * How substances are compared: Tanimoto on Morgan fingerprints, MinMax on Weisfeiler–Lehman
   * subtree counts of our own molecular graphs, or both as separate factors. Absent in configs
   * saved before it existed (morgan).
   */
  substanceKernel?: SubstanceKernel;
  /** Priors of the kernel hyperparameters (default WEAK_PRIORS). */
  hyperPriors?: HyperPriors;
  /** Add the two-way interaction term to the kernel (gp-kernel.ts). Absent in configs saved before it existed (false). */
  pairInteractions?: boolean;
  /**
   * Predict with this many draws of the hyperparameters from their Laplace posterior beside the
   * MAP (gp-hyper-posterior.ts): predictions and batch fantasies are the mixture of those GPs. 0 or
   * absent: the MAP alone. Atom attributions, kernel similarities and the leave-one-out figures
   * (cv_r2, calibration) stay those of the MAP.
   */
  hyperSamples?: number;
}

export const DEFAULT_GP_CONFIG: GpConfig = {
  maxOptimizationPoints: 400,
  maxIterations: 60,
  warmIterations: 20,
  warpTargets: true,
  fingerprintRadius: 2,
  logitBoundedTargets: true,
};

/** The default GP's configuration with a campaign's choices of substance kernel and hyperparameter draws (planner.model). */
export function defaultGpConfig(substanceKernel?: SubstanceKernel, hyperSamples?: number): GpConfig {
  return { ...DEFAULT_GP_CONFIG, ...(substanceKernel ? { substanceKernel } : {}), ...(hyperSamples ? { hyperSamples } : {}) };
}

/** The GP that answers for candidates holding a substance no result contains (routed.ts). */
export const NOVEL_SUBSTANCE_GP_CONFIG: GpConfig = { ...DEFAULT_GP_CONFIG, fingerprintRadius: 1 };
/** What a saved model without the setting was fitted with. */
const LEGACY_FINGERPRINT_RADIUS = 2;
/** The box the log hyperparameters are optimised (and drawn) in. */
const HYPER_LOWER = -12;
const HYPER_UPPER = 8;

type FactorValue = string | number;

/** A posterior that batch selection can condition on fantasised results (GaussianProcessSurrogate.believer). */
export interface Believer {
  /** Mean and total σ in target units before any pick. */
  mean: Float64Array;
  sigma: Float64Array;
  /** Conditions on a result at input `pick` equal to its mean; every input's mean and σ after it. */
  believe(pick: number): { mean: Float64Array; sigma: Float64Array };
}

/** What a fitted GP keeps per target; everything else is recomputed from it. */
interface TargetState {
  hyper: KernelHyper;
  /** target units ↔ modelled units */
  warping: Warping;
  /** rows of the training inputs where this target was measured */
  rows: number[];
  /** the warped (standardised) values on those rows */
  y: Float64Array;
  calibration: number;
  /** draws from the hyperparameters' Laplace posterior, predicted with beside `hyper` (GpConfig.hyperSamples) */
  samples?: KernelHyper[];
}

interface TargetPosterior {
  coded: CodedInputs;
  alpha: Float64Array;
  /** (L⁻¹)ᵀ as float32, n × n, for the batched variance product */
  inverseFactorT: Float32Array;
}

interface GpHeader {
  kind: string;
  schemaKey: string;
  featurizerVersion: string;
  backend: string;
  config: GpConfig;
  trainingValues: FactorValue[][];
  targets: Record<string, Omit<TargetState, 'y'> & { y: number[] }>;
  metrics: Record<string, number>;
}

/**
 * Moments at candidate i (modelled units) of the equal-weight mixture of GPs a model predicts with
 * (the MAP alone, or with draws of GpConfig.hyperSamples): the members' mean, their mean latent
 * variance plus the spread of their means, and their mean noise variance.
 */
function mixtureAt(members: readonly { mu: Float64Array; latent: Float64Array; noise: number }[], i: number): { mu: number; latent: number; noise: number } {
  const share = 1 / members.length;
  let mu = 0;
  for (const member of members) mu += share * member.mu[i]!;
  let latent = 0;
  let noise = 0;
  for (const member of members) {
    latent += share * (member.latent[i]! + (member.mu[i]! - mu) ** 2);
    noise += share * member.noise;
  }
  return { mu, latent, noise };
}

export class GaussianProcessSurrogate implements Surrogate {
  readonly kind = 'gp';
  private readonly factors: Factor[];
  private trainingValues: FactorValue[][] = [];
  private states = new Map<string, TargetState>();
  private posteriors = new Map<string, TargetPosterior>();
  /** per target: the posteriors of the hyperparameter draws (TargetState.samples) */
  private samplePosteriors = new Map<string, TargetPosterior[]>();
  private metrics: Record<string, number> = {};
  private backend = 'cpu';

  constructor(
    readonly schema: ModelSchema,
    readonly config: GpConfig = DEFAULT_GP_CONFIG,
  ) {
    this.factors = factorsOf(schema, config.fingerprintRadius, config.substanceKernel ?? 'morgan');
    if (this.factors.length === 0) throw new ModelError('the search space has no parameters to model');
  }

  /** The Morgan fingerprints this model compares substances by (radius, bits); none for a kernel without them. */
  get substanceFingerprints(): { radius: number; nBits: number }[] {
    return (this.config.substanceKernel ?? 'morgan').split('+').includes('morgan') ? [{ radius: this.config.fingerprintRadius, nBits: 2048 }] : [];
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const started = performance.now();
    checkTrainingData(this.schema, data);
    this.backend = (await initTensorBackend()).backend;
    this.trainingValues = data.inputs.map((input) => factorValues(this.schema, this.factors, input));
    // a warm start needs the same factors (an operator may have changed the substance kernel)
    const warm =
      options.warmStart instanceof GaussianProcessSurrogate && schemaKey(options.warmStart.schema) === schemaKey(this.schema) && options.warmStart.factors.length === this.factors.length
        ? options.warmStart
        : null;
    this.states.clear();
    this.posteriors.clear();
    this.samplePosteriors.clear();
    const metrics: Record<string, number> = {};
    const targets = this.schema.targets;
    for (const [t, target] of targets.entries()) {
      if (options.signal?.aborted) throw new FitAbortedError();
      const values = data.targets[target]!;
      const rows = values.flatMap((v, i) => (Number.isFinite(v) ? [i] : []));
      const observed = rows.map((i) => values[i]!);
      const bounds = this.schema.bounds?.[target];
      const warping = this.warpingFor(observed, bounds);
      const y = Float64Array.from(observed, (v) => warp(warping, v));
      const pairs = this.config.pairInteractions === true;
      const previous = warm?.states.get(target)?.hyper;
      // a warm start needs the same hyperparameters (the two-way term may have been switched)
      const start = previous && (previous.logPairVariance !== undefined) === (pairs && this.factors.length >= 2) ? previous : defaultHyper(this.factors, this.config.hyperPriors, pairs);
      const report = (fraction: number) => options.onProgress?.({ stage: `gp:${target}`, fraction: (t + fraction) / targets.length });
      report(0);
      // one objective (a seeded subset, its distance tables) serves the optimiser and the draws
      const likelihood = rows.length >= 2 ? this.hyperObjective(rows, y, options) : null;
      const hyper = likelihood ? this.optimiseHyper(likelihood.objective, start, warm ? this.config.warmIterations : this.config.maxIterations) : start;
      report(0.8);
      const samples = likelihood ? this.hyperDraws(likelihood, hyper, rows.length, options) : [];
      const state: TargetState = { hyper, warping, rows, y, calibration: 1, ...(samples.length > 0 ? { samples } : {}) };
      const posterior = this.factorise(state);
      this.samplePosteriors.set(target, samples.map((h) => this.factorise({ ...state, hyper: h })));
      const loo = this.leaveOneOut(state, posterior);
      // below three results a leave-one-out residual says nothing about the scale
      state.calibration = rows.length >= 3 ? varianceScale(loo.residuals, loo.variances) : 1;
      this.states.set(target, state);
      this.posteriors.set(target, posterior);
      const suffix = targets.length > 1 ? `:${target}` : '';
      const yUnits = observed;
      const looUnits = Array.from(loo.means, (m, i) => toTargetUnits(warping, m, Math.sqrt(loo.variances[i]!), bounds).mean);
      metrics[`cv_r2${suffix}`] = rows.length > 2 ? r2(yUnits, looUnits) : Number.NaN;
      metrics[`cv_rmse${suffix}`] = rmse(yUnits, looUnits);
      metrics[`calibration_scale${suffix}`] = state.calibration;
      metrics[`warp_lambda${suffix}`] = warping.lambda;
      report(1);
    }
    if (targets.length > 1) {
      for (const name of ['cv_r2', 'cv_rmse', 'calibration_scale']) metrics[name] = average(targets.map((t) => metrics[`${name}:${t}`]!));
    }
    this.metrics = metrics;
    return { kind: this.kind, trainingSize: data.inputs.length, seconds: (performance.now() - started) / 1000, metrics: { ...metrics } };
  }

  private warpingFor(observed: number[], bounds: [number, number] | undefined): Warping {
    if (!this.config.warpTargets) return standardizingWarp(observed);
    if (bounds && this.config.logitBoundedTargets) return fitLogitWarping(observed, bounds);
    // λ by likelihood needs a handful of values to mean anything
    return observed.length >= 8 ? fitWarping(observed) : standardizingWarp(observed);
  }

  /** The negative log posterior of the hyperparameters (÷ its size) on a seeded subset of a target's rows. */
  private hyperObjective(rows: number[], y: Float64Array, options: FitOptions): { objective: Objective; size: number } {
    // a seeded subset keeps each likelihood evaluation cheap (cubic in its size)
    const subset = rows.length <= this.config.maxOptimizationPoints
      ? rows.map((_, k) => k)
      : shuffled(rows.map((_, k) => k), rngFor(options.seed, 'gp-subset')).slice(0, this.config.maxOptimizationPoints);
    const coded = codeInputs(this.factors, subset.map((k) => this.trainingValues[rows[k]!]!));
    const distances = distanceTables(this.factors, coded, coded);
    const ySubset = Float64Array.from(subset, (k) => y[k]!);
    const priors = defaultPriors(this.factors, this.config.hyperPriors, this.config.pairInteractions === true);
    const objective: Objective = (theta) => {
      if (options.signal?.aborted) throw new FitAbortedError();
      return negativeLogPosterior(this.factors, coded, distances, ySubset, priors, theta);
    };
    return { objective, size: subset.length };
  }

  private optimiseHyper(objective: Objective, start: KernelHyper, iterations: number): KernelHyper {
    if (iterations === 0) return start;
    const { x } = minimizeLbfgs(objective, hyperToVector(start), { maxIterations: iterations, lower: HYPER_LOWER, upper: HYPER_UPPER });
    return vectorToHyper(x, this.factors.length);
  }

  /** Draws of the hyperparameters from their Laplace posterior around the MAP (none unless GpConfig.hyperSamples). */
  private hyperDraws(likelihood: { objective: Objective; size: number }, mode: KernelHyper, results: number, options: FitOptions): KernelHyper[] {
    const draws = this.config.hyperSamples ?? 0;
    // below three results the posterior is the prior's, which the MAP already stands for
    if (draws <= 0 || results < 3) return [];
    return laplaceHyperSamples(likelihood.objective, hyperToVector(mode), { draws, objectiveScale: likelihood.size, lower: HYPER_LOWER, upper: HYPER_UPPER, rng: rngFor(options.seed, 'gp-hyper-draws', results) })
      .slice(1)
      .map((theta) => vectorToHyper(theta, this.factors.length));
  }

  /** Cholesky factor, α = K⁻¹y and (L⁻¹)ᵀ of one target's training covariance. */
  private factorise(state: TargetState): TargetPosterior {
    const coded = codeInputs(this.factors, state.rows.map((i) => this.trainingValues[i]!));
    const n = coded.n;
    const k = crossCovariance(coded, coded, kernelTables(this.factors, distanceTables(this.factors, coded, coded), state.hyper), state.hyper);
    const noise = Math.exp(state.hyper.logNoise);
    for (let i = 0; i < n; i++) k[i * n + i] = k[i * n + i]! + noise;
    const { l } = choleskyWithJitter(k, n, priorVariance(state.hyper));
    const alpha = solveUpperTransposed(l, n, solveLower(l, n, state.y));
    const inverse = invertLower(l, n);
    const inverseFactorT = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) inverseFactorT[j * n + i] = inverse[i * n + j]!;
    return { coded, alpha, inverseFactorT };
  }

  private leaveOneOut(state: TargetState, posterior: TargetPosterior) {
    const n = posterior.coded.n;
    const means = new Float64Array(n);
    const variances = new Float64Array(n);
    const residuals = new Float64Array(n);
    // [K⁻¹]ᵢᵢ = Σ_k (L⁻¹)²ₖᵢ = squared norm of row i of (L⁻¹)ᵀ
    for (let i = 0; i < n; i++) {
      let diag = 0;
      for (let k = 0; k < n; k++) diag += posterior.inverseFactorT[i * n + k]! ** 2;
      variances[i] = 1 / diag;
      means[i] = state.y[i]! - posterior.alpha[i]! / diag;
      residuals[i] = state.y[i]! - means[i]!;
    }
    return { means, variances, residuals };
  }

  async predict(inputs: ReactionInput[]): Promise<Record<string, Posterior>> {
    await initTensorBackend();
    if (this.states.size === 0) throw new ModelError('the model has not been fitted');
    const coded = codeInputs(this.factors, inputs.map((input) => factorValues(this.schema, this.factors, input)));
    const out: Record<string, Posterior> = {};
    for (const target of this.schema.targets) {
      const state = this.states.get(target)!;
      const posterior = this.posteriors.get(target)!;
      const m = coded.n;
      const distances = distanceTables(this.factors, coded, posterior.coded);
      const members = [{ hyper: state.hyper, posterior }, ...(state.samples ?? []).map((hyper, k) => ({ hyper, posterior: this.samplePosteriors.get(target)![k]! }))];
      const moments = members.map((member) => this.latentMoments(coded, distances, member.hyper, member.posterior));
      const c = state.calibration;
      const bounds = this.schema.bounds?.[target];
      const result: Posterior = { mean: new Float64Array(m), sigma: new Float64Array(m), epistemic: new Float64Array(m), aleatoric: new Float64Array(m) };
      for (let i = 0; i < m; i++) {
        const { mu, latent, noise } = mixtureAt(moments, i);
        // total and epistemic σ mapped back through the warping; aleatoric is the remainder
        const total = toTargetUnits(state.warping, mu, c * Math.sqrt(latent + noise), bounds);
        const epistemic = toTargetUnits(state.warping, mu, c * Math.sqrt(latent), bounds).sd;
        result.mean[i] = total.mean;
        result.sigma[i] = total.sd;
        result.epistemic[i] = Math.min(epistemic, total.sd);
        result.aleatoric[i] = Math.sqrt(Math.max(total.sd ** 2 - result.epistemic[i]! ** 2, 0));
      }
      out[target] = result;
    }
    return out;
  }

  /**
   * Latent mean and variance (modelled units) of coded inputs under one set of hyperparameters, and
   * its noise variance. With `keepProjection`, also V = K*·L⁻ᵀ (m × n, row-major), whose rows' dot
   * products are the explained covariances batch fantasies need; otherwise only its rows' squared
   * norms leave tfjs.
   */
  private latentMoments(
    coded: CodedInputs,
    distances: Float64Array[],
    hyper: KernelHyper,
    posterior: TargetPosterior,
    keepProjection = false,
  ): { mu: Float64Array; latent: Float64Array; noise: number; prior: number; v?: Float32Array } {
    const n = posterior.coded.n;
    const m = coded.n;
    const cross = crossCovariance(coded, posterior.coded, kernelTables(this.factors, distances, hyper), hyper);
    const project = () => tf.matMul(tf.tensor2d(Float32Array.from(cross), [m, n]), tf.tensor2d(posterior.inverseFactorT, [n, n]));
    let v: Float32Array | undefined;
    let explained: ArrayLike<number>;
    if (keepProjection) {
      // the product leaves tidy as a tensor: tidy would walk a returned typed array element by element
      const product = tf.tidy(project);
      v = product.dataSync() as Float32Array;
      product.dispose();
      const squares = new Float64Array(m);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) squares[i] = squares[i]! + v[i * n + j]! ** 2;
      explained = squares;
    } else {
      // explained variance Σ_k (K*·L⁻ᵀ)²ᵢₖ as one matMul: m × n by n × n
      explained = tf.tidy(() => tf.sum(tf.square(project()), 1).dataSync());
    }
    const prior = priorVariance(hyper);
    const mu = new Float64Array(m);
    const latent = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += cross[i * n + j]! * posterior.alpha[j]!;
      mu[i] = s;
      latent[i] = Math.max(prior - explained[i]!, 1e-12 * prior);
    }
    return { mu, latent, noise: Math.exp(hyper.logNoise), prior, ...(v ? { v } : {}) };
  }

  /**
   * Batch fantasies (the "kriging believer" of Ginsbourger et al. 2010): the posterior over
   * `inputs`, which can then be conditioned, one pick at a time, on a result at a chosen input
   * equal to its predicted mean. The mean stays where it is in modelled units; σ shrinks by the
   * pick's posterior covariance with every other input — in the kernel's own learned metric, so
   * picking one reaction of an amine the model sees as one main effect lowers the σ of that
   * amine's other reactions. Exact rank-one updates of the latent covariance, O(inputs × training
   * size) per pick, never a refit.
   */
  async believer(inputs: ReactionInput[], target: string): Promise<Believer> {
    await initTensorBackend();
    const state = this.states.get(target);
    const posterior = this.posteriors.get(target);
    if (!state || !posterior) throw new ModelError(`the model has not been fitted for ${target}`);
    const coded = codeInputs(this.factors, inputs.map((input) => factorValues(this.schema, this.factors, input)));
    const m = coded.n;
    const n = posterior.coded.n;
    const distances = distanceTables(this.factors, coded, posterior.coded);
    const selfDistances = distanceTables(this.factors, coded, coded);
    const hypers = [state.hyper, ...(state.samples ?? [])];
    const posteriors = [posterior, ...(this.samplePosteriors.get(target) ?? [])];
    // one conditioned GP per set of hyperparameters (the MAP, and the draws of GpConfig.hyperSamples)
    const members = hypers.map((hyper, k) => {
      const { v, ...moments } = this.latentMoments(coded, distances, hyper, posteriors[k]!, true);
      return { hyper, v: v!, ...moments, selfTables: kernelTables(this.factors, selfDistances, hyper), updates: [] as Float64Array[] };
    });
    const c = state.calibration;
    const bounds = this.schema.bounds?.[target];
    const inTargetUnits = () => {
      const mean = new Float64Array(m);
      const sigma = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        const { mu, latent, noise } = mixtureAt(members, i);
        const t = toTargetUnits(state.warping, mu, c * Math.sqrt(latent + noise), bounds);
        mean[i] = t.mean;
        sigma[i] = t.sd;
      }
      return { mean, sigma };
    };
    return {
      ...inTargetUnits(),
      believe: (pick: number) => {
        // every member is conditioned on a result at the pick equal to the mixture's mean there (the MAP alone: its own mean, which it keeps)
        const believed = mixtureAt(members, pick).mu;
        const single: CodedInputs = { values: coded.values, codes: coded.codes.map((codes) => Int32Array.of(codes[pick]!)), n: 1 };
        for (const member of members) {
          const covariance = crossCovariance(coded, single, member.selfTables, member.hyper);
          for (let i = 0; i < m; i++) {
            let explained = 0;
            for (let j = 0; j < n; j++) explained += member.v[i * n + j]! * member.v[pick * n + j]!;
            let earlier = 0;
            for (const u of member.updates) earlier += u[i]! * u[pick]!;
            covariance[i] = covariance[i]! - explained - earlier;
          }
          const scale = 1 / Math.sqrt(member.latent[pick]! + member.noise);
          const u = covariance.map((x) => x * scale);
          const shift = (believed - member.mu[pick]!) * scale;
          member.updates.push(u);
          for (let i = 0; i < m; i++) {
            member.latent[i] = Math.max(member.latent[i]! - u[i]! ** 2, 1e-12 * member.prior);
            member.mu[i] = member.mu[i]! + u[i]! * shift;
          }
        }
        return inTargetUnits();
      },
    };
  }

  /**
   * The predicted mean of `input` (target units), and the mean again with the role's molecule seen
   * through each of `fingerprints` instead (packed 2,048-bit Morgan fingerprints at this model's
   * radius, e.g. with an atom's bits removed) in the role's Morgan factors. The latent σ is kept at
   * the unmodified input's, so the differences are differences of the mean alone. The role's WL and
   * one-hot views, if the kernel has them, see the molecule unchanged.
   */
  meansWithFingerprints(input: ReactionInput, target: string, role: string, fingerprints: readonly Uint32Array[]): { mean: number; variants: number[] } {
    const state = this.states.get(target);
    const posterior = this.posteriors.get(target);
    if (!state || !posterior) throw new ModelError(`the model has not been fitted for ${target}`);
    const roleFactors = this.factors.flatMap((f, i) => (f.kind === 'role' && f.name === role && (f.similarity ?? 'morgan') === 'morgan' ? [i] : []));
    if (roleFactors.length === 0) throw new ModelError(`this gp model compares ${role} substances without Morgan fingerprints (substance kernel ${this.config.substanceKernel ?? 'morgan'})`);
    const coded = codeInputs(this.factors, [factorValues(this.schema, this.factors, input)]);
    const n = posterior.coded.n;
    const distances = distanceTables(this.factors, coded, posterior.coded);
    const latentMean = (tables: Float64Array[]) => {
      const cross = crossCovariance(coded, posterior.coded, kernelTables(this.factors, tables, state.hyper), state.hyper);
      let mu = 0;
      for (let j = 0; j < n; j++) mu += cross[j]! * posterior.alpha[j]!;
      return { mu, cross };
    };
    const base = latentMean(distances);
    let explained = 0;
    for (let k = 0; k < n; k++) {
      let v = 0;
      for (let j = 0; j < n; j++) v += base.cross[j]! * posterior.inverseFactorT[j * n + k]!;
      explained += v * v;
    }
    const prior = priorVariance(state.hyper);
    const sd = state.calibration * Math.sqrt(Math.max(prior - explained, 1e-12 * prior) + Math.exp(state.hyper.logNoise));
    const bounds = this.schema.bounds?.[target];
    const inUnits = (mu: number) => toTargetUnits(state.warping, mu, sd, bounds).mean;
    const variants = fingerprints.map((fingerprint) => {
      const tables = distances.slice();
      for (const f of roleFactors) {
        const radius = this.factors[f]!.radius!;
        tables[f] = Float64Array.from(posterior.coded.values[f]!, (v) => 1 - fingerprintSimilarity(fingerprint, v as string, radius));
      }
      return inUnits(latentMean(tables).mu);
    });
    return { mean: inUnits(base.mu), variants };
  }

  /** Identifies a training input the way this model sees it, to find which training row a result is. */
  inputKey(input: ReactionInput): string {
    return JSON.stringify(factorValues(this.schema, this.factors, input));
  }

  /**
   * Leave-one-out predictions of a target's training results, in its units: each result predicted
   * by the posterior of all the others (the numbers cv_r2 and cv_rmse are computed from, computed
   * the same way), with each result's input key and observed value.
   */
  heldOut(target: string): { keys: string[]; observed: number[]; mean: number[]; sigma: number[] } {
    const state = this.states.get(target);
    const posterior = this.posteriors.get(target);
    if (!state || !posterior) throw new ModelError(`the model has not been fitted for ${target}`);
    const bounds = this.schema.bounds?.[target];
    const loo = this.leaveOneOut(state, posterior);
    const keys: string[] = [];
    const observed: number[] = [];
    const mean: number[] = [];
    const sigma: number[] = [];
    state.rows.forEach((row, i) => {
      keys.push(JSON.stringify(this.trainingValues[row]));
      observed.push(unwarp(state.warping, state.y[i]!));
      mean.push(toTargetUnits(state.warping, loo.means[i]!, Math.sqrt(loo.variances[i]!), bounds).mean);
      sigma.push(toTargetUnits(state.warping, loo.means[i]!, state.calibration * Math.sqrt(loo.variances[i]!), bounds).sd);
    });
    return { keys, observed, mean, sigma };
  }

  /** Kernel correlation k(x, xⱼ)/k(x, x) of an input with each training result of a target (1: the model cannot tell them apart). */
  similarities(input: ReactionInput, target: string): { keys: string[]; similarity: number[] } {
    const state = this.states.get(target);
    const posterior = this.posteriors.get(target);
    if (!state || !posterior) throw new ModelError(`the model has not been fitted for ${target}`);
    const coded = codeInputs(this.factors, [factorValues(this.schema, this.factors, input)]);
    const cross = crossCovariance(coded, posterior.coded, kernelTables(this.factors, distanceTables(this.factors, coded, posterior.coded), state.hyper), state.hyper);
    const prior = priorVariance(state.hyper);
    return { keys: state.rows.map((row) => JSON.stringify(this.trainingValues[row])), similarity: Array.from(cross, (k) => k / prior) };
  }

  async save(): Promise<SavedModel> {
    if (this.states.size === 0) throw new ModelError('the model has not been fitted');
    const header: GpHeader = {
      kind: this.kind,
      schemaKey: schemaKey(this.schema),
      featurizerVersion: FEATURIZER_VERSION,
      backend: this.backend,
      config: this.config,
      trainingValues: this.trainingValues,
      targets: Object.fromEntries([...this.states].map(([t, s]) => [t, { ...s, y: Array.from(s.y) }])),
      metrics: this.metrics,
    };
    return {
      kind: this.kind,
      featurizerVersion: FEATURIZER_VERSION,
      backend: this.backend,
      trainingSize: this.trainingValues.length,
      metrics: { ...this.metrics },
      weights: encodeContainer(header, new Map()),
    };
  }

  /** Rebuilds a fitted GP: the factorisation is recomputed from the stored data, bit for bit. */
  static restore(schema: ModelSchema, saved: SavedModel): GaussianProcessSurrogate {
    const { header } = decodeContainer<GpHeader>(saved.weights);
    if (header.kind !== 'gp') throw new ModelError(`not a GP model: ${header.kind}`);
    if (header.schemaKey !== schemaKey(schema)) throw new ModelError('the saved model was trained on a different search space or targets');
    const model = new GaussianProcessSurrogate(schema, { ...header.config, fingerprintRadius: header.config.fingerprintRadius ?? LEGACY_FINGERPRINT_RADIUS });
    model.trainingValues = header.trainingValues;
    model.metrics = header.metrics;
    model.backend = header.backend;
    for (const [target, s] of Object.entries(header.targets)) {
      const state: TargetState = { ...s, y: Float64Array.from(s.y) };
      model.states.set(target, state);
      model.posteriors.set(target, model.factorise(state));
      model.samplePosteriors.set(target, (state.samples ?? []).map((hyper) => model.factorise({ ...state, hyper })));
    }
    return model;
  }
}
