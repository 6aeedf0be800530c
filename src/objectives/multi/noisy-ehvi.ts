/**
 * Expected hypervolume improvement for a batch, with pending experiments and noisy observations
 * (qNEHVI-style; Daulton, Balandat & Bakshy 2021, NeurIPS), by Monte Carlo over a joint posterior.
 *
 * The caller supplies one joint posterior over a pool of points: the observed points, the pending
 * (dispatched, no result yet) points and the candidates. Each joint sample s fixes a value for
 * every pool point, and within that sample:
 *   - the incumbent front is the non-dominated set of the *sampled* values at the observed points
 *     (not the noisy measurements), so measurement noise is integrated over, not trusted;
 *   - pending points and points already chosen for this batch join that set with their sampled
 *     (fantasised) values, so a candidate that would only repeat them gains nothing;
 *   - a candidate's improvement is its exclusive hypervolume beyond that set.
 * EHVI(c) = mean over samples of the improvement, optionally × a weight per candidate (probability
 * of feasibility, 1/cost). The batch is chosen greedily: the best candidate joins the set, the
 * rest are scored again, until the batch is full. Greedy selection under common random numbers
 * is the sequential strategy of Daulton et al.; ties go to the earlier candidate.
 *
 * Cost: samples × candidates exclusive-volume computations per batch slot. Screen a large space
 * to a few hundred candidates first (the pool's Cholesky factor is O(n³) per target).
 */
import type { Rng } from '../../util/random.js';
import { runSteps, runStepsInTurns } from '../../util/turns.js';
import { exclusiveAreaSortedFront, exclusiveVolume } from './hypervolume.js';
import { drawPosteriorSamples, type JointPosterior, type PosteriorSamples, samplePoint } from './joint-posterior.js';
import { type Direction, orientReference } from './orientation.js';
import { nonDominatedIndicesMaximised } from './pareto.js';

export const DEFAULT_EHVI_SAMPLES = 256;

export interface NoisyEhviInput {
  /** Joint posterior over the pool (indices below refer to its points). */
  posterior: JointPosterior;
  directions: readonly Direction[];
  /** Reference point in target units (see reference-point.ts for the default rule). */
  reference: readonly number[];
  /** Pool indices with results. */
  observed: readonly number[];
  /** Pool indices dispatched and awaiting results. */
  pending: readonly number[];
  rng: Rng;
  samples?: number;
}

export interface BatchSelectionInput extends NoisyEhviInput {
  /** Pool indices the batch may choose from. */
  candidates: readonly number[];
  batchSize: number;
  /** Optional multiplier per candidate (aligned with `candidates`), e.g. P(feasible) / cost. */
  candidateWeights?: readonly number[];
}

export interface BatchSelection {
  /** Pool indices chosen, in the order they were chosen. */
  chosen: number[];
  /** Weighted EHVI of each chosen point at the moment it was chosen. */
  values: number[];
}

/** Monte Carlo EHVI state: samples drawn once, the incumbent set per sample grown as points are chosen. */
export class NoisyEhvi {
  readonly samples: PosteriorSamples;
  private readonly reference: number[];
  /** fronts[s]: the non-dominated oriented values of the incumbent set in sample s. */
  private fronts: number[][][];

  constructor(input: NoisyEhviInput) {
    if (input.directions.length === 0) throw new RangeError('EHVI needs at least one target');
    this.reference = orientReference(input.reference, input.directions);
    const n = input.posterior.mean.length;
    for (const [label, list] of [
      ['observed', input.observed],
      ['pending', input.pending],
    ] as const) {
      for (const i of list) checkIndex(i, n, label);
    }
    this.samples = drawPosteriorSamples(input.posterior, input.directions, input.samples ?? DEFAULT_EHVI_SAMPLES, input.rng);
    const base = [...input.observed, ...input.pending];
    this.fronts = Array.from({ length: this.samples.count }, (_, s) => nonDominated(base.map((i) => samplePoint(this.samples, s, i))));
  }

  /** EHVI of each pool index given the incumbent set so far (unweighted). */
  values(candidates: readonly number[]): number[] {
    const n = this.samples.points;
    candidates.forEach((c) => checkIndex(c, n, 'candidates'));
    const twoTargets = this.samples.targets === 2;
    return candidates.map((c) => {
      let sum = 0;
      for (let s = 0; s < this.samples.count; s++) {
        const y = samplePoint(this.samples, s, c);
        const front = this.fronts[s]!;
        if (twoTargets) sum += exclusiveAreaSortedFront(y, front, this.reference);
        else if (!weaklyDominatedBy(y, front)) sum += exclusiveVolume(y, front, this.reference);
      }
      return sum / this.samples.count;
    });
  }

  /** Add a pool point to the incumbent set in every sample (a chosen or fantasised point). */
  include(index: number): void {
    checkIndex(index, this.samples.points, 'include');
    this.fronts = this.fronts.map((front, s) => nonDominated([...front, samplePoint(this.samples, s, index)]));
  }
}

/** Candidates scored between two possible pauses: a few ms of Monte Carlo EHVI at 128 samples. */
const CANDIDATES_PER_STEP = 32;

/**
 * Greedy sequential batch selection by noisy EHVI (see the module comment), as steps: it yields
 * after each slice of candidates, so that a caller on a service's event loop can hand the loop
 * back between them (a batch of 4 from 300 candidates is ~300 ms of work here).
 */
function* batchByEhviSteps(input: BatchSelectionInput): Generator<void, BatchSelection> {
  const { candidates, batchSize, candidateWeights } = input;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (candidateWeights) {
    if (candidateWeights.length !== candidates.length) {
      throw new RangeError(`candidateWeights has ${candidateWeights.length} entries, expected one per candidate (${candidates.length})`);
    }
    candidateWeights.forEach((w, k) => {
      if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`candidateWeights[${k}] must be ≥ 0, got ${w}`);
    });
  }
  const ehvi = new NoisyEhvi(input);
  yield;
  const remaining = candidates.map((c, k) => ({ c, weight: candidateWeights?.[k] ?? 1 }));
  const chosen: number[] = [];
  const values: number[] = [];
  while (chosen.length < batchSize && remaining.length > 0) {
    const raw: number[] = [];
    for (let start = 0; start < remaining.length; start += CANDIDATES_PER_STEP) {
      raw.push(...ehvi.values(remaining.slice(start, start + CANDIDATES_PER_STEP).map((r) => r.c)));
      yield;
    }
    let best = 0;
    let bestValue = -Infinity;
    raw.forEach((v, k) => {
      const weighted = v * remaining[k]!.weight;
      if (weighted > bestValue) {
        bestValue = weighted;
        best = k;
      }
    });
    const [pick] = remaining.splice(best, 1);
    chosen.push(pick!.c);
    values.push(bestValue);
    ehvi.include(pick!.c);
  }
  return { chosen, values };
}

/** Greedy sequential batch selection by noisy EHVI (see the module comment). */
export function selectBatchByEhvi(input: BatchSelectionInput): BatchSelection {
  return runSteps(batchByEhviSteps(input));
}

/** The same selection, awaiting `pause` between steps (a turn of the event loop: util/turns.ts). */
export function selectBatchByEhviInTurns(input: BatchSelectionInput, pause: () => Promise<void>): Promise<BatchSelection> {
  return runStepsInTurns(batchByEhviSteps(input), pause);
}

/** The non-dominated points, sorted by the first target ascending (exclusiveAreaSortedFront relies on it). */
function nonDominated(points: number[][]): number[][] {
  return nonDominatedIndicesMaximised(points, { duplicates: 'keep-first' })
    .map((i) => points[i]!)
    .sort((a, b) => a[0]! - b[0]!);
}

function weaklyDominatedBy(y: readonly number[], front: readonly (readonly number[])[]): boolean {
  return front.some((p) => p.every((v, j) => v >= y[j]!));
}

function checkIndex(i: number, n: number, label: string): void {
  if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new RangeError(`${label}: pool index ${i} is outside the posterior's ${n} points`);
}
