/**
 * Mechanisms as chains of elementary steps: beam search from the reactants, each chain's
 * probability the product of its steps' (a step's share of its candidates' precedent, smoothed)
 * and, once it ends, of the probability that its last step ends a mechanism. A chain that comes back
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
  probability: number;
}

export interface Chain {
  steps: ChainStep[];
  /** product of the steps' probabilities and the probability of ending where it ends */
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

/** The probabilities of a state's candidate steps: their precedent counts, normalised with a floor for the unseen. */
function stepProbabilities(candidates: readonly StepCandidate[]): number[] {
  const weights = candidates.map((c) => c.specificCount + 0.5 * c.finerCount + 0.1 * Math.log1p(c.generalCount) + 0.01);
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => w / total);
}

export function searchChains(library: StepTemplateLibrary, reactants: Species, options: ChainSearchOptions = {}): Chain[] {
  const beam = options.beam ?? 5;
  const maxSteps = options.maxSteps ?? 12;
  const branching = options.branching ?? 5;
  type Open = { steps: ChainStep[]; logP: number; seen: Set<string>; state: Species };
  let open: Open[] = [{ steps: [], logP: 0, seen: new Set([canonicalSpecies(reactants).join('.')]), state: reactants }];
  const finished: Chain[] = [];
  for (let depth = 0; depth < maxSteps && open.length > 0; depth++) {
    const next: Open[] = [];
    for (const chain of open) {
      const candidates = library.candidates(chain.state).slice(0, branching);
      const probabilities = stepProbabilities(candidates);
      candidates.forEach((candidate, i) => {
        const key = candidate.outcome.join('.');
        if (chain.seen.has(key)) return; // a loop
        const step: ChainStep = { arrows: candidate.arrows, result: candidate.result, outcome: candidate.outcome, probability: probabilities[i]! };
        const stop = library.stopProbability(chain.state, candidate.arrows);
        const logP = chain.logP + Math.log(step.probability);
        finished.push({ steps: [...chain.steps, step], probability: Math.exp(logP + Math.log(stop)), products: candidate.outcome });
        next.push({ steps: [...chain.steps, step], logP: logP + Math.log(1 - stop), seen: new Set([...chain.seen, key]), state: candidate.result });
      });
    }
    next.sort((a, b) => b.logP - a.logP);
    open = next.slice(0, beam);
    // a chain still open cannot overtake the best finished ones once its probability is below theirs
    const floor = finished.map((c) => c.probability).sort((a, b) => b - a)[beam - 1];
    if (floor !== undefined) open = open.filter((c) => Math.exp(c.logP) > floor);
  }
  return finished.sort((a, b) => b.probability - a.probability).slice(0, beam);
}
