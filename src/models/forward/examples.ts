/**
 * From candidate outcomes to ranker examples: cap and featurise the candidates of each reaction,
 * label the ones that give the recorded product, and turn candidate scores back into ranked
 * products with probabilities.
 */
import { molecularGraphAsWritten } from '../../chem/index.js';
import type { ReactionGraph } from '../../chem/reaction/reaction-graph.js';
import type { Candidate } from './candidates.js';
import { candidateFeatures, reactantContext, selectCandidates, setPrecedent, type Precedent } from './ranker-features.js';
import type { RankerExample } from './ranker-network.js';
import type { TemplateSet } from './template-set.js';

export interface ExampleOptions {
  /** most candidates ranked per reaction */
  cap: number;
  templateSlots: ReadonlyMap<number, number>;
}

export interface PreparedReaction {
  example: RankerExample;
  candidates: Candidate[];
  /** the recorded product, when known */
  product?: string;
}

/** `graph` is readReactionGraph(reactants), which the caller has already parsed. */
export function prepareReaction(
  reactants: string,
  graph: ReactionGraph,
  candidates: readonly Candidate[],
  set: TemplateSet,
  options: ExampleOptions,
  own?: { general: number; specific: number },
  product?: string,
): PreparedReaction {
  const context = reactantContext(graph);
  const precedent: Precedent = setPrecedent(set, own);
  const kept = selectCandidates(candidates, precedent, options.cap);
  return {
    example: {
      graph: molecularGraphAsWritten(reactants),
      candidates: kept.map((c) => candidateFeatures(context, c, precedent, options.templateSlots)),
      ...(product !== undefined ? { gold: kept.map((c) => c.product === product) } : {}),
    },
    candidates: kept,
    ...(product !== undefined ? { product } : {}),
  };
}

export interface RankedProduct {
  smiles: string;
  probability: number;
  /** the best-scored candidate that gives it */
  candidate: Candidate;
}

/** Products ranked by probability: a product's score is the log-sum-exp of its candidates' scores. */
export function rankProducts(candidates: readonly Candidate[], scores: ArrayLike<number>): RankedProduct[] {
  if (candidates.length === 0) return [];
  const max = Math.max(...Array.from(scores));
  const byProduct = new Map<string, { mass: number; best: number; candidate: Candidate }>();
  candidates.forEach((candidate, i) => {
    const mass = Math.exp(scores[i]! - max);
    const entry = byProduct.get(candidate.product);
    if (!entry) byProduct.set(candidate.product, { mass, best: scores[i]!, candidate });
    else {
      entry.mass += mass;
      if (scores[i]! > entry.best) Object.assign(entry, { best: scores[i]!, candidate });
    }
  });
  const total = [...byProduct.values()].reduce((s, e) => s + e.mass, 0);
  return [...byProduct.entries()]
    .map(([smiles, e]) => ({ smiles, probability: e.mass / total, candidate: e.candidate }))
    .sort((a, b) => b.probability - a.probability);
}
