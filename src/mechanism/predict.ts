/**
 * Mechanisms for reactants a user gives: the species read from SMILES (atoms the input leaves
 * unmapped get map numbers of their own, since arrows name atoms by them), chains searched with a
 * step-template library, and a flag when the reaction lies outside what the library knows (no step
 * with precedent applies), rather than an invented chain.
 */
import { arrowText } from './arrows.js';
import { searchChains, type Chain, type ChainSearchOptions } from './chains.js';
import { ElectronMoveError, type Species } from './electron-moves.js';
import { readSpecies } from './replay.js';
import type { StepTemplateLibrary } from './step-templates.js';

/** The species of a SMILES with every atom mapped: given map numbers kept, the others numbered after them. */
export function mappedSpecies(smiles: string): Species {
  const species = readSpecies(smiles);
  let next = Math.max(0, ...species.atoms.map((a) => a.mapNumber)) + 1;
  const seen = new Set<number>();
  for (const atom of species.atoms) {
    if (atom.mapNumber !== 0 && seen.has(atom.mapNumber)) throw new ElectronMoveError(`atom map ${atom.mapNumber} is used twice in ${smiles}`);
    if (atom.mapNumber === 0) atom.mapNumber = next++;
    seen.add(atom.mapNumber);
  }
  return species;
}

export interface MechanismPrediction {
  reactants: string;
  /** best first; `probability` is each chain's share of the chains found */
  chains: Chain[];
  /** no elementary step with precedent in its context applies: the chains, if any, are guesses */
  outsideKnowledge: boolean;
  /**
   * With a learned step model: the best chain's own probability (its steps' and stopping at its
   * end, before the shares), null when steps were ranked by precedent (no probabilities).
   */
  confidence: number | null;
  /** outside knowledge, or the step model finds even the best chain less likely than not */
  lowConfidence: boolean;
}

/** The best chain's probability below which a learned prediction is flagged: more likely wrong than right (not tuned). */
export const LOW_CONFIDENCE = 0.5;

export function predictMechanisms(library: StepTemplateLibrary, reactants: string, options: ChainSearchOptions = {}): MechanismPrediction {
  const species = mappedSpecies(reactants);
  const first = library.candidates(species);
  const found = first.length === 0 ? [] : searchChains(library, species, options);
  // scores become shares of the chains found, so that they read as probabilities
  const total = found.reduce((s, c) => s + c.probability, 0);
  const chains = found.map((c) => ({ ...c, probability: total > 0 ? c.probability / total : 0 }));
  const outsideKnowledge = first.every((c) => c.specificCount === 0);
  const confidence = options.scorer ? (found[0]?.probability ?? 0) : null;
  return { reactants, chains, outsideKnowledge, confidence, lowConfidence: outsideKnowledge || (confidence !== null && confidence < LOW_CONFIDENCE) };
}

/** A chain in words: each step's arrows and what it leads to. */
export function chainText(chain: Chain): string[] {
  return chain.steps.map((s, k) => `step ${k + 1} (${(100 * s.probability).toFixed(0)} %): ${s.arrows.map(arrowText).join(', ')} → ${s.outcome.join(' + ')}`);
}
