/**
 * From candidate outcomes to ranker examples: cap and featurise the candidates of each reaction,
 * label the ones that give the recorded product, and turn candidate scores back into ranked
 * products with probabilities.
 */
import { molecularGraphAsWritten } from '../../chem/index.js';
import { readReactionGraph } from '../../chem/reaction/reaction-graph.js';
import type { Candidate } from './candidates.js';
import type { CandidateRecord } from './candidate-set.js';
import { candidateFeatures, moleculeOfAtoms, selectCandidates, setPrecedent, type Precedent } from './ranker-features.js';
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

export function prepareReaction(reactants: string, candidates: readonly Candidate[], set: TemplateSet, options: ExampleOptions, own?: { general: number; specific: number }, product?: string): PreparedReaction {
  const graph = readReactionGraph(reactants);
  const molecule = moleculeOfAtoms(graph);
  const precedent: Precedent = setPrecedent(set, own);
  const kept = selectCandidates(candidates, precedent, options.cap);
  return {
    example: {
      graph: molecularGraphAsWritten(reactants),
      candidates: kept.map((c) => candidateFeatures(graph, molecule, c, precedent, options.templateSlots)),
      ...(product !== undefined ? { gold: kept.map((c) => c.product === product) } : {}),
    },
    candidates: kept,
    ...(product !== undefined ? { product } : {}),
  };
}

export function prepareRecords(
  records: readonly CandidateRecord[],
  set: TemplateSet,
  options: ExampleOptions,
  ownTemplates?: ReadonlyMap<number, { general: number; specific: number }>,
): PreparedReaction[] {
  const prepared: PreparedReaction[] = [];
  for (const record of records) {
    try {
      prepared.push(prepareReaction(record.reactants, record.candidates, set, options, ownTemplates?.get(record.index), record.product));
    } catch {
      // reactants RDKit cannot featurise: no example (and a miss in evaluation)
    }
  }
  return prepared;
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
