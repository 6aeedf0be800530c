/**
 * What training says can happen next in a chain's state: a Markov chain over step templates.
 * After a step of radius-1 template T, the next step is T' or the mechanism ends, with the
 * frequencies seen in training (smoothed with pseudo-counts spread over the state's candidates by
 * precedent), interpolated with the same counts in the context of the mechanism's first step where
 * that context was seen. The chain search ranks by these weights when it has no learned scorer, and
 * the learned scorer reads them as one of its features.
 */
import type { StepCandidate, StepTemplateLibrary } from './step-templates.js';

/** Where a chain stands: the radius-1 keys of its previous and first steps ('' before any step). */
export interface ChainContext {
  previous: string;
  first: string;
  /** steps taken so far; ending is possible only after one */
  depth: number;
}

/**
 * A training step's own contribution to the counts, taken out so that a step is never its own
 * precedent (leave-one-out): the step that followed `previous` (`next`: its radius-1 key, or null
 * when the mechanism ended there).
 */
export interface OwnTransition {
  previous: string;
  first: string;
  next: string | null;
}

const SMOOTHING = 1;
const CONTEXT_WEIGHT = 2;

/** Each candidate's share of its state's precedent (how transitions never seen are smoothed). */
export function precedentShares(candidates: readonly StepCandidate[]): number[] {
  const weights = candidates.map((c) => c.specificCount + 0.5 * c.finerCount + 0.1 * Math.log1p(c.generalCount) + 0.01);
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => w / total);
}

/**
 * Unnormalised weights of each candidate and of ending here (0 before the first step). They are
 * the chain search's step scores: comparable between states, which is what ranks whole chains best
 * (bench:mechanism), while weight / (sum over the state) is a step's probability to a reader.
 */
export function transitionWeights(library: StepTemplateLibrary, context: ChainContext, candidates: readonly StepCandidate[], own?: OwnTransition): { weights: number[]; stop: number } {
  const shares = precedentShares(candidates);
  const mine = (previous: string, next: string | null) => (own && own.previous === previous && own.next === next ? 1 : 0);
  const inMine = (previous: string) => (own && own.previous === previous ? 1 : 0);
  const probability = (key: string | null, share: number): number => {
    const { next, stop, total } = library.transitions(context.previous);
    const seen = key === null ? stop - mine(context.previous, null) : (next.get(key) ?? 0) - mine(context.previous, key);
    const all = total - inMine(context.previous);
    const backoff = key === null ? (seen + 0.5 * SMOOTHING) / (all + SMOOTHING) : (seen + 0.5 * SMOOTHING * share) / (all + SMOOTHING);
    const inContext = context.previous === '' ? undefined : library.transitionsInContext(context.first, context.previous);
    if (!inContext) return backoff;
    const sameContext = own !== undefined && own.first === context.first;
    const count = (key === null ? inContext.stop : (inContext.next.get(key) ?? 0)) - (sameContext ? mine(context.previous, key) : 0);
    const contextTotal = inContext.total - (sameContext ? inMine(context.previous) : 0);
    return (count + CONTEXT_WEIGHT * backoff) / (contextTotal + CONTEXT_WEIGHT);
  };
  return {
    weights: candidates.map((candidate, i) => probability(candidate.specificKey, shares[i]!)),
    stop: context.depth > 0 ? probability(null, 0) : 0,
  };
}
