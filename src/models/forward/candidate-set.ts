/**
 * Candidate outcomes for recorded reactions, with the recorded product: the ranker's training and
 * evaluation data.
 */
import { canonicalOrNull } from '../../chem/smiles.js';
import { withMolecule } from '../../chem/parse.js';
import { readReactionGraph } from '../../chem/reaction/reaction-graph.js';
import type { CandidateGenerator, Candidate } from './candidates.js';
import type { RecordedReaction } from './recorded-reaction.js';

export interface CandidateRecord {
  /** index in the reaction list */
  index: number;
  reactants: string;
  product: string;
  candidates: Candidate[];
}

/** The candidates of one recorded reaction; null when its recorded product is not a SMILES. */
export function candidateRecord(reaction: RecordedReaction, index: number, generator: CandidateGenerator): CandidateRecord | null {
  const product = canonicalOrNull(reaction.product);
  if (!product) return null;
  try {
    const graph = readReactionGraph(reaction.reactants);
    const candidates = withMolecule(reaction.reactants, (mol) => generator.generate(graph, mol));
    return { index, reactants: reaction.reactants, product, candidates };
  } catch {
    // a reactant set RDKit cannot read has no candidates; it counts as a miss in evaluation
    return { index, reactants: reaction.reactants, product, candidates: [] };
  }
}
