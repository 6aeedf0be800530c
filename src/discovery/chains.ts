/**
 * Stepwise chains: the forward model applied step after step — a step's product is a reactant of
 * the next, alone or with one reagent from the inventory — to propose two- and three-step
 * sequences towards a target molecule, or away from the inventory (novel products).
 *
 * Scoring, so that a chain's score means something a chemist can weigh:
 * - a step's probability is the forward model's probability of its product (given its reactants);
 * - a chain's **probability** is the product of its steps' probabilities: the chance that every
 *   step gives the predicted major product, taking steps as independent;
 * - its **closeness**: toward a target, the Tanimoto similarity of the final product to the target
 *   (Morgan radius 2, 2048 bits); for novelty, 1 − the largest similarity to any inventory molecule;
 * - its **value** is what the final product is worth: toward a target, closeness³ — whoever asks
 *   for a target wants that molecule, and a neighbour at similarity 0.7 is worth about a third of
 *   it (linear similarity let a sure route to the bis-acylated neighbour outrank the target's own
 *   route); for novelty, the closeness itself;
 * - its **score** is probability × value: the expected value of running the chain, counting a
 *   failed step as worth nothing.
 *
 * Beam search: the first step tries every pair of starting reactants (or the given first-step
 * sets); each later step extends each kept chain by its product alone and with every inventory
 * reagent; the `branch` most probable products above `minStepProbability` of each prediction
 * become new chains; the `beamWidth` best-scoring chains (by the same score, on the partial chain)
 * go on to the next step.
 */
import { canonicalSmiles, morganFingerprint, tanimoto } from '../chem/index.js';
import type { ForwardOracle } from './forward-annotations.js';

export interface ChainStep {
  /** Reactant SMILES of this step (canonical): the previous product first, then what was added. */
  reactants: string[];
  /** Inventory reagents added at this step (the first step's reactants all come from the inventory). */
  added: string[];
  product: string;
  probability: number;
  /** reaction centre of the template that proposed the product (SMARTS) */
  template: string;
}

export interface Chain {
  steps: ChainStep[];
  /** The last step's product. */
  product: string;
  /** Product of the steps' probabilities. */
  probability: number;
  /** Similarity of the final product to the target, or its novelty against the inventory. */
  closeness: number;
  /** What the final product is worth: closeness³ toward a target, closeness for novelty. */
  value: number;
  /** probability × value */
  score: number;
}

/** How steeply a product's worth falls with its distance from the target (value = similarity^3). */
export const TARGET_SHARPNESS = 3;

export type ChainGoal = { target: string } | { novelty: true };

export interface ChainSearchInput {
  /** Reagents on the shelf (SMILES). */
  inventory: string[];
  goal: ChainGoal;
  oracle: ForwardOracle;
  /** First-step reactant sets; default every pair of inventory reagents. */
  starts?: string[][];
  /** Steps at most (default 3); chains of 2 steps up to this are returned. */
  maxSteps?: number;
  /** Chains kept per step (default 6). */
  beamWidth?: number;
  /** Products taken from each prediction (default 2). */
  branch?: number;
  /** Steps less probable than this are not followed (default 0.05). */
  minStepProbability?: number;
  /** Chains returned (default 10), best first, one per final product. */
  limit?: number;
}

export interface ChainSearchResult {
  chains: Chain[];
  /** Forward-model calls made (distinct reactant sets). */
  predictions: number;
}

export function searchChains(input: ChainSearchInput): ChainSearchResult {
  const maxSteps = input.maxSteps ?? 3;
  if (maxSteps < 2) throw new RangeError('a chain has at least 2 steps');
  const beamWidth = input.beamWidth ?? 6;
  const branch = input.branch ?? 2;
  const minStep = input.minStepProbability ?? 0.05;
  const inventory = unique(input.inventory.map((s) => canonicalSmiles(s)));
  const closenessOf = closenessFunction(input.goal, inventory);

  const cache = new Map<string, ReturnType<ForwardOracle>>();
  const predict = (reactants: string[]) => {
    const key = [...reactants].sort().join('.');
    let products = cache.get(key);
    if (!products) {
      products = input.oracle(key);
      cache.set(key, products);
    }
    return products;
  };

  const extend = (chain: Chain | undefined, reactants: string[], added: string[]): Chain[] => {
    const seen = new Set([...reactants, ...(chain?.steps.map((s) => s.product) ?? [])]);
    const out: Chain[] = [];
    for (const p of predict(reactants).slice(0, branch)) {
      // a product that is one of its own reactants, or an earlier intermediate, goes in circles
      if (p.probability < minStep || seen.has(p.product)) continue;
      const step: ChainStep = { reactants, added, product: p.product, probability: p.probability, template: p.template };
      const probability = (chain?.probability ?? 1) * p.probability;
      const closeness = closenessOf(p.product);
      const v = 'target' in input.goal ? closeness ** TARGET_SHARPNESS : closeness;
      out.push({ steps: [...(chain?.steps ?? []), step], product: p.product, probability, closeness, value: v, score: probability * v });
    }
    return out;
  };

  const starts = input.starts?.map((set) => set.map((s) => canonicalSmiles(s))) ?? pairs(inventory);
  let beam = prune(starts.flatMap((reactants) => extend(undefined, reactants, reactants)), beamWidth);
  const finished: Chain[] = [];
  for (let depth = 2; depth <= maxSteps && beam.length > 0; depth++) {
    const next: Chain[] = [];
    for (const chain of beam) {
      next.push(...extend(chain, [chain.product], []));
      for (const reagent of inventory) next.push(...extend(chain, [chain.product, reagent], [reagent]));
    }
    finished.push(...next);
    beam = prune(next, beamWidth);
  }
  return { chains: prune(finished, input.limit ?? 10), predictions: cache.size };
}

/** The best chain per final product, best first, at most `count`. */
function prune(chains: Chain[], count: number): Chain[] {
  const best = new Map<string, Chain>();
  for (const c of chains) {
    const kept = best.get(c.product);
    if (!kept || c.score > kept.score) best.set(c.product, c);
  }
  return [...best.values()].sort((a, b) => b.score - a.score || a.steps.length - b.steps.length).slice(0, count);
}

function closenessFunction(goal: ChainGoal, inventory: string[]): (smiles: string) => number {
  if ('target' in goal) {
    const target = morganFingerprint(goal.target);
    return (smiles) => tanimoto(morganFingerprint(smiles), target);
  }
  const shelf = inventory.map((s) => morganFingerprint(s));
  return (smiles) => {
    const fp = morganFingerprint(smiles);
    return 1 - shelf.reduce((m, s) => Math.max(m, tanimoto(fp, s)), 0);
  };
}

function pairs(items: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) out.push([items[i]!, items[j]!]);
  return out;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
