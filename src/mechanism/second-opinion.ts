/**
 * The mechanisms as a second opinion on the forward model: each of its products gets the share of
 * the best chains of elementary steps that end in it. The opinion is shown beside the forward
 * model's ranking, not folded into it: re-ranking by the mean of probability and support
 * (bench:mechanism, valid split of mech-USPTO-15K) loses 1.6 points of top-1 when the chains start
 * from the reaction's own reactants (89.1 % → 87.5 %) and gains only when they start from the
 * species a mechanism label adds reagents to, which a user's query does not have.
 */
import { canonicalOrNull } from '../chem/index.js';
import { neighbourLists, readReactionGraph } from '../chem/reaction/reaction-graph.js';
import { componentSmiles } from '../chem/reaction/write-smiles.js';
import type { ForwardPrediction } from '../models/forward/predictor.js';
import type { Chain } from './chains.js';

export interface SecondOpinion {
  /** share of the best mechanisms found that end in this product (0: none reaches it) */
  mechanismSupport: number;
}

/** The molecules a mechanism starts from: reactants and reagents alike ("a.b>c>" → "a.b.c"). */
export function mechanismInput(reactants: string): string {
  return reactants
    .split('>')
    .map((part) => part.trim())
    .filter(Boolean)
    .join('.');
}

const PROTONATED = new Set(['N', 'O', 'S', 'P']);
const DEPROTONATED = new Set(['N', 'O', 'S']);

/**
 * A species as the work-up leaves it: an ammonium, oxonium or sulfonium that carries a hydrogen
 * gives it up, an alkoxide, amide or thiolate takes one; ions next to an opposite charge (nitro
 * groups, N-oxides, zwitterions) are left as they are. Mechanism labels end at the charged species
 * a step leaves (the protonated amide), forward products are the neutral molecule; RDKit.js has no
 * uncharger, hence this one.
 */
export function neutralForm(smiles: string): string {
  let graph;
  try {
    graph = readReactionGraph(smiles);
  } catch {
    return smiles;
  }
  const neighbours = neighbourLists(graph);
  let changed = false;
  graph.atoms.forEach((atom, i) => {
    const opposite = neighbours[i]!.some((n) => Math.sign(graph.atoms[n.atom]!.charge) === -Math.sign(atom.charge));
    if (atom.charge === 0 || opposite) return;
    if (atom.charge === 1 && atom.hydrogens > 0 && PROTONATED.has(atom.symbol)) {
      atom.hydrogens -= 1;
      atom.charge = 0;
      changed = true;
    } else if (atom.charge === -1 && DEPROTONATED.has(atom.symbol) && neighbours[i]!.length > 0) {
      atom.hydrogens += 1;
      atom.charge = 0;
      changed = true;
    }
  });
  if (!changed) return smiles;
  return canonicalOrNull(componentSmiles(graph).map((c) => c.smiles).join('.')) ?? smiles;
}

/** Each product with the share of the chains that end in it, in the forward model's order. */
export function withMechanismOpinion<P extends ForwardPrediction>(predictions: readonly P[], chains: readonly Pick<Chain, 'probability' | 'products'>[]): (P & SecondOpinion)[] {
  const total = chains.reduce((s, c) => s + c.probability, 0);
  const ends = chains.map((c) => new Set([...c.products, ...c.products.map(neutralForm)]));
  const support = (product: string) => (total > 0 ? chains.reduce((s, c, i) => s + (ends[i]!.has(product) ? c.probability : 0), 0) / total : 0);
  return predictions.map((p) => ({ ...p, mechanismSupport: support(p.product) }));
}

/** The products re-ranked by the mean of probability and mechanism support (what bench:mechanism measures). */
export function rerankedByMechanisms<P extends ForwardPrediction & SecondOpinion>(products: readonly P[]): P[] {
  return [...products]
    .sort((a, b) => b.probability + b.mechanismSupport - (a.probability + a.mechanismSupport))
    .map((p, i) => ({ ...p, rank: i + 1 }));
}
