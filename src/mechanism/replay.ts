/**
 * Replaying a labelled mechanism (a record of the mech-USPTO JSON Lines format): each step's
 * arrows applied to the species the previous step left, and the result compared with the step's
 * labelled products (canonical SMILES without atom maps, so map renumbering does not matter).
 */
import { canonicalOrNull } from '../chem/index.js';
import { bondKey, readReactionGraph } from '../chem/reaction/reaction-graph.js';
import { parseArrow, type Arrow } from './arrows.js';
import { applyArrows, canonicalSpecies, ElectronMoveError, type Species } from './electron-moves.js';

export interface MechanismStep {
  /** "reactants>>products", every atom mapped */
  rxn: string;
  arrows: unknown[];
}

export interface MechanismRecord {
  id: string;
  steps: MechanismStep[];
  mech_class?: string;
  product?: string;
}

/** The species of a '.'-joined, atom-mapped SMILES in Kekulé form, with its aromatic bonds. */
export function readSpecies(smiles: string): Species {
  const graph = readReactionGraph(smiles, { kekule: true });
  // the same molecule read again: same atom and bond order, aromatic bonds as order 1.5
  const aromatic = new Set(readReactionGraph(smiles).bonds.filter((b) => b.order === 1.5).map((b) => bondKey(b.a, b.b)));
  return { ...graph, aromatic };
}

/** Canonical SMILES of each species of a labelled side of a step, atom maps removed. */
export function labelledSpecies(smiles: string): string[] {
  return smiles
    .replace(/:\d+\]/g, ']')
    .split('.')
    .map((m) => canonicalOrNull(m) ?? m)
    .sort();
}

export interface StepReplay {
  step: number;
  arrows: Arrow[];
  /** what the arrows gave, and what the label says */
  replayed: string[] | null;
  expected: string[];
  error?: string;
}

export function sameSpecies(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/**
 * Each step replayed from its own labelled reactants (`from: 'labels'`) or the whole chain from
 * the first step's reactants (`from: 'start'`, each step applied to what the last one produced).
 */
export function replayMechanism(record: MechanismRecord, from: 'labels' | 'start' = 'start'): StepReplay[] {
  const out: StepReplay[] = [];
  let state: Species | undefined;
  record.steps.forEach((step, k) => {
    const [reactants = '', products = ''] = step.rxn.split('>>');
    const arrows = step.arrows.map((a, i) => parseArrow(a, `step ${k + 1} arrow ${i + 1}`));
    const expected = labelledSpecies(products);
    const start: Species = from === 'labels' || !state ? readSpecies(reactants) : state;
    try {
      state = applyArrows(start, arrows);
      out.push({ step: k + 1, arrows, replayed: canonicalSpecies(state), expected });
    } catch (error) {
      if (!(error instanceof ElectronMoveError)) throw error;
      state = undefined;
      out.push({ step: k + 1, arrows, replayed: null, expected, error: error.message });
    }
  });
  return out;
}
