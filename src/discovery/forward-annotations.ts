/**
 * What the forward model says each candidate of a discovery space gives: its reacting substances
 * (the roles named as reactants; the others are conditions) run through the predictor once per
 * distinct set of reactants, so a space of a thousand combinations over fifteen substrates costs
 * fifteen predictions.
 */
import { SmilesError } from '../chem/index.js';
import type { SearchSpace } from '../planner/space.js';

/** One ranked product, as the forward predictor gives it (the fields discovery reads). */
export interface PredictedProduct {
  product: string;
  probability: number;
  /** reaction centre of the template that proposed it (SMARTS) */
  template: string;
}

/** The forward model, as discovery sees it: reactant SMILES ('.'-joined) in, ranked products out. */
export type ForwardOracle = (reactants: string) => PredictedProduct[];

export interface CandidateForward {
  /** The '.'-joined reactant SMILES given to the model ('' when the candidate has none). */
  reactants: string;
  /** Ranked products, best first; empty when no template applies (or the model failed on the input). */
  products: PredictedProduct[];
}

export interface ForwardAnnotations {
  /** Per candidate of the space. */
  candidates: CandidateForward[];
  /** Distinct reactant sets predicted. */
  predictions: number;
}

/**
 * `reactantRoles`: substance parameters whose choices react; absent means every substance role.
 * Inputs the predictor rejects as SMILES are recorded as "no product" rather than failing the campaign: a
 * discovery space may well hold combinations no template covers.
 */
export function annotateSpace(space: SearchSpace, oracle: ForwardOracle, reactantRoles?: readonly string[], topK = 3): ForwardAnnotations {
  const roles = space.parameters.filter((p) => p.kind === 'substance' && (!reactantRoles || reactantRoles.includes(p.name))).map((p) => p.name);
  const cache = new Map<string, PredictedProduct[]>();
  const candidates: CandidateForward[] = [];
  for (let i = 0; i < space.size; i++) {
    const substances = space.substancesOf(i);
    // sorted, so that the same substrates in other roles (or another order) are predicted once
    const reactants = roles.map((r) => substances[r] ?? '').filter((s) => s !== '').sort().join('.');
    let products = cache.get(reactants);
    if (!products) {
      products = reactants === '' ? [] : predictSafely(oracle, reactants, topK);
      cache.set(reactants, products);
    }
    candidates.push({ reactants, products });
  }
  return { candidates, predictions: cache.size };
}

function predictSafely(oracle: ForwardOracle, reactants: string, topK: number): PredictedProduct[] {
  try {
    return oracle(reactants).slice(0, topK);
  } catch (error) {
    if (error instanceof SmilesError) return [];
    throw error;
  }
}
