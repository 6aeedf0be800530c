/**
 * Mechanisms as chains of elementary steps: beam search from the reactants, each chain's
 * probability the product of its steps' (how often a step of its template followed the previous
 * step's template in training) and of ending where it ends. A chain that comes back
 * to species it has already passed through loops and is cut; one longer than `maxSteps` is cut.
 */
import type { Arrow } from './arrows.js';
import type { Species } from './electron-moves.js';
import { canonicalSpecies } from './electron-moves.js';
import type { StepCandidate, StepTemplateLibrary } from './step-templates.js';

export interface ChainStep {
  arrows: Arrow[];
  result: Species;
  outcome: string[];
  /** the step's probability among what could happen in its state (its moves and ending there) */
  probability: number;
}

export interface Chain {
  steps: ChainStep[];
  /**
   * The chain's score: the product of its steps' transition frequencies and of ending where it
   * ends. Comparable between chains of one search; predict.ts turns it into shares.
   */
  probability: number;
  /** the species the chain ends with, canonical SMILES */
  products: string[];
}

export interface ChainSearchOptions {
  beam?: number;
  maxSteps?: number;
  /** candidates per state kept for expansion */
  branching?: number;
}

/** The share of each candidate in its state's precedent (the fallback for transitions never seen). */
function precedentShares(candidates: readonly StepCandidate[]): number[] {
  const weights = candidates.map((c) => c.specificCount + 0.5 * c.finerCount + 0.1 * Math.log1p(c.generalCount) + 0.01);
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => w / total);
}

/**
 * A Markov chain over step templates: after a step of template T, the next step is T' or the
 * mechanism ends, with the frequencies seen in training (smoothed with `smoothing` pseudo-counts
 * spread over the state's candidates by precedent), so that ending and going on are weighed alike.
 */
export function searchChains(library: StepTemplateLibrary, reactants: Species, options: ChainSearchOptions = {}): Chain[] {
  const beam = options.beam ?? 5;
  const maxSteps = options.maxSteps ?? 12;
  const branching = options.branching ?? 5;
  const smoothing = 1;
  type Open = { steps: ChainStep[]; logP: number; seen: Set<string>; state: Species; previous: string; first: string };
  let open: Open[] = [{ steps: [], logP: 0, seen: new Set([canonicalSpecies(reactants).join('.')]), state: reactants, previous: '', first: '' }];
  // P(next | previous step) interpolated with P(next | first step, previous step) where that context was seen
  const CONTEXT_WEIGHT = 2;
  const nextProbability = (chain: Open, key: string | undefined, share: number): number => {
    const { next, stop, total } = library.transitions(chain.previous);
    const backoff = key === undefined ? (stop + 0.5 * smoothing) / (total + smoothing) : ((next.get(key) ?? 0) + 0.5 * smoothing * share) / (total + smoothing);
    const context = chain.previous === '' ? undefined : library.transitionsInContext(chain.first, chain.previous);
    if (!context) return backoff;
    const count = key === undefined ? context.stop : (context.next.get(key) ?? 0);
    return (count + CONTEXT_WEIGHT * backoff) / (context.total + CONTEXT_WEIGHT);
  };
  const finished: Chain[] = [];
  for (let depth = 0; depth < maxSteps && open.length > 0; depth++) {
    const next: Open[] = [];
    for (const chain of open) {
      const candidates = library.candidates(chain.state).slice(0, branching);
      const shares = precedentShares(candidates);
      // what training says can follow, restricted to what can happen in this state: the moves
      // its candidates offer and (after a first step) ending here, normalised over those
      const stopWeight = chain.steps.length > 0 ? nextProbability(chain, undefined, 0) : 0;
      const weights = candidates.map((candidate, i) => nextProbability(chain, candidate.specificKey, shares[i]!));
      const total = stopWeight + weights.reduce((s, w) => s + w, 0);
      // Chains are scored by the transition frequencies themselves (bench:mechanism: complete-
      // mechanism top-1 72.2 % on the valid split, 71.0 % against 73.5 % on its first 200 when
      // normalised per state); the normalised figure is what a step's probability means to a reader.
      if (chain.steps.length > 0) {
        finished.push({ steps: chain.steps, probability: Math.exp(chain.logP) * stopWeight, products: chain.steps[chain.steps.length - 1]!.outcome });
      }
      candidates.forEach((candidate, i) => {
        const key = candidate.outcome.join('.');
        if (chain.seen.has(key)) return; // a loop
        const probability = weights[i]!;
        const step: ChainStep = { arrows: candidate.arrows, result: candidate.result, outcome: candidate.outcome, probability: weights[i]! / total };
        next.push({ steps: [...chain.steps, step], logP: chain.logP + Math.log(probability), seen: new Set([...chain.seen, key]), state: candidate.result, previous: candidate.specificKey, first: chain.first || candidate.specificKey });
      });
    }
    next.sort((a, b) => b.logP - a.logP);
    open = next.slice(0, beam);
    // a chain still open cannot overtake the best finished ones once its probability is below theirs
    const floor = finished.map((c) => c.probability).sort((a, b) => b - a)[beam - 1];
    if (floor !== undefined) open = open.filter((c) => Math.exp(c.logP) > floor);
  }
  // chains cut by the step limit end where they are, as likely as the limit left them
  for (const chain of open) {
    if (chain.steps.length > 0) finished.push({ steps: chain.steps, probability: Math.exp(chain.logP), products: chain.steps[chain.steps.length - 1]!.outcome });
  }
  return finished.sort((a, b) => b.probability - a.probability).slice(0, beam);
}
