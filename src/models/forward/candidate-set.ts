/**
 * Candidate outcomes for a list of recorded reactions, with which candidates give the recorded
 * product: the ranker's training and evaluation data.
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

export function buildCandidateSet(
  reactions: readonly RecordedReaction[],
  generator: CandidateGenerator,
  onProgress?: (done: number, total: number) => void,
): CandidateRecord[] {
  const records: CandidateRecord[] = [];
  reactions.forEach((reaction, index) => {
    if (index % 250 === 0) onProgress?.(index, reactions.length);
    const product = canonicalOrNull(reaction.product);
    if (!product) return;
    try {
      const graph = readReactionGraph(reaction.reactants);
      const candidates = withMolecule(reaction.reactants, (mol) => generator.generate(graph, mol));
      records.push({ index, reactants: reaction.reactants, product, candidates });
    } catch {
      // a reactant set RDKit cannot read has no candidates; it counts as a miss in evaluation
      records.push({ index, reactants: reaction.reactants, product, candidates: [] });
    }
  });
  onProgress?.(reactions.length, reactions.length);
  return records;
}
