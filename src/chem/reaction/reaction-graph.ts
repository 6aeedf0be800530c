/**
 * A molecule (or a '.'-joined set of molecules) as plain, editable data: atoms with their element,
 * aromaticity, total hydrogens, charge and atom-map number; bonds with orders 1, 1.5 (aromatic),
 * 2 and 3. Forward prediction edits this graph (break and form bonds, move hydrogens and charge)
 * and writes the result back to SMILES, because RDKit.js has no molecule-editing API.
 */
import { element } from '../elements.js';
import { SmilesError } from '../errors.js';
import { normaliseSmilesText, withMolecule } from '../parse.js';
import { readTopology } from '../topology.js';

export type BondOrder = 1 | 1.5 | 2 | 3;

export interface GraphAtom {
  atomicNumber: number;
  symbol: string;
  aromatic: boolean;
  /** total hydrogens (implicit + bracket) */
  hydrogens: number;
  charge: number;
  /** atom-map number from the SMILES, 0 when unmapped */
  mapNumber: number;
}

export interface GraphBond {
  a: number;
  b: number;
  order: BondOrder;
}

export interface ReactionGraph {
  atoms: GraphAtom[];
  bonds: GraphBond[];
}

/**
 * Parses a SMILES (atom maps allowed) into a ReactionGraph; throws SmilesError when RDKit refuses it.
 * `kekule`: aromatic rings as alternating single and double bonds (RDKit's Kekulé form), every atom
 * non-aromatic, as electron-pushing mechanisms draw them.
 */
export function readReactionGraph(smiles: string, options: { kekule?: boolean } = {}): ReactionGraph {
  const kekule = options.kekule === true;
  const text = normaliseSmilesText(smiles);
  if (text === '') throw new SmilesError(smiles, 'is empty');
  const mapNumbers = atomMapNumbers(text);
  return withMolecule(text, (mol) => {
    const topology = readTopology(mol);
    if (topology.atoms.length !== mapNumbers.length) {
      throw new SmilesError(smiles, `has ${mapNumbers.length} written atoms but RDKit read ${topology.atoms.length}`);
    }
    const atoms = topology.atoms.map((atom, index): GraphAtom => ({
      atomicNumber: atom.atomicNumber,
      symbol: element(atom.atomicNumber).symbol,
      aromatic: atom.aromatic && !kekule,
      hydrogens: atom.hydrogens,
      charge: atom.formalCharge,
      mapNumber: mapNumbers[index] ?? 0,
    }));
    const bonds = topology.bonds.map((bond): GraphBond => {
      if (!bond.aromatic && (bond.order < 1 || bond.order > 3)) {
        throw new SmilesError(smiles, `has a bond type forward prediction does not handle (RDKit bond type ${bond.order})`);
      }
      return { a: bond.begin, b: bond.end, order: bond.aromatic && !kekule ? 1.5 : (bond.order as BondOrder) };
    });
    return { atoms, bonds };
  });
}

// Outside brackets a SMILES holds only organic-subset atoms, bonds, digits, parentheses and dots,
// so every atom is one of these tokens, in the order RDKit numbers atoms.
const ATOM_TOKEN = /\[[^\]]*\]|Br|Cl|[BCNOPSFI]|[bcnops]|\*/g;

/** The atom-map number of every written atom, in RDKit's atom order (0 = unmapped). */
export function atomMapNumbers(smiles: string): number[] {
  return Array.from(smiles.matchAll(ATOM_TOKEN), ([token]) => {
    const map = /:(\d+)\]$/.exec(token);
    return map ? Number(map[1]) : 0;
  });
}

/** Bond lookup by unordered atom pair. */
export function bondKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

export function neighbourLists(graph: ReactionGraph): { atom: number; order: BondOrder }[][] {
  const lists = graph.atoms.map((): { atom: number; order: BondOrder }[] => []);
  for (const bond of graph.bonds) {
    lists[bond.a]!.push({ atom: bond.b, order: bond.order });
    lists[bond.b]!.push({ atom: bond.a, order: bond.order });
  }
  return lists;
}
