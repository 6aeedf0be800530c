/**
 * Transfer from related tasks by a ranking-weighted ensemble of Gaussian processes (RGPE: Feurer,
 * Letham, Hutter & Bakshy 2018, "Scalable meta-learning for Bayesian optimization using
 * ranking-weighted Gaussian process ensembles"; docs/transfer.md). One GP per prior source, each
 * on all of that source's rows, and the campaign's own default GP on its own results; the
 * prediction is their weighted sum (standardised units),
 *   μ(x) = Σᵢ wᵢ μᵢ(x),   σ²(x) = Σᵢ wᵢ² σᵢ²(x),
 * where wᵢ is the probability that model i ranks the campaign's own results best: over bootstrap
 * resamples of those results, each model's posterior (the campaign's own model's leave-one-out
 * posterior) is sampled and the pairs it orders wrongly counted; each resample's vote goes to the
 * model with the fewest. A source whose median count is above the 95th percentile of the own
 * model's is dropped (the paper's guard against weight dilution).
 *
 * Two guards of this project's, against sources that carry nothing (bench:transfer's shuffled
 * plates, with which the paper's rules alone missed 1-chloro-4-(trifluoromethyl)benzene's top
 * reactions within 30 experiments in 7 of 10 seeds, against 2 of 10 cold): a source must rank the campaign's results
 * better than chance in 90 % of the resamples (a random order gets half the pairs wrong) to be
 * weighed at all, less as the sources agree with one another; and the sources together weigh no
 * more than the probability that they carry over at all, taken to be how far they agree with one
 * another beyond chance (one source: even odds until it ranks the campaign's results, then the
 * share of resamples it ranks better than chance), the campaign's own model the rest.
 *
 * Tried and not kept: the mixture's variance Σᵢ wᵢ (σᵢ² + μᵢ²) − μ² instead of the paper's (it
 * counts the models' disagreement as doubt, so the first batch went where the plates disagree, not
 * where they agree the yield is high: 9–10 experiments to a top-3 reaction against 4).
 *
 * Why beside the intrinsic coregionalisation model (multitask-gp.ts): its cost is cubic in the
 * rows of all tasks together, so it sees a sample of the sources (240 rows, about 17 per
 * Buchwald–Hartwig plate), and its mean ranked the first of 1-bromo-4-(trifluoromethyl)benzene's
 * top-3 reactions 14th where the plates' own condition-by-condition consensus ranks it 5th, as
 * this model does (docs/transfer.md). Here each source is its own GP over
 * all its rows (cubic per source only), sources that rank the campaign's results badly lose their
 * weight one by one, and the campaign's own model takes over as its results say more; with no
 * result of its own the sources weigh equally and the mean follows their consensus.
 *
 * The sources share one kernel, fitted once on a sample of their rows (each source standardised
 * on its own and a GP of its own, likelihoods summed): the plates of one reaction share its
 * condition space, and pooled into one GP their disagreement would be taken for noise. Sources do not
 * change during a campaign, so a warm start with the same source rows reuses that kernel.
 * Hand-written on this project's kernel and linear algebra: no library here offers a GP.
 */
import { createHash } from 'node:crypto';
import { FEATURIZER_VERSION } from '../chem/index.js';
import { normal, rngFor, sampleInProportion, shuffled } from '../util/random.js';
import { initTensorBackend } from './backend.js';
import { codeInputs, crossCovariance, distanceTables, factorsOf, factorValues, kernelTables, priorVariance, type CodedInputs, type Factor, type KernelHyper, type SubstanceKernel } from './gp-kernel.js';
import { fitKernelByMap, meanSd } from './gp-likelihood.js';
import { GaussianProcessSurrogate } from './gp.js';
import { inverseFactorSolve, posteriorFactors, posteriorMoments } from './linalg.js';
import { median, pearson, percentile } from './metrics.js';
import { OWN_TASK } from './multitask-gp.js';
import { fitOwnTaskGp, restoreOwnTaskGp, saveOwnTaskGp } from './own-task-gp.js';
import { checkTrainingData, schemaKey } from './schema.js';
import { openSavedGp, savedGpModel } from './saved-gp.js';
import type { TensorData } from './serialization.js';
import { FitAbortedError, ModelError, type FitOptions, type FitReport, type ModelSchema, type Posterior, type ReactionInput, type SavedModel, type Surrogate, type TrainingData } from './types.js';

export interface RankingEnsembleConfig {
  /** Source rows the shared source kernel is fitted on (a seeded sample, each source in proportion; each source its own GP, so the cost is cubic per source only). */
  kernelRows: number;
  /** Rows one source's GP keeps at most (a seeded sample above it: its cost is cubic in them). */
  maxRowsPerSource: number;
  kernelIterations: number;
  fingerprintRadius: number;
  substanceKernel?: SubstanceKernel;
  /** Bootstrap resamples of the campaign's results the weights are estimated from. */
  weightSamples: number;
  /** The campaign's most recent results the ranking is judged on at most (its cost is quadratic in them). */
  maxRankedResults: number;
}

export const DEFAULT_RANKING_ENSEMBLE_CONFIG: RankingEnsembleConfig = {
  kernelRows: 600,
  maxRowsPerSource: 600,
  kernelIterations: 40,
  fingerprintRadius: 2,
  weightSamples: 256,
  maxRankedResults: 100,
};

type FactorValue = string | number;

interface SourceState {
  name: string;
  /** The rows' factor values (not indices: a warm start's rows sit elsewhere in the training table). */
  values: FactorValue[][];
  /** Standardised by the source's own mean and sd. */
  y: number[];
}

interface TargetState {
  hyper: KernelHyper;
  /** Identifies the source rows, so that a warm start with the same ones keeps the kernel. */
  sourceKey: string;
  sources: SourceState[];
  /** Per source, then the campaign's own model last; they sum to 1. */
  weights: number[];
  /** The campaign's scale: standardised predictions are mapped back by it. */
  scale: { mean: number; sd: number };
  /** How far the sources agree with one another beyond chance, 0 to 1 (absent with one source). */
  agreement?: number;
}

interface SourcePosterior {
  coded: CodedInputs;
  alpha: Float64Array;
  inverseFactor: Float64Array;
}

interface Header {
  kind: string;
  schemaKey: string;
  featurizerVersion: string;
  config: RankingEnsembleConfig;
  trainingSize: number;
  targets: Record<string, TargetState>;
  metrics: Record<string, number>;
  /** Whether tensor `own-gp` holds the campaign's own GP (absent below two results of its own). */
  ownModel: boolean;
}

/** Results the campaign needs before its sources are weighed by how they rank them. */
const MIN_RANKED_RESULTS = 3;

/**
 * Share of resamples in which a source must rank the campaign's results better than a random order
 * to be weighed at all, for sources that agree with one another no more than chance; sources that
 * agree need less (down to half: a campaign whose first batch followed them has its results where
 * they all predict high yields, and ranking those among themselves is the hardest test there is).
 */
const BETTER_THAN_CHANCE = 0.9;

/** The probability that a single source carries over (nothing to compare it with): even odds. */
const SINGLE_SOURCE_SHARE = 0.5;

/** Distinct source inputs the agreement is computed over at most (a seeded sample above it). */
const AGREEMENT_POINTS = 1000;

/**
 * Pairs of `points` (indices into y, repeats allowed) that draws `f` order differently from the
 * observed `y`, and the pairs compared; pairs with equal observations do not count.
 */
function misranked(f: Float64Array, y: readonly number[], points: Int32Array): { wrong: number; pairs: number } {
  let wrong = 0;
  let pairs = 0;
  for (let a = 0; a < points.length; a++) {
    const i = points[a]!;
    for (let b = a + 1; b < points.length; b++) {
      const j = points[b]!;
      if (y[i] === y[j]) continue;
      pairs++;
      if (f[a]! < f[b]! !== y[i]! < y[j]!) wrong++;
    }
  }
  return { wrong, pairs };
}

export class RankingEnsembleSurrogate implements Surrogate {
  static readonly KIND = 'gp-ranking-ensemble';
  readonly kind = RankingEnsembleSurrogate.KIND;
  private readonly factors: Factor[];
  private states = new Map<string, TargetState>();
  private posteriors = new Map<string, SourcePosterior[]>();
  private ownModel?: GaussianProcessSurrogate;
  private metrics: Record<string, number> = {};
  private trainingSize = 0;

  constructor(
    readonly schema: ModelSchema,
    readonly config: RankingEnsembleConfig = DEFAULT_RANKING_ENSEMBLE_CONFIG,
  ) {
    this.factors = factorsOf(schema, config.fingerprintRadius, config.substanceKernel ?? 'morgan');
    if (this.factors.length === 0) throw new ModelError('the search space has no parameters to model');
  }

  /** Each source's weight in the ensemble, for the objective's (first) target (the campaign's own model has the rest). */
  get weights(): Record<string, number> {
    const state = this.states.get(this.schema.targets[0]!);
    return state ? Object.fromEntries(state.sources.map((s, i) => [s.name, state.weights[i]!])) : {};
  }

  /** How far the sources agree with one another beyond chance, for the objective's (first) target. */
  get sourceAgreement(): number | undefined {
    return this.states.get(this.schema.targets[0]!)?.agreement;
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const started = performance.now();
    checkTrainingData(this.schema, data);
    await initTensorBackend();
    const tasks = data.tasks ?? data.inputs.map(() => OWN_TASK);
    if (tasks.length !== data.inputs.length) throw new ModelError(`tasks has ${tasks.length} entries for ${data.inputs.length} inputs`);
    const values = data.inputs.map((input) => factorValues(this.schema, this.factors, input));
    const own = tasks.flatMap((t, i) => (t === OWN_TASK ? [i] : []));
    const warm = options.warmStart instanceof RankingEnsembleSurrogate && schemaKey(options.warmStart.schema) === schemaKey(this.schema) ? options.warmStart : undefined;

    // the campaign's own model is the default GP on its own results: what a cold campaign has
    this.ownModel = undefined;
    if (own.length >= 2) {
      this.ownModel = await fitOwnTaskGp(this.schema, this.config.substanceKernel, data, own, { seed: options.seed, ...(warm?.ownModel ? { warmStart: warm.ownModel } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    }

    this.states.clear();
    this.posteriors.clear();
    const metrics: Record<string, number> = {};
    for (const target of this.schema.targets) {
      if (options.signal?.aborted) throw new FitAbortedError();
      const y = data.targets[target]!;
      const suffix = this.schema.targets.length > 1 ? `:${target}` : '';
      const sources = this.sourcesOf(values, y, tasks, options.seed);
      const sourceKey = createHash('sha256').update(JSON.stringify(sources)).digest('hex');
      const previous = warm?.states.get(target);
      const hyper = previous?.sourceKey === sourceKey ? previous.hyper : this.fitSourceKernel(sources, options);
      const posteriors = sources.map((s) => this.factorise(s, hyper));
      const ownRows = own.filter((i) => Number.isFinite(y[i]!));
      const ownValues = ownRows.map((i) => y[i]!);
      const sourceRaw = tasks.flatMap((t, i) => (t !== OWN_TASK && Number.isFinite(y[i]!) ? [y[i]!] : []));
      const scale = this.scaleOf(ownValues, sourceRaw);
      const agreement = sources.length >= 2 ? (previous?.sourceKey === sourceKey ? previous.agreement : this.agreementBeyondChance(sources, hyper, posteriors, options.seed)) : undefined;
      const weights = this.rankingWeights(target, ownRows.map((i) => values[i]!), ownValues, hyper, posteriors, agreement, options.seed);
      const state: TargetState = { hyper, sourceKey, sources, weights, scale, ...(agreement !== undefined ? { agreement } : {}) };
      this.states.set(target, state);
      this.posteriors.set(target, posteriors);
      sources.forEach((s, i) => (metrics[`source_weight${suffix}:${s.name}`] = weights[i]!));
      metrics[`own_weight${suffix}`] = weights[sources.length]!;
      if (agreement !== undefined) metrics[`source_agreement${suffix}`] = agreement;
      metrics[`own_rows${suffix}`] = ownRows.length;
      metrics[`source_rows${suffix}`] = sources.reduce((s, source) => s + source.y.length, 0);
    }
    this.metrics = metrics;
    this.trainingSize = data.inputs.length;
    return { kind: this.kind, trainingSize: data.inputs.length, seconds: (performance.now() - started) / 1000, metrics: { ...metrics } };
  }

  /** The related tasks' rows with a value for this target, by source (sorted by name), standardised each on its own. */
  private sourcesOf(values: FactorValue[][], y: readonly number[], tasks: readonly string[], seed: number): SourceState[] {
    const names = [...new Set(tasks.filter((t, i) => t !== OWN_TASK && Number.isFinite(y[i]!)))].sort();
    return names.map((name) => {
      let rows = tasks.flatMap((t, i) => (t === name && Number.isFinite(y[i]!) ? [i] : []));
      if (rows.length > this.config.maxRowsPerSource) rows = shuffled(rows, rngFor(seed, 'ensemble-source', name)).slice(0, this.config.maxRowsPerSource);
      const { mean, sd } = meanSd(rows.map((i) => y[i]!));
      return { name, values: rows.map((i) => values[i]!), y: rows.map((i) => (y[i]! - mean) / sd) };
    });
  }

  /** The campaign's scale: its own results' from three of them; the sources' pooled before (with its own mean once it has one). */
  private scaleOf(own: number[], sources: number[]): { mean: number; sd: number } {
    if (own.length >= 3 || sources.length === 0) return meanSd(own);
    const pooled = meanSd(sources);
    return own.length > 0 ? { mean: own.reduce((s, v) => s + v, 0) / own.length, sd: pooled.sd } : pooled;
  }

  /** The sources' shared kernel: each source a GP of its own, their likelihoods summed, on a seeded sample of each. */
  private fitSourceKernel(sources: SourceState[], options: FitOptions): KernelHyper {
    const sampled = sampleInProportion(sources.map((source) => source.y.map((_, i) => i)), this.config.kernelRows, (s) => rngFor(options.seed, 'ensemble-kernel', sources[s]!.name));
    const groups = sources.map((source, s) => {
      const kept = sampled[s]!;
      const coded = codeInputs(this.factors, kept.map((i) => source.values[i]!));
      return { coded, distances: distanceTables(this.factors, coded, coded), y: Float64Array.from(kept, (i) => source.y[i]!) };
    });
    return fitKernelByMap(this.factors, groups, this.config.kernelIterations, options.signal);
  }

  private factorise(source: SourceState, hyper: KernelHyper): SourcePosterior {
    const coded = codeInputs(this.factors, source.values);
    const n = coded.n;
    const k = crossCovariance(coded, coded, kernelTables(this.factors, distanceTables(this.factors, coded, coded), hyper), hyper);
    const noise = Math.exp(hyper.logNoise);
    for (let i = 0; i < n; i++) k[i * n + i] = k[i * n + i]! + noise;
    return { coded, ...posteriorFactors(k, n, source.y, priorVariance(hyper)) };
  }

  /** One source GP's mean, σ (noise included) and σ of the function alone at coded inputs, standardised units. */
  private sourcePosterior(posterior: SourcePosterior, hyper: KernelHyper, coded: CodedInputs): { mean: Float64Array; sigma: Float64Array; latent: Float64Array } {
    const n = posterior.coded.n;
    const m = coded.n;
    const cross = crossCovariance(coded, posterior.coded, kernelTables(this.factors, distanceTables(this.factors, coded, posterior.coded), hyper), hyper);
    const prior = priorVariance(hyper);
    const noise = Math.exp(hyper.logNoise);
    const { mean, explained } = posteriorMoments(cross, m, n, posterior.alpha, posterior.inverseFactor);
    const sigma = new Float64Array(m);
    const latent = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const unexplained = Math.max(prior - explained[i]!, 1e-12 * prior);
      latent[i] = Math.sqrt(unexplained);
      sigma[i] = Math.sqrt(unexplained + noise);
    }
    return { mean, sigma, latent };
  }

  /**
   * Each model's probability of ranking the campaign's own results best (the sources, then the
   * campaign's own model), times the probability that the sources carry over at all: how far they
   * agree with one another beyond chance (for a single source, the share of resamples it ranks
   * better than chance), the campaign's own model taking the rest. Below three results there is
   * nothing to rank: the sources share that probability equally.
   */
  private rankingWeights(target: string, ownValues: FactorValue[][], observed: number[], hyper: KernelHyper, posteriors: SourcePosterior[], agreement: number | undefined, seed: number): number[] {
    const models = posteriors.length + 1;
    if (observed.length < MIN_RANKED_RESULTS || !this.ownModel) {
      const share = posteriors.length === 0 ? 0 : (agreement ?? SINGLE_SOURCE_SHARE);
      return [...posteriors.map(() => share / posteriors.length), 1 - share];
    }
    // the most recent results: the ranking's cost is quadratic in them
    const from = Math.max(0, observed.length - this.config.maxRankedResults);
    const y = observed.slice(from);
    const n = y.length;
    const coded = codeInputs(this.factors, ownValues.slice(from));
    // a source's belief about the function itself (no measurement noise), as the paper samples it
    const predictions = posteriors.map((p) => {
      const { mean, latent } = this.sourcePosterior(p, hyper, coded);
      return { mean, sigma: latent };
    });
    // the own model judged on results it has not seen: its leave-one-out posterior
    const heldOut = this.ownModel.heldOut(target);
    if (heldOut.mean.length !== observed.length) throw new ModelError(`the campaign's own model holds ${heldOut.mean.length} results of ${target}, not ${observed.length}`);
    predictions.push({ mean: Float64Array.from(heldOut.mean.slice(from)), sigma: Float64Array.from(heldOut.sigma.slice(from)) });

    const rng = rngFor(seed, 'ensemble-weights', target, n);
    const samples = this.config.weightSamples;
    const losses = predictions.map(() => new Float64Array(samples));
    // per source, resamples (with any pair to compare) it ranks better than a random order would
    const beatsChance = new Float64Array(models);
    let compared = 0;
    const points = new Int32Array(n);
    const draws = new Float64Array(n);
    for (let s = 0; s < samples; s++) {
      for (let k = 0; k < n; k++) points[k] = Math.floor(rng() * n);
      let pairs = 0;
      predictions.forEach((p, m) => {
        for (let k = 0; k < n; k++) draws[k] = p.mean[points[k]!]! + p.sigma[points[k]!]! * normal(rng);
        const counted = misranked(draws, y, points);
        losses[m]![s] = counted.wrong;
        pairs = counted.pairs;
        if (counted.wrong < counted.pairs / 2) beatsChance[m] = beatsChance[m]! + 1;
      });
      if (pairs > 0) compared++;
    }
    // weight dilution (the paper's guard): a source that ranks worse than the own model nearly
    // always is left out; and one that does not rank better than chance (this project's)
    const ownLosses = Array.from(losses[models - 1]!);
    const ceiling = percentile(ownLosses, 0.95);
    const required = 0.5 + (BETTER_THAN_CHANCE - 0.5) * (1 - (agreement ?? SINGLE_SOURCE_SHARE));
    const eligible = losses.map((l, m) => m === models - 1 || (median(Array.from(l)) <= ceiling && compared > 0 && beatsChance[m]! / compared >= required));
    const votes = new Float64Array(models);
    for (let s = 0; s < samples; s++) {
      let best = Number.POSITIVE_INFINITY;
      for (let m = 0; m < models; m++) if (eligible[m] && losses[m]![s]! < best) best = losses[m]![s]!;
      const winners = [...Array(models).keys()].filter((m) => eligible[m] && losses[m]![s] === best);
      for (const m of winners) votes[m] = votes[m]! + 1 / winners.length;
    }
    // the ranking's weights hold if the sources carry over at all: as likely as they agree with
    // one another, or for a single source, as it ranks the campaign's results better than chance
    const share = agreement ?? (compared > 0 ? beatsChance[0]! / compared : SINGLE_SOURCE_SHARE);
    return Array.from(votes, (v, m) => (m === models - 1 ? (share * v) / samples + (1 - share) : (share * v) / samples));
  }

  /**
   * How far the sources agree with one another beyond chance, 0 to 1. For each source, the
   * correlation of its results with the mean of the other sources' GPs at the same inputs; the
   * median over sources, against the same for the sources' values permuted within each source
   * (what agreement looks like when there is none; three permutations). Results, not smoothed
   * means, are correlated: two GP means of noise are smooth functions with a few degrees of
   * freedom, and correlate by chance far more than the noise itself (±0.5 on a small grid). Before
   * the campaign has results of its own this is the only evidence the sources carry over; the
   * planner lets that share of the first batch follow them (bayesian-recommender.ts).
   */
  private agreementBeyondChance(sources: SourceState[], hyper: KernelHyper, posteriors: SourcePosterior[], seed: number): number {
    const seen = new Map<string, FactorValue[]>();
    for (const source of sources) for (const v of source.values) seen.set(JSON.stringify(v), v);
    const keys = shuffled([...seen.keys()], rngFor(seed, 'ensemble-agreement')).slice(0, AGREEMENT_POINTS);
    const pointOf = new Map(keys.map((k, i) => [k, i]));
    const points = codeInputs(this.factors, keys.map((k) => seen.get(k)!));
    const permutations = 3;
    // α = K⁻¹y for the real values (set 0) and each permutation, from the stored L⁻¹ (K⁻¹ = L⁻ᵀL⁻¹)
    const values = sources.map((source) => [source.y, ...Array.from({ length: permutations }, (_, k) => shuffled(source.y, rngFor(seed, 'ensemble-chance', source.name, k)))]);
    const alphas = posteriors.map((p, s) => values[s]!.map((y) => inverseFactorSolve(p.inverseFactor, p.coded.n, y)));
    // each source's mean at every point, per value set: consensus = the others' sum
    const means = posteriors.map((p, s) => {
      const n = p.coded.n;
      const cross = crossCovariance(points, p.coded, kernelTables(this.factors, distanceTables(this.factors, points, p.coded), hyper), hyper);
      return alphas[s]!.map((alpha) => {
        const mean = new Float64Array(points.n);
        for (let i = 0; i < points.n; i++) for (let j = 0; j < n; j++) mean[i] = mean[i]! + cross[i * n + j]! * alpha[j]!;
        return mean;
      });
    });
    const medianCorrelation = (set: number) => {
      const r = sources.map((source, s) => {
        const own: number[] = [];
        const others: number[] = [];
        source.values.forEach((v, row) => {
          const point = pointOf.get(JSON.stringify(v));
          if (point === undefined) return;
          own.push(values[s]![set]![row]!);
          others.push(means.reduce((sum, m, t) => (t === s ? sum : sum + m[set]![point]!), 0));
        });
        const value = own.length >= 3 ? pearson(own, others) : 0;
        return Number.isFinite(value) ? value : 0;
      });
      return median(r);
    };
    const m = medianCorrelation(0);
    let chance = 0;
    for (let k = 1; k <= permutations; k++) chance += medianCorrelation(k) / permutations;
    const m0 = Math.min(Math.max(0, chance), 0.99);
    return Math.min(1, Math.max(0, (m - m0) / (1 - m0)));
  }

  async predict(inputs: ReactionInput[]): Promise<Record<string, Posterior>> {
    if (this.states.size === 0) throw new ModelError('the model has not been fitted');
    const coded = codeInputs(this.factors, inputs.map((input) => factorValues(this.schema, this.factors, input)));
    const ownPredictions = this.ownModel ? await this.ownModel.predict(inputs) : undefined;
    const out: Record<string, Posterior> = {};
    for (const target of this.schema.targets) {
      const state = this.states.get(target)!;
      const posteriors = this.posteriors.get(target)!;
      const m = coded.n;
      const mean = new Float64Array(m);
      const variance = new Float64Array(m);
      posteriors.forEach((p, s) => {
        const w = state.weights[s]!;
        if (w === 0) return;
        const prediction = this.sourcePosterior(p, state.hyper, coded);
        for (let i = 0; i < m; i++) {
          mean[i] = mean[i]! + w * prediction.mean[i]!;
          variance[i] = variance[i]! + w * w * prediction.sigma[i]! ** 2;
        }
      });
      const w = state.weights[posteriors.length]!;
      const own = ownPredictions?.[target];
      const { mean: shift, sd: scale } = state.scale;
      for (let i = 0; i < m; i++) {
        // the own model in the campaign's standardised units; before it exists, its prior N(0, 1)
        const ownMean = own ? (own.mean[i]! - shift) / scale : 0;
        const ownSigma = own ? own.sigma[i]! / scale : 1;
        mean[i] = mean[i]! + w * ownMean;
        variance[i] = variance[i]! + w * w * ownSigma * ownSigma;
      }
      const bounds = this.schema.bounds?.[target];
      const result: Posterior = { mean: new Float64Array(m), sigma: new Float64Array(m), epistemic: new Float64Array(m), aleatoric: new Float64Array(m) };
      for (let i = 0; i < m; i++) {
        let value = shift + scale * mean[i]!;
        if (bounds) value = Math.min(bounds[1], Math.max(bounds[0], value));
        result.mean[i] = value;
        result.sigma[i] = scale * Math.sqrt(variance[i]!);
        // the ensemble does not split its σ: all of it is taken as what more data would reduce
        result.epistemic[i] = result.sigma[i]!;
        result.aleatoric[i] = 0;
      }
      out[target] = result;
    }
    return out;
  }

  async save(): Promise<SavedModel> {
    if (this.states.size === 0) throw new ModelError('the model has not been fitted');
    const header: Header = {
      kind: this.kind,
      schemaKey: schemaKey(this.schema),
      featurizerVersion: FEATURIZER_VERSION,
      config: this.config,
      trainingSize: this.trainingSize,
      targets: Object.fromEntries(this.states),
      metrics: this.metrics,
      ownModel: this.ownModel !== undefined,
    };
    const tensors = new Map<string, TensorData>();
    await saveOwnTaskGp(tensors, this.ownModel);
    return savedGpModel(this.kind, this.trainingSize, this.metrics, header, tensors);
  }

  /** Rebuilds a fitted model: each source's factorisation is recomputed from its stored rows. */
  static restore(schema: ModelSchema, saved: SavedModel): RankingEnsembleSurrogate {
    const { header, tensors } = openSavedGp<Header>(schema, saved, RankingEnsembleSurrogate.KIND, 'a ranking-weighted ensemble');
    const model = new RankingEnsembleSurrogate(schema, header.config);
    model.metrics = header.metrics;
    model.trainingSize = header.trainingSize;
    for (const [target, state] of Object.entries(header.targets)) {
      model.states.set(target, state);
      model.posteriors.set(target, state.sources.map((s) => model.factorise(s, state.hyper)));
    }
    if (header.ownModel) model.ownModel = restoreOwnTaskGp(schema, saved, tensors);
    return model;
  }
}
