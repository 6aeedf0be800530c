/**
 * Planning over a searched space (continuous parameters, or a discrete product too large to list):
 *  - before a model: a space-filling design — scrambled Sobol points in each configuration's
 *    feasible region (free coordinates of the linear constraints), discrete choices cycled through
 *    a seeded order when they can be listed, drawn at random when they cannot;
 *  - with a model: for each promising configuration (every discrete choice when there are few;
 *    else random draws, the best results' choices and local moves from the best so far), raw
 *    Sobol samples of the acquisition, then multi-start L-BFGS (src/models/lbfgs.ts) of the
 *    acquisition over the continuous part from the best samples, gradients by central differences
 *    evaluated in one batched prediction. Batches: local penalisation (González et al. 2016) of
 *    the acquisition around experiments in flight and points already chosen.
 * Every proposal is rounded to each parameter's resolution inside the feasible region and checked
 * against every rule before it is registered as a candidate.
 */
import { minimizeLbfgsAsync } from '../../models/lbfgs.js';
import { turnTaker } from '../../util/turns.js';
import { normal, rngFor, shuffled, type Rng } from '../../util/random.js';
import { describeAcquisition, expectedImprovement, scoreCandidates, type AcquisitionSettings } from '../acquisition.js';
import type { ModelView, PlanningContext, Proposal, Recommendation, Recommender } from '../recommender.js';
import { SpaceError, type SearchSpace } from '../space.js';
import type { Configuration, MixedDomain, MixedPoint } from './domain.js';
import type { Polytope } from './polytope.js';
import { SobolSequence } from './sobol.js';

/** Points predicted at once: a few ms of GP prediction with a few hundred results, between turns of the event loop. */
const PREDICTION_CHUNK = 256;
/** Raw samples in all when the discrete part is listed: few configurations get more than `rawSamples` each. */
const RAW_TOTAL = 512;
/** Best results raw samples are drawn around (BoTorch's "sample around best"). */
const INCUMBENTS = 5;
/** Raw samples around each of them. */
const SAMPLES_PER_INCUMBENT = 48;
/**
 * Spreads of those samples, in unit coordinates (a fraction of each continuous range, log scale
 * where asked), cycled: mostly 5 % (the figure tried on SnAr), some closer and some wider. Values
 * pushed past a bound are clamped onto it, so samples land on the faces where optima often sit.
 */
const INCUMBENT_SPREADS = [0.05, 0.05, 0.01, 0.2];
/** Starts closer than this (normalised distance) to a start already taken add nothing. */
const MIN_START_DISTANCE = 0.02;

type RawPoint = { configuration: Configuration; region: Polytope; z: Float64Array };

function configurationKey(configuration: Configuration): string {
  return configuration.codes.join(',') + '|' + [...configuration.zeros].sort((a, b) => a - b).join(',');
}

export interface MixedSettings {
  acquisition: AcquisitionSettings;
  /** Results needed before the model takes over from the design. */
  initialResults: number;
  /** Local penalisation length in normalised distance (0: off). */
  penaltyLength: number;
  /** 'design': never use the model (strategies random / diverse). */
  mode?: 'model' | 'design';
  /** Discrete choices listed and scored one by one up to this many (default 64); beyond, sampled and searched. */
  listLimit?: number;
  /** Configurations drawn at random per round when the discrete part is not listed (default 48). */
  sampledConfigurations?: number;
  /** Raw acquisition samples per configuration (default 64). */
  rawSamples?: number;
  /** L-BFGS starts per pick (default 4). */
  restarts?: number;
}

interface Scored {
  configuration: Configuration;
  region: Polytope;
  z: Float64Array;
  mean: number;
  sigma: number;
  /** acquisition before penalisation */
  value: number;
}

function format(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(1) : value.toPrecision(2);
}

export class MixedRecommender implements Recommender {
  readonly name: string;

  constructor(private readonly settings: MixedSettings) {
    this.name = settings.mode === 'design' ? 'sobol' : `mixed-${settings.acquisition.name}`;
  }

  async recommend(context: PlanningContext): Promise<Recommendation> {
    const domain = context.space.domain;
    if (!domain) throw new SpaceError('the mixed-space planner needs a searched space');
    const model = context.model;
    if (this.settings.mode === 'design' || !model?.predictPoints || context.observations.length < this.settings.initialResults) {
      const proposals = this.design(context, domain).map((p) => ({
        ...p,
        reason: this.settings.mode === 'design' ? p.reason : `${p.reason}; initial design until ${this.settings.initialResults} results${model ? '' : ' and a model'} exist`,
      }));
      return { proposals };
    }
    return this.optimise(context, domain, model);
  }

  /* ---------- the space-filling design ---------- */

  private design(context: PlanningContext, domain: MixedDomain): Proposal[] {
    const rng = rngFor(context.seed, 'mixed-design', context.round);
    const listed = domain.enumerateCodes(this.settings.listLimit ?? 4096);
    const order = listed ? shuffled(listed, rngFor(context.seed, 'mixed-design-order')) : null;
    const start = context.space.size;
    const proposals: Proposal[] = [];
    const chosen = new Set<number>();
    for (let attempt = 0; proposals.length < context.count && attempt < context.count * 50; attempt++) {
      const k = start + attempt;
      const codes = order ? order[k % order.length]! : domain.sampleCodes(rng);
      if (!codes) break;
      const configuration: Configuration = { codes, zeros: domain.sampleZeros(rng) };
      const region = domain.region(configuration);
      if (!region) continue;
      const z = sobolPointIn(region, context.seed, k);
      const reals = domain.roundInto(region.toUnit(z), configuration, region);
      if (!reals) continue;
      const candidate = this.registerPoint(context.space, { codes, reals });
      if (candidate === null || context.taken.has(candidate) || chosen.has(candidate)) continue;
      chosen.add(candidate);
      proposals.push({
        candidate,
        rank: proposals.length + 1,
        strategy: this.name,
        reason: `space-filling: scrambled Sobol point #${k} of the continuous part${order ? `, discrete choice ${(k % order.length) + 1} of ${order.length}` : ', discrete choice drawn at random'}`,
      });
    }
    return proposals;
  }

  private registerPoint(space: SearchSpace, point: MixedPoint): number | null {
    try {
      return space.register(point);
    } catch (error) {
      if (error instanceof SpaceError) return null;
      throw error;
    }
  }

  /* ---------- acquisition optimisation ---------- */

  private async optimise(context: PlanningContext, domain: MixedDomain, model: ModelView): Promise<Recommendation> {
    const predictPoints = model.predictPoints!.bind(model);
    const sign = context.direction === 'maximize' ? 1 : -1;
    const incumbent = context.observations.reduce((best, o) => Math.max(best, o.value), Number.NEGATIVE_INFINITY);
    const rng = rngFor(context.seed, 'mixed-acquisition', context.round);
    const acquisition = (mean: Float64Array, sigma: Float64Array) =>
      scoreCandidates(this.settings.acquisition, { mean: Float64Array.from(mean, (m) => sign * m), sigma, incumbent, rng });
    // Planning runs on the service's event loop: chunks small enough to predict in a few ms, and a
    // turn handed back between them, keep /api/health and every other request answering.
    const takeTurn = turnTaker();
    const evaluate = async (points: RawPoint[]): Promise<Scored[]> => {
      const out: Scored[] = [];
      for (let i = 0; i < points.length; i += PREDICTION_CHUNK) {
        await takeTurn();
        const chunk = points.slice(i, i + PREDICTION_CHUNK);
        const predicted = await predictPoints(chunk.map((p) => pointAt(domain, p.configuration, p.region, p.z)));
        const values = acquisition(predicted.mean, predicted.sigma);
        chunk.forEach((p, k) => out.push({ ...p, mean: predicted.mean[k]!, sigma: predicted.sigma[k]!, value: values[k]! }));
      }
      return out;
    };

    const raw = await this.rawSamples(context, domain, rng, evaluate);
    if (raw.length === 0) return { proposals: [] };
    let maxExpectedImprovement = 0;
    for (const r of raw) maxExpectedImprovement = Math.max(maxExpectedImprovement, expectedImprovement(sign * r.mean, r.sigma, incumbent));

    // acquisition values shifted to be positive, so penalties (factors in [0, 1]) can only lower them
    const floor = Math.min(...raw.map((r) => r.value));
    const anchors: MixedPoint[] = context.pending.map((c) => context.space.pointOf(c));
    const penalty = (point: MixedPoint) => {
      const length = this.settings.penaltyLength;
      if (length <= 0) return 1;
      let factor = 1;
      for (const a of anchors) factor *= 1 - Math.exp(-((normalisedDistance(domain, point, a) / length) ** 2));
      return factor;
    };

    const what = describeAcquisition(this.settings.acquisition);
    const proposals: Proposal[] = [];
    const chosen = new Set<number>();
    const restarts = this.settings.restarts ?? 4;
    // starts in different configurations when there are several, so the batch is not one choice's;
    // with fewer configurations than starts, several starts in each (with one configuration, a
    // purely continuous space, every start in it)
    const configurationCount = new Set(raw.map((r) => configurationKey(r.configuration))).size;
    const startsPerConfiguration = Math.max(1, Math.ceil(restarts / configurationCount));
    while (proposals.length < context.count) {
      const ranked = raw
        .map((r) => ({ r, score: (r.value - floor + 1e-12) * penalty(pointAt(domain, r.configuration, r.region, r.z)) }))
        .sort((a, b) => b.score - a.score);
      const starts = chooseStarts(ranked.map(({ r }) => r), domain, restarts, startsPerConfiguration);
      const optima: { scored: Scored; score: number }[] = [];
      for (const start of starts) optima.push(await this.climb(start, domain, evaluate, floor, penalty));
      optima.sort((a, b) => b.score - a.score);
      let picked: Proposal | null = null;
      for (const { scored } of [...optima, ...ranked.map(({ r, score }) => ({ scored: r, score }))]) {
        const reals = domain.roundInto(scored.region.toUnit(scored.z), scored.configuration, scored.region);
        if (!reals) continue;
        const point = { codes: scored.configuration.codes, reals };
        const candidate = this.registerPoint(context.space, point);
        if (candidate === null || context.taken.has(candidate) || chosen.has(candidate)) continue;
        const [final] = await evaluate([{ configuration: scored.configuration, region: scored.region, z: scored.region.toFree(unitOf(domain, reals)) }]);
        const damped = penalty(point);
        chosen.add(candidate);
        anchors.push(point);
        picked = {
          candidate,
          rank: proposals.length + 1,
          strategy: this.name,
          mean: final!.mean,
          sigma: final!.sigma,
          acquisition: final!.value,
          reason: `${what} ${format(final!.value)} (predicted ${format(final!.mean)} ± ${format(final!.sigma)}, model v${model.version} ${model.kind}), maximised over the continuous conditions by multi-start L-BFGS${damped < 0.99 ? `, damped ×${damped.toFixed(2)} for closeness to experiments in flight or chosen` : ''}`,
        };
        break;
      }
      if (!picked) break;
      proposals.push(picked);
    }
    return { proposals, maxExpectedImprovement };
  }

  /** Raw Sobol samples of the acquisition over the configurations worth looking at. */
  private async rawSamples(
    context: PlanningContext,
    domain: MixedDomain,
    rng: Rng,
    evaluate: (points: RawPoint[]) => Promise<Scored[]>,
  ): Promise<Scored[]> {
    let perConfiguration = this.settings.rawSamples ?? 64;
    const sample = (configurations: Configuration[], offset: number) => {
      const points: RawPoint[] = [];
      for (const configuration of distinctConfigurations(configurations)) {
        const region = domain.region(configuration);
        if (!region) continue;
        const n = region.freeDimensions === 0 ? 1 : perConfiguration;
        for (let k = 0; k < n; k++) points.push({ configuration, region, z: sobolPointIn(region, context.seed + context.round, offset + k) });
      }
      return points;
    };
    const listed = domain.enumerateCodes(this.settings.listLimit ?? 64);
    if (listed) {
      const configurations = listed.map((codes) => ({ codes, zeros: domain.sampleZeros(rng) }));
      for (const o of context.observations) {
        const point = context.space.pointOf(o.candidate);
        const zeros = domain.zerosOf(point.reals);
        if (zeros) configurations.push({ codes: point.codes, zeros });
      }
      // few configurations (one in a purely continuous space): more samples in each
      perConfiguration = Math.max(perConfiguration, Math.floor(RAW_TOTAL / distinctConfigurations(configurations).length));
      return evaluate([...sample(configurations, 0), ...this.aroundIncumbents(context, domain, rng)]);
    }
    // a product too large to list: random draws and the best results' choices, then local moves
    const configurations: Configuration[] = [];
    for (let k = 0; k < (this.settings.sampledConfigurations ?? 48); k++) {
      const codes = domain.sampleCodes(rng);
      if (codes) configurations.push({ codes, zeros: domain.sampleZeros(rng) });
    }
    const best = [...context.observations].sort((a, b) => b.value - a.value).slice(0, 8);
    for (const o of best) {
      const point = context.space.pointOf(o.candidate);
      const zeros = domain.zerosOf(point.reals);
      if (zeros) configurations.push({ codes: point.codes, zeros });
    }
    const scored = await evaluate([...sample(configurations, 0), ...this.aroundIncumbents(context, domain, rng)]);
    const seen = new Set(configurations.map((c) => c.codes.join(',')));
    // a few rounds of local search: the neighbours (one discrete parameter changed) of the best configurations
    // (coordinate ascent: on an additive landscape it reaches the best choice of every parameter)
    const expanded = new Set<Configuration>();
    let frontier = topConfigurations(scored, 3);
    const rawLocal = Math.max(8, Math.floor(perConfiguration / 4));
    for (let round = 0; round < 8 && frontier.length > 0; round++) {
      frontier.forEach((c) => expanded.add(c));
      const moves: Configuration[] = [];
      for (const configuration of frontier) {
        for (const codes of shuffled(domain.neighbours(configuration.codes), rng).slice(0, 40)) {
          const key = codes.join(',');
          if (seen.has(key)) continue;
          seen.add(key);
          moves.push({ codes, zeros: configuration.zeros });
        }
      }
      const points: RawPoint[] = [];
      for (const configuration of moves) {
        const region = domain.region(configuration);
        if (!region) continue;
        const n = region.freeDimensions === 0 ? 1 : rawLocal;
        for (let k = 0; k < n; k++) points.push({ configuration, region, z: sobolPointIn(region, context.seed + context.round, k) });
      }
      const found = await evaluate(points);
      const before = Math.max(...scored.map((s) => s.value));
      scored.push(...found);
      if (!found.some((f) => f.value > before)) break;
      frontier = topConfigurations(scored, 3).filter((c) => !expanded.has(c));
    }
    return scored;
  }

  /**
   * Raw samples around the best results, in each result's own configuration: the continuous values
   * perturbed by a Gaussian of INCUMBENT_SPREADS of each range, clamped into [min, max], projected
   * onto the region's free coordinates (equalities, cardinality zeros and inactive conditional
   * parameters stay held), and a sample a linear constraint refuses moved back along the segment to
   * the result until it is feasible. Resolution is applied to the optimum, as for every sample.
   * Why: the acquisition's maximum is often a thin region next to the best results or on a face of
   * the box, which space-filling samples in the interior seldom touch, and L-BFGS cannot climb from
   * a start where EI is flat zero.
   */
  private aroundIncumbents(context: PlanningContext, domain: MixedDomain, rng: Rng): RawPoint[] {
    const points: RawPoint[] = [];
    const best = [...context.observations].sort((a, b) => b.value - a.value).slice(0, INCUMBENTS);
    for (const o of best) {
      const point = context.space.pointOf(o.candidate);
      const zeros = domain.zerosOf(point.reals);
      if (!zeros) continue;
      const configuration: Configuration = { codes: point.codes, zeros };
      const region = domain.region(configuration);
      if (!region || region.freeDimensions === 0) continue;
      const centre = unitOf(domain, point.reals);
      const anchor = region.contains(region.toFree(centre)) ? region.toFree(centre) : region.pullInside(region.toFree(centre));
      for (let k = 0; k < SAMPLES_PER_INCUMBENT; k++) {
        const spread = INCUMBENT_SPREADS[k % INCUMBENT_SPREADS.length]!;
        const u = Float64Array.from(centre, (v) => Math.min(1, Math.max(0, v + spread * normal(rng))));
        const z = region.toFree(u);
        points.push({ configuration, region, z: region.contains(z) ? z : region.pullInside(z, anchor) });
      }
    }
    return points;
  }

  /** L-BFGS of the penalised acquisition over a configuration's free coordinates, from one start. */
  private async climb(
    start: Scored,
    domain: MixedDomain,
    evaluate: (points: RawPoint[]) => Promise<Scored[]>,
    floor: number,
    penalty: (point: MixedPoint) => number,
  ): Promise<{ scored: Scored; score: number }> {
    const { region, configuration } = start;
    const k = region.freeDimensions;
    const startScore = (start.value - floor + 1e-12) * penalty(pointAt(domain, configuration, region, start.z));
    if (k === 0) return { scored: start, score: startScore };
    // each point with its finite-difference neighbours in one batched prediction; outside the
    // region the value is +∞, which L-BFGS's line search backs off from
    const widths = Float64Array.from(region.lower, (lo, j) => Math.max(region.upper[j]! - lo, 1e-9));
    const h = 1e-4;
    const valueAndGradient = async (z: Float64Array) => {
      const points = [z];
      for (let j = 0; j < k; j++) {
        const up = Float64Array.from(z);
        up[j] = up[j]! + h * widths[j]!;
        const down = Float64Array.from(z);
        down[j] = down[j]! - h * widths[j]!;
        points.push(up, down);
      }
      const scored = await evaluate(points.map((p) => ({ configuration, region, z: p })));
      const f = (s: Scored) => -(s.value - floor + 1e-12) * penalty(pointAt(domain, configuration, region, s.z));
      const value = region.contains(z) ? f(scored[0]!) : Number.POSITIVE_INFINITY;
      const gradient = Float64Array.from({ length: k }, (_, j) => (f(scored[1 + 2 * j]!) - f(scored[2 + 2 * j]!)) / (2 * h * widths[j]!));
      return { value, gradient };
    };
    let best = { z: start.z, score: startScore };
    await minimizeLbfgsAsync(
      async (z) => {
        const evaluation = await valueAndGradient(z);
        if (-evaluation.value > best.score) best = { z: Float64Array.from(z), score: -evaluation.value };
        return evaluation;
      },
      Float64Array.from(start.z),
      { maxIterations: 40, gradientTolerance: 1e-9, valueTolerance: 1e-10 },
    );
    const [final] = await evaluate([{ configuration, region, z: best.z }]);
    return { scored: final!, score: best.score };
  }
}

/** Configurations once each (every result of a continuous space names the same one). */
function distinctConfigurations(configurations: Configuration[]): Configuration[] {
  const seen = new Map<string, Configuration>();
  for (const c of configurations) if (!seen.has(configurationKey(c))) seen.set(configurationKey(c), c);
  return [...seen.values()];
}

/**
 * L-BFGS starts from raw samples ranked best first: at most `perConfiguration` in any configuration
 * and none within MIN_START_DISTANCE of one already taken, then, if fewer than `count`, the best
 * remaining distinct samples whatever their configuration.
 */
function chooseStarts(ranked: Scored[], domain: MixedDomain, count: number, perConfiguration: number): Scored[] {
  const starts: Scored[] = [];
  const perKey = new Map<string, number>();
  const farFromStarts = (r: Scored, minimum: number) => {
    const point = pointAt(domain, r.configuration, r.region, r.z);
    return starts.every((s) => s === r ? false : normalisedDistance(domain, point, pointAt(domain, s.configuration, s.region, s.z)) > minimum);
  };
  for (const r of ranked) {
    if (starts.length >= count) break;
    const key = configurationKey(r.configuration);
    if ((perKey.get(key) ?? 0) >= perConfiguration || !farFromStarts(r, MIN_START_DISTANCE)) continue;
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
    starts.push(r);
  }
  for (const r of ranked) {
    if (starts.length >= count) break;
    if (!starts.includes(r) && farFromStarts(r, 1e-9)) starts.push(r);
  }
  return starts;
}

function topConfigurations(scored: Scored[], n: number): Configuration[] {
  const best = new Map<Configuration, number>();
  for (const s of scored) best.set(s.configuration, Math.max(best.get(s.configuration) ?? -Infinity, s.value));
  return [...best].sort((a, b) => b[1] - a[1]).slice(0, n).map(([c]) => c);
}

/** Point `index` of a seeded Sobol sequence in the region's free box, kept inside the region. */
function sobolPointIn(region: Polytope, seed: number, index: number): Float64Array {
  const k = region.freeDimensions;
  if (k === 0) return new Float64Array(0);
  // point `index` of the seeded sequence; outside the region, the same index of further
  // independently scrambled sequences (stepping the index by a stride would keep only its fine
  // digits and cluster the points)
  for (let i = 0; i < 64; i++) {
    const z = region.fromBox(sobolFor(k, seed + 7919 * i).point(index));
    if (region.contains(z)) return z;
  }
  return region.pullInside(region.fromBox(sobolFor(k, seed).point(index)));
}

const sequences = new Map<string, SobolSequence>();
function sobolFor(dimensions: number, seed: number): SobolSequence {
  const key = `${dimensions}:${seed}`;
  let sequence = sequences.get(key);
  if (!sequence) {
    sequence = new SobolSequence(Math.min(dimensions, 32), seed);
    sequences.set(key, sequence);
  }
  return sequence;
}

function unitOf(domain: MixedDomain, reals: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: domain.continuous.length }, (_, c) => domain.toUnit(c, reals[c] as number));
}

/** The point a configuration and free coordinates stand for (continuous values unrounded). */
function pointAt(domain: MixedDomain, configuration: Configuration, region: Polytope, z: Float64Array): MixedPoint {
  const u = region.toUnit(z);
  return { codes: configuration.codes, reals: Float64Array.from({ length: domain.continuous.length }, (_, c) => domain.fromUnit(c, u[c]!)) };
}

/** Distance in [0, 1]: root mean square over the continuous unit coordinates and the discrete mismatches. */
function normalisedDistance(domain: MixedDomain, a: MixedPoint, b: MixedPoint): number {
  let sum = 0;
  for (let c = 0; c < domain.continuous.length; c++) sum += (domain.toUnit(c, a.reals[c]!) - domain.toUnit(c, b.reals[c]!)) ** 2;
  for (let d = 0; d < domain.discrete.length; d++) sum += a.codes[d] === b.codes[d] ? 0 : 1;
  const n = domain.continuous.length + domain.discrete.length;
  return Math.sqrt(sum / Math.max(1, n));
}
