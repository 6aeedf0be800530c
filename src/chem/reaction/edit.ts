/**
 * Applying a reaction's graph edit — bonds broken, formed or changed, hydrogens and charges moved —
 * to a reactant graph, and reading the resulting molecules back as canonical SMILES.
 */
import { canonicalOrNull } from '../smiles.js';
import { bondKey, neighbourLists, type BondOrder, type GraphBond, type ReactionGraph } from './reaction-graph.js';
import { componentSmiles } from './write-smiles.js';

export interface BondChange {
  a: number;
  b: number;
  /** the order after the reaction; 0 = the bond is broken */
  order: BondOrder | 0;
}

export interface AtomChange {
  atom: number;
  hydrogens: number;
  charge: number;
}

export interface GraphEdit {
  bonds: readonly BondChange[];
  atoms: readonly AtomChange[];
}

export function applyEdit(graph: ReactionGraph, edit: GraphEdit): ReactionGraph {
  const bonds = new Map<string, GraphBond>(graph.bonds.map((bond) => [bondKey(bond.a, bond.b), bond]));
  for (const change of edit.bonds) {
    const key = bondKey(change.a, change.b);
    if (change.order === 0) bonds.delete(key);
    else bonds.set(key, { a: change.a, b: change.b, order: change.order });
  }
  const atoms = graph.atoms.map((atom) => ({ ...atom }));
  for (const change of edit.atoms) {
    const atom = atoms[change.atom]!;
    atom.hydrogens = change.hydrogens;
    atom.charge = change.charge;
  }
  return { atoms, bonds: [...bonds.values()] };
}

export interface EditedMolecule {
  /** canonical SMILES, or null when RDKit cannot sanitise the edited molecule */
  smiles: string | null;
  /** indices (in the reactant graph) of the atoms this molecule is made of */
  atoms: number[];
}

/** The connected molecules of an edited graph that pass `only`, each canonicalised by RDKit. */
export function moleculesOf(graph: ReactionGraph, only?: (atoms: number[]) => boolean): EditedMolecule[] {
  return componentSmiles(graph)
    .filter((component) => only?.(component.atoms) ?? true)
    .map((component) => ({ smiles: canonicalOrNull(component.smiles), atoms: component.atoms }));
}

/** The molecule an atom belongs to after the edit (writes and canonicalises only that one). */
export function moleculeContaining(graph: ReactionGraph, atom: number): EditedMolecule {
  const members = new Set<number>([atom]);
  const neighbours = neighbourLists(graph);
  const queue = [atom];
  while (queue.length > 0) {
    for (const { atom: next } of neighbours[queue.pop()!]!) {
      if (!members.has(next)) {
        members.add(next);
        queue.push(next);
      }
    }
  }
  const [component] = componentSmiles(graph, (a) => members.has(a));
  return { smiles: canonicalOrNull(component!.smiles), atoms: component!.atoms };
}

/** Sum of bond orders at each atom (aromatic bonds count 1.5). */
export function bondOrderSums(graph: ReactionGraph): Float64Array {
  const sums = new Float64Array(graph.atoms.length);
  for (const bond of graph.bonds) {
    sums[bond.a]! += bond.order;
    sums[bond.b]! += bond.order;
  }
  return sums;
}
