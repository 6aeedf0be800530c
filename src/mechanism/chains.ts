/**
 * Mechanisms as chains of elementary steps: beam search from the reactants. Without a learned
 * scorer a chain's score is the product of its steps' transition weights (transitions.ts) and of
 * ending where it ends; with one (step-scorer.ts) it is the product of the scorer's probabilities
 * of each step and of stopping at the end. A chain that comes back to species it has already
 * passed through loops and is cut; one longer than `maxSteps` is cut.
 */
import type { Arrow } from './arrows.js';
import type { Species } from './electron-moves.js';
import { canonicalSpecies } from './electron-moves.js';
import type { StepCandidate, StepTemplateLibrary } from './step-templates.js';
import { transitionWeights, type ChainContext } from './transitions.js';

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
   * The chain's score: the product of its steps' scores and of ending where it ends. Comparable
   * between chains of one search; predict.ts turns it into shares.
   */
  probability: number;
  /** the species the chain ends with, canonical SMILES */
  products: string[];
}

/** One state to score: the species, where the chain stands, and the candidate steps (best-precedented first). */
export interface ScoringState {
  species: Species;
  context: ChainContext;
  candidates: StepCandidate[];
}

/** A learned step model: per state, the probability of each candidate and of ending there (0 before any step), summing to 1. */
export interface StepScorer {
  /** candidates per state it scores (the best-precedented) */
  readonly pool: number;
  score(states: readonly ScoringState[]): { candidates: number[]; stop: number }[];
}

export interface ChainSearchOptions {
  beam?: number;
  maxSteps?: number;
  /** candidates per state kept for expansion */
  branching?: number;
  scorer?: StepScorer;
}

interface Scored {
  weights: number[];
  stop: number;
  /** the sum over the state: weight / total is a step's probability */
  total: number;
}

function countScores(library: StepTemplateLibrary, state: ScoringState): Scored {
  const { weights, stop } = transitionWeights(library, state.context, state.candidates);
  return { weights, stop, total: stop + weights.reduce((s, w) => s + w, 0) };
}

export function searchChains(library: StepTemplateLibrary, reactants: Species, options: ChainSearchOptions = {}): Chain[] {
  const beam = options.beam ?? 5;
  const maxSteps = options.maxSteps ?? 12;
  const branching = options.branching ?? 5;
  const scorer = options.scorer;
  type Open = { steps: ChainStep[]; logP: number; seen: Set<string>; state: Species; previous: string; first: string };
  let open: Open[] = [{ steps: [], logP: 0, seen: new Set([canonicalSpecies(reactants).join('.')]), state: reactants, previous: '', first: '' }];
  const finished: Chain[] = [];
  for (let depth = 0; depth < maxSteps && open.length > 0; depth++) {
    const states: ScoringState[] = open.map((chain) => ({
      species: chain.state,
      context: { previous: chain.previous, first: chain.first, depth: chain.steps.length },
      candidates: library.candidates(chain.state).slice(0, scorer ? scorer.pool : branching),
    }));
    // Without a scorer, chains are scored by the transition weights themselves (bench:mechanism:
    // complete-mechanism top-1 72.2 % on the valid split, 71.0 % against 73.5 % on its first 200
    // when normalised per state); the normalised figure is what a step's probability means to a reader.
    const scored: Scored[] = scorer
      ? scorer.score(states).map((s) => ({ weights: s.candidates, stop: s.stop, total: 1 }))
      : states.map((s) => countScores(library, s));
    const next: Open[] = [];
    open.forEach((chain, c) => {
      const { candidates } = states[c]!;
      const { weights, stop, total } = scored[c]!;
      if (chain.steps.length > 0) {
        finished.push({ steps: chain.steps, probability: Math.exp(chain.logP) * stop, products: chain.steps[chain.steps.length - 1]!.outcome });
      }
      const expand = candidates.map((_, i) => i).sort((a, b) => weights[b]! - weights[a]!).slice(0, branching);
      for (const i of expand) {
        const candidate = candidates[i]!;
        const key = candidate.outcome.join('.');
        if (chain.seen.has(key) || weights[i]! <= 0) continue; // a loop, or a move the scorer rules out
        const step: ChainStep = { arrows: candidate.arrows, result: candidate.result, outcome: candidate.outcome, probability: weights[i]! / total };
        next.push({ steps: [...chain.steps, step], logP: chain.logP + Math.log(weights[i]!), seen: new Set([...chain.seen, key]), state: candidate.result, previous: candidate.specificKey, first: chain.first || candidate.specificKey });
      }
    });
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
