/**
 * What the forward model says each candidate of a discovery space gives: its reacting substances
 * (the roles named as reactants; the others are conditions) run through the predictor once per
 * distinct set of reactants, so a space of a thousand combinations over fifteen substrates costs
 * fifteen predictions.
 */
import { SmilesError } from '../chem/index.js';
import type { SearchSpace } from '../planner/space.js';
import { turnTaker } from '../util/turns.js';

/** One ranked product, as the forward predictor gives it (the fields discovery reads). */
export interface PredictedProduct {
  product: string;
  probability: number;
  /** reaction centre of the template that proposed it (SMARTS) */
  template: string;
}

/** The forward model, as discovery sees it: reactant SMILES ('.'-joined) in, ranked products out. */
export type ForwardOracle = (reactants: string) => PredictedProduct[];

/**
 * The forward model over many reactant sets at once, wherever it runs: campaigns ask a worker
 * thread (agent/discovery-forward.ts), since predicting a space holds a thread for seconds.
 * Products per set, in order, at most `topK`; empty where no template applies.
 */
export type ForwardBatchOracle = (reactantSets: readonly string[], topK: number) => Promise<PredictedProduct[][]>;

/** An oracle on this thread as a batch one, handing the event loop back between predictions. */
export function batchOracle(oracle: ForwardOracle): ForwardBatchOracle {
  return async (reactantSets, topK) => {
    const takeTurn = turnTaker();
    const out: PredictedProduct[][] = [];
    for (const reactants of reactantSets) {
      await takeTurn();
      out.push(predictSafely(oracle, reactants, topK));
    }
    return out;
  };
}

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
export async function annotateSpace(space: SearchSpace, oracle: ForwardBatchOracle, reactantRoles?: readonly string[], topK = 3): Promise<ForwardAnnotations> {
  const roles = space.parameters.filter((p) => p.kind === 'substance' && (!reactantRoles || reactantRoles.includes(p.name))).map((p) => p.name);
  const takeTurn = turnTaker();
  const reactantsOf: string[] = [];
  for (let i = 0; i < space.size; i++) {
    await takeTurn();
    const substances = space.substancesOf(i);
    // sorted, so that the same substrates in other roles (or another order) are predicted once
    reactantsOf.push(roles.map((r) => substances[r] ?? '').filter((s) => s !== '').sort().join('.'));
  }
  const distinct = [...new Set(reactantsOf)].filter((r) => r !== '');
  const predicted = await oracle(distinct, topK);
  const products = new Map<string, PredictedProduct[]>(distinct.map((r, k) => [r, predicted[k] ?? []]));
  return { candidates: reactantsOf.map((reactants) => ({ reactants, products: products.get(reactants) ?? [] })), predictions: distinct.length };
}

function predictSafely(oracle: ForwardOracle, reactants: string, topK: number): PredictedProduct[] {
  try {
    return oracle(reactants).slice(0, topK);
  } catch (error) {
    if (error instanceof SmilesError) return [];
    throw error;
  }
}
