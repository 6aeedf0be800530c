/**
 * Planning for a Pareto objective: the campaign's surrogate models each target independently
 * (one GP per target, src/models/gp.ts), and each batch is chosen by noisy expected hypervolume
 * improvement with the experiments in the lab as pending points (src/objectives/multi: candidate
 * screening first on large spaces, then selectBatchByEhvi). Outcome constraints weigh each
 * candidate by its probability of feasibility, and a cost by improvement per unit cost. Before
 * the model has enough results, the initial design chooses.
 *
 * The product surrogate gives a mean and σ per candidate, not a covariance across candidates, so
 * the joint posterior fed to EHVI has independent points (each sampled from its own σ, in O(n));
 * the batch still spreads out because each chosen point joins every Monte Carlo sample's front.
 */
import type { CostSpec, OutcomeConstraintSpec } from '../campaign/types.js';
import { screenCandidates } from '../objectives/multi/candidate-screen.js';
import { experimentCost, improvementPerCost } from '../objectives/multi/cost-aware.js';
import { jointProbabilityOfFeasibility } from '../objectives/multi/feasibility.js';
import { selectBatchByEhviInTurns } from '../objectives/multi/noisy-ehvi.js';
import { turnTaker } from '../util/turns.js';
import type { Direction } from '../objectives/multi/orientation.js';
import { inferReferencePoint } from '../objectives/multi/reference-point.js';
import { rngFor } from '../util/random.js';
import { DiverseDesign, RandomDesign } from './initial-design.js';
import { untriedCandidates, type PlanningContext, type Proposal, type Recommendation, type Recommender } from './recommender.js';
import type { SearchSpace } from './space.js';
import type { ParetoAcquisitionName } from '../campaign/kinds.js';
import { selectBatchByParego } from '../objectives/multi/parego-acquisition.js';

export interface ParetoRecommenderOptions {
  targets: readonly { name: string; direction: 'maximize' | 'minimize' }[];
  constraints?: readonly OutcomeConstraintSpec[];
  cost?: CostSpec;
  initialResults: number;
  initialDesign: 'diverse' | 'random';
  /** Candidates EHVI scores exactly; beyond it the screen keeps the most promising (default 300). */
  poolSize?: number;
  /** Monte Carlo samples of the joint posterior (default 128). */
  samples?: number;
  /** Expected hypervolume improvement (default) or ParEGO's random scalarisation (planner.pareto_acquisition). */
  acquisition?: ParetoAcquisitionName;
}

export class ParetoRecommender implements Recommender {
  readonly name: ParetoAcquisitionName;
  private readonly initial: Recommender;
  private readonly directions: Direction[];

  constructor(private readonly options: ParetoRecommenderOptions) {
    this.initial = options.initialDesign === 'random' ? new RandomDesign() : new DiverseDesign();
    this.directions = options.targets.map((t) => (t.direction === 'maximize' ? 'maximise' : 'minimise'));
    this.name = options.acquisition ?? 'ehvi';
  }

  async recommend(context: PlanningContext): Promise<Recommendation> {
    const model = context.model;
    const observed = [...new Set(context.observations.map((o) => o.candidate))];
    if (!model?.predictTargets || observed.length < Math.max(2, this.options.initialResults)) {
      return this.initial.recommend(context);
    }
    const untried = untriedCandidates(context);
    if (untried.length === 0) return { proposals: [] };
    const rng = rngFor(context.seed, 'ehvi', context.round);
    const names = this.options.targets.map((t) => t.name);
    const constraintNames = (this.options.constraints ?? []).map((c) => c.target);
    const predictAll = async (candidates: number[]) => {
      const posteriors = await model.predictTargets!(candidates);
      for (const name of [...names, ...constraintNames]) if (!posteriors[name]) throw new Error(`the model predicts no ${name}`);
      return posteriors;
    };
    const pending = context.pending.filter((c) => !observed.includes(c));
    const known = [...observed, ...pending];
    const [atKnown, atUntried] = await Promise.all([predictAll(known), predictAll(untried)]);
    const rowsOf = (p: Awaited<ReturnType<typeof predictAll>>, n: number, field: 'mean' | 'sigma') =>
      Array.from({ length: n }, (_, i) => names.map((name) => p[name]![field][i]!));
    const knownMean = rowsOf(atKnown, known.length, 'mean');
    // Constrained EHVI: only results that (by the model's mean) keep to the constraints are on the
    // incumbent front, so a feasible candidate is not judged against volume only infeasible ones hold.
    const incumbents = observed.map((_, i) => i).filter((i) => this.feasibility(atKnown, i) >= 0.5);
    const observedMean = (incumbents.length > 0 ? incumbents : observed.map((_, i) => i)).map((i) => knownMean[i]!);
    if (this.name === 'parego') return this.parego(context, untried, atUntried, observedMean, rng);
    const reference = inferReferencePoint(observedMean, this.directions);

    // Large spaces: the screen keeps the candidates most likely to add volume, plus a few at random.
    const poolSize = this.options.poolSize ?? 300;
    let pool = untried.map((_, k) => k);
    if (untried.length > poolSize) {
      const explore = Math.min(50, Math.floor(poolSize / 6));
      pool = screenCandidates({
        mean: rowsOf(atUntried, untried.length, 'mean'),
        sd: rowsOf(atUntried, untried.length, 'sigma'),
        observedMean,
        directions: this.directions,
        reference,
        keep: poolSize - explore,
        explore,
        rng,
      });
    }
    const poolMean = [...knownMean, ...pool.map((k) => names.map((name) => atUntried[name]!.mean[k]!))];
    const poolSd = [
      ...known.map((_, i) => names.map((name) => atKnown[name]!.sigma[i]!)),
      ...pool.map((k) => names.map((name) => atUntried[name]!.sigma[k]!)),
    ];
    const candidatePositions = pool.map((_, k) => known.length + k);
    const weights = pool.map((k) => this.weightOf(context.space, untried[k]!, atUntried, k));
    // Planning runs on the service's event loop: the Monte Carlo EHVI hands the loop back every few ms.
    const selection = await selectBatchByEhviInTurns({
      posterior: { mean: poolMean, sd: poolSd },
      directions: this.directions,
      reference,
      observed: incumbents,
      pending: pending.map((_, i) => observed.length + i),
      candidates: candidatePositions,
      batchSize: Math.min(context.count, candidatePositions.length),
      samples: this.options.samples ?? 128,
      rng,
      candidateWeights: weights,
    }, turnTaker());
    const proposals: Proposal[] = selection.chosen.map((position, r) => {
      const k = pool[position - known.length]!;
      const candidate = untried[k]!;
      const means = names.map((name) => `${name} ${fmt(atUntried[name]!.mean[k]!)} ± ${fmt(atUntried[name]!.sigma[k]!)}`).join(', ');
      const feasible = this.options.constraints?.length ? `, P(feasible) ${fmt(this.feasibility(atUntried, k))}` : '';
      return {
        candidate,
        rank: r + 1,
        strategy: 'ehvi',
        reason: `expected hypervolume improvement ${fmt(selection.values[r]!)} (predicted ${means}${feasible})`,
        mean: atUntried[names[0]!]!.mean[k]!,
        sigma: atUntried[names[0]!]!.sigma[k]!,
        acquisition: selection.values[r]!,
      };
    });
    return { proposals };
  }

  /**
   * ParEGO over every untried candidate (scoring a scalar is cheap, no screen needed): one random
   * weight vector per batch slot, Monte Carlo expected improvement of the Chebyshev scalar.
   */
  private parego(
    context: PlanningContext,
    untried: number[],
    atUntried: Record<string, { mean: Float64Array; sigma: Float64Array }>,
    observedMean: number[][],
    rng: ReturnType<typeof rngFor>,
  ): Recommendation {
    const names = this.options.targets.map((t) => t.name);
    const selection = selectBatchByParego({
      observedMean,
      candidateMean: untried.map((_, k) => names.map((name) => atUntried[name]!.mean[k]!)),
      candidateSd: untried.map((_, k) => names.map((name) => atUntried[name]!.sigma[k]!)),
      directions: this.directions,
      batchSize: context.count,
      rng,
      samples: this.options.samples ?? 128,
      candidateWeights: untried.map((candidate, k) => this.weightOf(context.space, candidate, atUntried, k)),
    });
    const proposals: Proposal[] = selection.chosen.map((k, r) => {
      const weights = selection.weights[r]!.map((w, j) => `${names[j]} ${fmt(w)}`).join(', ');
      const means = names.map((name) => `${name} ${fmt(atUntried[name]!.mean[k]!)} ± ${fmt(atUntried[name]!.sigma[k]!)}`).join(', ');
      const feasible = this.options.constraints?.length ? `, P(feasible) ${fmt(this.feasibility(atUntried, k))}` : '';
      return {
        candidate: untried[k]!,
        rank: r + 1,
        strategy: 'parego',
        reason: `ParEGO: expected improvement ${fmt(selection.values[r]!)} of the Chebyshev scalarisation with weights ${weights} (predicted ${means}${feasible})`,
        mean: atUntried[names[0]!]!.mean[k]!,
        sigma: atUntried[names[0]!]!.sigma[k]!,
        acquisition: selection.values[r]!,
      };
    });
    return { proposals };
  }

  private feasibility(p: Record<string, { mean: Float64Array; sigma: Float64Array }>, k: number): number {
    const constraints = this.options.constraints ?? [];
    if (constraints.length === 0) return 1;
    const predictions = Object.fromEntries(constraints.map((c) => [c.target, { mean: p[c.target]!.mean[k]!, sd: p[c.target]!.sigma[k]! }]));
    return jointProbabilityOfFeasibility(constraints, predictions);
  }

  /** P(feasible) / cost^exponent: the multiplier on a candidate's EHVI. */
  private weightOf(space: SearchSpace, candidate: number, p: Record<string, { mean: Float64Array; sigma: Float64Array }>, k: number): number {
    const feasibility = this.feasibility(p, k);
    const cost = this.options.cost;
    if (!cost) return feasibility;
    const choices = Object.fromEntries(Object.entries(space.valuesOf(candidate)).filter(([name, v]) => typeof v === 'string' && cost.per_choice[name]?.[v] !== undefined)) as Record<string, string>;
    const total = experimentCost(choices, cost.per_choice, cost.per_experiment);
    return total > 0 ? improvementPerCost(feasibility, total, cost.exponent) : feasibility;
  }
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(3) : String(x);
}
