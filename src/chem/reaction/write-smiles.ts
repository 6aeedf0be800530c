/**
 * ReactionGraph → SMILES, one string per connected component. Every atom is a bracket atom with its
 * hydrogen count and charge spelled out, so RDKit reads back exactly the graph we edited (no
 * valence guessing); canonicalisation is left to RDKit afterwards.
 */
import type { BondOrder, ReactionGraph } from './reaction-graph.js';
import { neighbourLists } from './reaction-graph.js';
import { writeComponents } from './line-notation.js';

const AROMATIC_SYMBOLS = new Set(['B', 'C', 'N', 'O', 'P', 'S', 'Se', 'As', 'Te']);
/** SMILES and SMARTS spell bond orders alike. */
export const BOND_SYMBOL: Record<BondOrder, string> = { 1: '-', 1.5: ':', 2: '=', 3: '#' };

export function componentSmiles(graph: ReactionGraph, include?: (atom: number) => boolean): { smiles: string; atoms: number[] }[] {
  const neighbours = neighbourLists(graph);
  // An atom is written aromatic only while it keeps an aromatic bond: an edit that opens an
  // aromatic ring must not leave lowercase atoms outside any ring.
  const aromatic = neighbours.map((list) => list.some((n) => n.order === 1.5));
  return writeComponents(
    { atomCount: graph.atoms.length, neighbours },
    { atom: (index) => atomText(graph, index, aromatic[index]!), bond: (order) => BOND_SYMBOL[order] },
    include,
  ).map(({ text, atoms }) => ({ smiles: text, atoms }));
}

export function chargeText(charge: number): string {
  if (charge === 0) return '';
  if (charge === 1) return '+';
  if (charge === -1) return '-';
  return charge > 0 ? `+${charge}` : `${charge}`;
}

function atomText(graph: ReactionGraph, index: number, aromatic: boolean): string {
  const atom = graph.atoms[index]!;
  const symbol = aromatic && AROMATIC_SYMBOLS.has(atom.symbol) ? atom.symbol.toLowerCase() : atom.symbol;
  const hydrogens = atom.hydrogens === 0 ? '' : atom.hydrogens === 1 ? 'H' : `H${atom.hydrogens}`;
  return `[${symbol}${hydrogens}${chargeText(atom.charge)}]`;
}
